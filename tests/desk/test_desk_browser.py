"""The desk in headless Chromium (Playwright), over a real uvicorn server: sign in, approve a post,
reject one with a reason, reject a page the claims gate held (with a reason; its built HTML is
previewed in a sandboxed frame whose script never runs), edit the approved post and see its approval
voided, reschedule one inside its posting window — and the page keeps its style sheet under the CSP (no inline style)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from needs import unavailable

from desk.conftest import PASSWORD, write_page
from desk.test_desk_calendar import WEEK, _local_times
from marketing_engine.desk.screenshot import screenshots, served
from marketing_engine.seo.store import reviewed_pages
from marketing_engine.warehouse.models import SocialPost

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def server(app) -> Iterator[str]:
    with served(app) as base:
        yield base


def test_a_reviewer_journey_in_chromium(server, seed, desk_warehouse, profile, tmp_path) -> None:
    from playwright import sync_api  # a dev dependency: make test installs it

    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    first, second, third = seed(["A first post", "A second post", "A third post"])
    write_page(desk_warehouse, profile.slug, "held-page", "A held page", finding="no fact backs it")
    when = _local_times(profile, inside=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"]
        )
        page = browser.new_page()
        page.goto(f"{server}/review")
        assert page.url.endswith("/login")
        page.fill("input[name=name]", "approver")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url("**/review")
        assert (
            page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor") == "rgb(29, 29, 31)"
        )

        page.click(f"#post-{first} button:has-text('Approve')")
        page.wait_for_selector(f"text=Post {first} approved.")
        assert "approved for this content" in page.inner_text(f"#post-{first}")

        page.fill(f"#post-{second} input[name=reason]", "Off-brand tone")
        page.click(f"#post-{second} button:has-text('Reject')")
        page.wait_for_selector(f"text=Post {second} rejected.")
        assert "Off-brand tone" in page.inner_text("table")

        frame = page.frame_locator("#page-held-page iframe")
        # the page as built, in the frame; its script (which rewrites the h1) did not run
        assert frame.locator("h1").inner_text() == "A held page"
        assert "no fact backs it" in page.inner_text("#page-held-page")  # the gate's finding, inline
        page.fill("#page-held-page input[name=reason]", "States a saving we cannot back")
        page.click("#page-held-page button:has-text('Reject page')")
        page.wait_for_selector("text=Page held-page rejected.")
        assert "States a saving we cannot back" in page.inner_text("#page-decisions")
        assert page.locator("#page-held-page").count() == 0

        page.click(f"#post-{first} summary")
        page.fill(f"#post-{first} textarea", "A first post, sharpened")
        page.click(f"#post-{first} button:has-text('Save')")
        page.wait_for_selector(f"text=Post {first} edited")
        card = page.inner_text(f"#post-{first}")
        assert "A first post, sharpened" in card and "not approved" in card
        assert "voided" in page.inner_text("table")
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

        page.goto(f"{server}/calendar?week={WEEK}")
        page.fill(f"#slot-{third} input[name=at]", when.strftime("%Y-%m-%dT%H:%M"))
        page.click(f"#slot-{third} button:has-text('Reschedule')")
        page.wait_for_selector(f"text=Post {third} moved to")
        page.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)
        browser.close()
    with desk_warehouse.session() as session:
        moved = session.get(SocialPost, third).scheduled_at
        edited = session.get(SocialPost, first)
        assert session.get(SocialPost, second).state == "rejected"
    zone = profile.audience.timezone
    assert moved.astimezone(__import__("zoneinfo").ZoneInfo(zone)).replace(tzinfo=None) == when
    assert edited.approved_sha256 is None and edited.state == "pending_review"
    assert isinstance(moved, datetime)
    (rejected,) = reviewed_pages(desk_warehouse, profile.slug)
    assert (rejected.slug, rejected.status) == ("held-page", "rejected")
    assert rejected.review["reason"] == "States a saving we cannot back"
    assert rejected.review["by"] == "approver" and rejected.review["sha256"] == rejected.sha256


def test_the_screenshot_command_signs_in_and_saves_both_pages(server, seed, tmp_path) -> None:
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    seed(["A post for the picture"])
    saved = screenshots(server, "viewer", PASSWORD, tmp_path / "shots", WEEK)
    assert [p.name for p in saved] == ["desk-review.png", "desk-calendar.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 10_000 for p in saved)
    with pytest.raises(PermissionError, match="could not sign in as 'viewer'"):
        screenshots(server, "viewer", "wrong password", tmp_path / "none")
