"""The index page in a real headless chromium, served by the real app."""

from __future__ import annotations

import re

from tests.browser import dump_dom, live_app, screenshot


def test_index_page_lists_enterprises_with_level_colours(demo_url, tmp_path):
    with live_app(demo_url) as base:
        dom = dump_dom(base + "/")
        shot = screenshot(base + "/", tmp_path / "index.png")
    assert "企业风险一览" in dom
    rows = re.findall(r"<tr><td>\d+</td>", dom)
    assert len(rows) == 50
    levels = set(re.findall(r'data-level="(\w+)"', dom))
    assert {"major", "significant"} <= levels
    # nothing on the page points at another host
    assert not re.search(r'(src|href)="https?://(?!127\.0\.0\.1)', dom)
    assert shot.stat().st_size > 10_000
