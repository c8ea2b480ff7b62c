"""static/script.js and GET /js/script.js: size budget, strong ETag, 304s, caching, CORS, and its docs."""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest
from conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "static" / "script.js"
GZIP_BUDGET = 1500


def expected_etag() -> str:
    return hashlib.sha256(SCRIPT.read_bytes()).hexdigest()[:32]


def test_script_gzipped_fits_the_budget():
    # The measure the brief names: `gzip -9 -c static/script.js | wc -c`.
    size = len(gzip.compress(SCRIPT.read_bytes(), compresslevel=9))
    assert size <= GZIP_BUDGET, f"tracker is {size} bytes gzipped, over the {GZIP_BUDGET}-byte budget"


def test_serves_the_script_with_cache_headers(client):
    response = client.get("/js/script.js")
    assert response.status_code == 200
    assert response.data == SCRIPT.read_bytes()
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"] == f'"{expected_etag()}"'  # strong: no W/ prefix
    assert "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"


def test_if_none_match_answers_304_without_a_body(client):
    etag = client.get("/js/script.js").headers["ETag"]
    response = client.get("/js/script.js", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize("header", ['"something-else"', 'W/"0123"', '"abc", "def"'])
def test_another_etag_gets_the_full_script(client, header):
    response = client.get("/js/script.js", headers={"If-None-Match": header})
    assert response.status_code == 200
    assert response.data == SCRIPT.read_bytes()


def test_etag_among_several_still_matches(client):
    etag = client.get("/js/script.js").headers["ETag"]
    response = client.get("/js/script.js", headers={"If-None-Match": f'"old", {etag}'})
    assert response.status_code == 304


def test_gzip_when_the_client_accepts_it(client):
    response = client.get("/js/script.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == SCRIPT.read_bytes()
    assert len(response.data) <= GZIP_BUDGET
    # A different representation needs its own strong ETag, and revalidates on its own.
    etag = response.headers["ETag"]
    assert etag == f'"{expected_etag()}-gz"'
    again = client.get("/js/script.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_gzip_refused_with_q_zero(client):
    response = client.get("/js/script.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in response.headers
    assert response.data == SCRIPT.read_bytes()


def test_head_has_the_headers_and_no_body(client):
    response = client.head("/js/script.js")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"] == f'"{expected_etag()}"'
    assert int(response.headers["Content-Length"]) == len(SCRIPT.read_bytes())


def test_docs_name_every_attribute_reason_and_ecommerce_event():
    """docs/TRACKER.md must keep up with the script: each data- attribute, reason to skip, e-commerce name."""
    script = SCRIPT.read_text()
    docs = (REPO_ROOT / "docs" / "TRACKER.md").read_text()
    attributes = set(re.findall(r"A\('(data-[a-z-]+)'\)", script))
    reasons = set(re.findall(r"return\s*'([^']+)'", script))
    ecommerce = set(re.search(r"/\^\(([a-z_|]+)\)\$/", script).group(1).split("|"))
    assert attributes == {"data-domain", "data-api", "data-hash"}
    assert reasons == {"file:", "localhost", "clearanalytics_ignore"}
    assert ecommerce == {"view_item", "add_to_cart", "begin_checkout", "purchase"}
    for word in attributes | reasons | ecommerce:
        assert f"`{word}`" in docs, f"docs/TRACKER.md does not mention `{word}`"
