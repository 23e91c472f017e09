"""XSS payloads in the brand file's name, in trend-made post text and in the reasons the engine
stores (claims gate, platform errors, a reviewer's note) render as text on every view."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from desk.conftest import XSS, csrf_of
from marketing_engine.brand import BrandProfile
from marketing_engine.warehouse.models import SocialPost


@pytest.fixture
def profile(example_brand: BrandProfile) -> BrandProfile:
    return example_brand.model_copy(update={"name": f"Brand {XSS}"})


def test_hostile_text_is_inert_on_every_view(desk_warehouse, login, seed) -> None:
    ids = seed([f"trend {XSS}", f"second {XSS}", f"third {XSS}", f"fourth {XSS}", f"fifth {XSS}"])
    with desk_warehouse.session() as session:
        held, failed = session.get(SocialPost, ids[0]), session.get(SocialPost, ids[1])
        held.state, held.last_error = "held", f"claim {XSS}"
        failed.state, failed.last_error = "failed", f"why {XSS}"
        published = session.get(SocialPost, ids[2])
        published.state, published.platform_url = "published", "javascript:alert(1)"
    client = login("approver")
    pending = ids[3]
    token = csrf_of(client, "/review")
    client.post(f"/review/{pending}/reject", data={"csrf": token, "reason": f"note {XSS}"})
    anonymous = TestClient(client.app)
    pages = [
        anonymous.get("/login"),
        client.get("/review"),
        client.get("/calendar?week=2027-01-04"),
        client.get("/calendar?month=2027-01"),
        anonymous.get("/unsubscribe?t=bad"),
    ]
    for page in pages:
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, page.url
        assert "javascript:" not in page.text, page.url
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "Brand &lt;script&gt;" in page.text, page.url
    review, calendar, month = pages[1].text, pages[2].text, pages[3].text
    assert "trend &lt;script&gt;" in review and "claim &lt;script&gt;" in review
    assert "fifth &lt;script&gt;" in review
    assert "note &lt;script&gt;" in review
    assert "why &lt;script&gt;" in calendar and "second &lt;script&gt;" in calendar
    assert "why &lt;script&gt;" in month
