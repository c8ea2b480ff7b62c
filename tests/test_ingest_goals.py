"""Goals: matching per match type, completions at ingest, backfill on create, and the goal CLI."""

from __future__ import annotations

import json

import pytest

from clearanalytics.goals import GoalError, validate_config
from clearanalytics.ingest.goalmatch import compile_path_matcher
from tests.conftest import run_cli
from tests.ingest_helpers import CHROME, IngestClient

MATCHES = [
    # (match type, pattern, path, matches)
    ("exact", "/signup", "/signup", True),
    ("exact", "/signup", "/signup/", False),
    ("exact", "/signup", "/signup/step-2", False),
    ("prefix", "/blog", "/blog/post-1", True),
    ("prefix", "/blog", "/about/blog", False),
    ("contains", "thank", "/checkout/thank-you", True),
    ("contains", "thank", "/checkout", False),
    ("wildcard", "/blog/*", "/blog/post-1", True),
    ("wildcard", "/blog/*", "/blog/2026/02/post", True),
    ("wildcard", "/blog/*", "/blog", False),
    ("wildcard", "/*/pricing", "/de/pricing", True),
    ("wildcard", "/*/pricing", "/de/pricing/team", False),
    ("wildcard", "/a.b", "/aXb", False),
    ("regex", r"^/product/\d+$", "/product/42", True),
    ("regex", r"^/product/\d+$", "/product/abc", False),
    ("regex", "checkout", "/shop/checkout/done", True),
]


@pytest.mark.parametrize(("match_type", "pattern", "path", "expected"), MATCHES)
def test_path_matchers(match_type, pattern, path, expected):
    assert compile_path_matcher(match_type, pattern)(path) is expected


def test_exact_goal_ignores_the_query_string_of_its_pattern():
    assert validate_config("url", {"match_type": "exact", "path": "/signup?ref=x"}) == {
        "match_type": "exact",
        "path": "/signup",
    }


@pytest.mark.parametrize(
    ("goal_type", "config", "field"),
    [
        ("url", {"match_type": "fuzzy", "path": "/"}, "match_type"),
        ("url", {"match_type": "exact"}, "path"),
        ("url", {"match_type": "regex", "path": "(unclosed"}, "path"),
        ("event", {}, "event_name"),
        ("session", {}, "type"),
    ],
)
def test_bad_goal_definitions(goal_type, config, field):
    with pytest.raises(GoalError) as info:
        validate_config(goal_type, config)
    assert info.value.field == field


def _goal(data_dir, *args: str) -> str:
    result = run_cli("goal", "add", "--data-dir", data_dir, "--site", "example.com", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_completions_at_ingest_and_backfill(account, tmp_path):
    lines = [
        {"name": "pageview", "url": "https://example.com/signup?plan=pro", "timestamp": "2026-11-20T10:00:00Z"},
        {"name": "pageview", "url": "https://example.com/blog/a", "timestamp": "2026-11-20T10:01:00Z"},
        {"name": "pageview", "url": "https://example.com/blog/b", "timestamp": "2026-11-20T10:02:00Z"},
        {"name": "signup", "url": "https://example.com/signup", "timestamp": "2026-11-20T10:03:00Z"},
        {"name": "pageview", "url": "https://example.com/pricing", "timestamp": "2026-11-20T10:04:00Z"},
    ]
    path = tmp_path / "history.jsonl"
    path.write_text(
        "".join(
            json.dumps({**d, "domain": "example.com", "ip": "192.0.2.1", "user_agent": CHROME}) + "\n" for d in lines
        )
    )
    assert run_cli("import", "--data-dir", account.data_dir, path).exit_code == 0

    signup_page = _goal(account.data_dir, "--name", "Signup page", "--path", "/signup")
    blog = _goal(account.data_dir, "--name", "Blog", "--path", "/blog/*", "--match", "wildcard")
    signup_event = _goal(account.data_dir, "--name", "Signed up", "--event", "signup")

    client = IngestClient(account.data_dir)
    client.pageview("https://example.com/blog/c")
    client.post({"name": "signup", "url": "https://example.com/signup", "domain": "example.com"})
    client.pageview("https://example.com/about")

    client.service.flush()
    with client.db.reading() as cur:
        counts = dict(cur.execute("SELECT goal_id, count(*) FROM goal_completions GROUP BY 1").fetchall())
        events = cur.execute("SELECT count(*) FROM goal_completions WHERE event_id IS NOT NULL").fetchone()[0]
        linked = cur.execute(
            "SELECT count(*) FROM goal_completions c JOIN pageviews p ON p.id = c.pageview_id "
            "WHERE c.visitor_hash = p.visitor_hash AND c.session_hash = p.session_hash"
        ).fetchone()[0]
    assert counts == {signup_page: 1, blog: 3, signup_event: 2}
    assert events == 2
    assert linked == 6  # every completion points at a real pageview of the same visitor and session
    client.close()


def test_goal_list_and_remove(account):
    goal_id = _goal(account.data_dir, "--name", "Thanks", "--path", "thank", "--match", "contains")
    event_id = _goal(account.data_dir, "--name", "Signed up", "--event", "signup")
    listed = run_cli("goal", "list", "--data-dir", account.data_dir, "--site", "example.com").stdout.splitlines()
    assert listed == [
        f"{goal_id}\texample.com\tThanks\turl\tcontains thank",
        f"{event_id}\texample.com\tSigned up\tevent\tevent signup",
    ]
    assert run_cli("goal", "remove", "--data-dir", account.data_dir, goal_id).exit_code == 0
    listed = run_cli("goal", "list", "--data-dir", account.data_dir).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == [event_id]
    missing = run_cli("goal", "remove", "--data-dir", account.data_dir, goal_id)
    assert missing.exit_code == 1 and "no goal" in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x"], "exactly one of --path or --event"),
        (["--name", "x", "--path", "/a", "--event", "b"], "exactly one of --path or --event"),
        (["--name", "x", "--path", "(bad", "--match", "regex"], "invalid regular expression"),
    ],
)
def test_goal_add_errors(account, args, message):
    result = run_cli("goal", "add", "--data-dir", account.data_dir, "--site", "example.com", *args)
    assert result.exit_code == 1 and message in result.stderr


def test_goal_add_unknown_site(account):
    result = run_cli("goal", "add", "--data-dir", account.data_dir, "--site", "nope.org", "--name", "x", "--event", "y")
    assert result.exit_code == 1 and "no site" in result.stderr


def test_add_goal_on_a_running_app_backfills_queued_events_and_matches_at_once(account):
    from clearanalytics.ingest.goalmatch import add_goal

    client = IngestClient(account.data_dir, {"flush_interval": 60})
    client.pageview("https://example.com/pricing")  # still queued in the writer
    with client.db.reading() as cur:
        site_id = cur.execute("SELECT id FROM sites").fetchone()[0]
    goal, backfilled = add_goal(client.db, site_id, "Pricing", "url", {"match_type": "exact", "path": "/pricing"},
                                service=client.service)  # fmt: skip
    client.pageview("https://example.com/pricing", ip="192.0.2.77")
    assert backfilled == 1
    assert client.rows("goal_completions", "goal_id") == [(goal.id,), (goal.id,)]
    client.close()
