"""Per-request account lookups are kept until the next commit, and no longer ([3/7] item 5, begun).

A token verified once is not looked up again while nothing is written; revoking it (a commit)
makes the very next request 401, and a site added (a commit) is readable by the very next request.
"""

from __future__ import annotations

from clearanalytics import accounts, web_auth
from clearanalytics.db import write_version


def _overview(client, token: str, **params):
    return client.get("/api/v1/stats/overview", query_string=params, headers={"Authorization": f"Bearer {token}"})


def test_a_token_is_verified_once_until_a_commit_and_a_revoke_kills_it_at_once(app, client, account, monkeypatch):
    calls = []
    real = web_auth.verify_token

    def counting(cur, plaintext):
        calls.append(plaintext)
        return real(cur, plaintext)

    monkeypatch.setattr(web_auth, "verify_token", counting)
    db = app.extensions["clearanalytics.db"]
    assert _overview(client, account.token).status_code == 200  # verified, and last_used_at written (a commit)
    version = write_version(db.path)
    for _ in range(3):
        assert _overview(client, account.token).status_code == 200
    assert len(calls) == 2 and write_version(db.path) == version  # once after the last_used write, then kept
    token_id = account.token.split("|", 1)[0]
    with db.transaction() as cur:
        accounts.revoke_token(cur, token_id)
    answer = _overview(client, account.token)
    assert answer.status_code == 401 and answer.json == {"message": "Unauthenticated."}
    assert len(calls) == 3


def test_a_site_added_is_readable_by_the_very_next_request(app, client, account):
    assert _overview(client, account.token, domain="new.example").status_code == 403  # not a site yet
    assert _overview(client, account.token, domain="new.example").status_code == 403  # kept: still not
    db = app.extensions["clearanalytics.db"]
    with db.transaction() as cur:
        tenant = accounts.get_tenant(cur, account.tenant)
        accounts.create_site(cur, tenant, "new.example", "UTC", "EUR")
    answer = _overview(client, account.token, domain="new.example")
    assert answer.status_code == 200 and answer.json["data"]["visitors"] == 0
