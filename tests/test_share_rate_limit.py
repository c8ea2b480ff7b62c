"""A shared link's data routes have a budget per link and client address (share_rate_limit), and every rate
limit setting the limiter cannot read stops the app at start in one line, not with a 500 per request."""

from __future__ import annotations

import pytest

from clearanalytics.config import ConfigError
from tests import stats_dataset
from tests.app_helpers import new_app
from tests.dashboard_helpers import login
from tests.split_helpers import stats_app
from tests.stats_expected import Expected
from tests.test_shared_links import OWNER, PASSWORD, create


@pytest.fixture(scope="module")
def setup(stats_data_dir):
    data_dir, data = stats_data_dir
    with stats_app(data_dir, data, "duckdb", now=stats_dataset.NOW.isoformat(), share_rate_limit="3/minute") as app:
        owner = app.test_client()
        assert login(owner, OWNER, PASSWORD).status_code == 302
        yield app, owner, data


def visitor(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_data_route_has_a_budget_per_link_and_client(setup):
    app, owner, data = setup
    path = create(owner)
    other_path = create(owner)
    want = Expected(data, ["shop.example"], {"period": "30d"}, stats_dataset.NOW).overview()
    first = visitor(app, "10.1.1.1")
    for _ in range(3):
        answer = first.get(f"{path}/data/overview?period=30d")
        assert answer.status_code == 200 and answer.json["data"] == want
    refused = first.get(f"{path}/data/overview?period=30d")
    assert refused.status_code == 429
    assert refused.json["message"].startswith("Too many requests to this shared link")
    assert int(refused.headers["Retry-After"]) > 0
    assert visitor(app, "10.2.2.2").get(f"{path}/data/overview?period=30d").status_code == 200  # another client
    assert first.get(f"{other_path}/data/overview?period=30d").status_code == 200  # another link
    assert first.get(path).status_code == 200  # the page itself is not counted


@pytest.mark.parametrize("name", ["rate_limit", "chat_rate_limit", "share_rate_limit"])
def test_a_limit_the_limiter_cannot_read_stops_the_app_at_start(tmp_path, name):
    with pytest.raises(ConfigError, match=rf"^{name} must look like '60/minute'"):
        new_app(tmp_path / "data", **{name: "lots"})
