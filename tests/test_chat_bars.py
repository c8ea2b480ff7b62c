"""The chat's bar lists share one track ([6/7] defect 5): every row's bar starts and ends at the same place,
whatever its label's or value's width. static/chat.css in real Chromium, on the markup chat.js writes."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ("tests.browser",)

CSS = (Path(__file__).resolve().parent.parent / "static" / "chat.css").read_text()
ROWS = (("/", "5", 4), ("/a-much-longer-page-title-for-the-blog", "12,345", 100), ("/docs", "987", 40))


def test_every_bar_track_has_the_same_start_and_length(browser_page, page_server):
    items = "".join(
        f'<li class="ai-bar"><span class="ai-bar-label">{label}</span><span class="ai-bar-track">'
        f'<span class="ai-bar-fill" style="width: {share}%"></span></span>'
        f'<span class="ai-bar-value">{value}</span></li>'
        for label, value, share in ROWS
    )
    page_server.add_page("/bars.html", f"<!doctype html><style>{CSS}</style><div style='width: 360px'>"
                                       f"<ol class='ai-bars'>{items}</ol></div>")  # fmt: skip
    browser_page.goto(page_server.url("/bars.html"))
    tracks = [t.bounding_box() for t in browser_page.locator(".ai-bar-track").all()]
    assert len(tracks) == 3 and tracks[0]["width"] > 50
    assert {round(t["x"], 1) for t in tracks} == {round(tracks[0]["x"], 1)}
    assert {round(t["width"], 1) for t in tracks} == {round(tracks[0]["width"], 1)}
    fills = [f.bounding_box()["width"] for f in browser_page.locator(".ai-bar-fill").all()]
    assert abs(fills[1] - tracks[1]["width"]) < 1 and abs(fills[0] / fills[1] - 0.04) < 0.01
