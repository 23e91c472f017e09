"""The review queue in the browser: approve ties the approval to the content hash, reject needs a
reason, an edit is a new content version that voids the approval; previews show the counter."""

from __future__ import annotations

from sqlalchemy import select

from desk.conftest import csrf_of
from marketing_engine.warehouse.models import ReviewDecision, SocialPost


def _post(warehouse, post_id: int) -> SocialPost:
    with warehouse.session() as session:
        return session.get(SocialPost, post_id)


def test_the_queue_previews_each_post_with_its_counter_and_limit(login, seed) -> None:
    seed(["A post about winter tyres", "x" * 3100])
    page = login("viewer").get("/review").text
    assert "Review queue — 2 waiting" in page
    assert "25 / 3000 (chars)" in page
    assert "3100 / 3000" in page and "Platform rule: linkedin.text: max chars limit 3000" in page


def test_approve_reject_and_edit_voids_the_approval(login, seed, desk_warehouse) -> None:
    first, second = seed(["first post", "second post"])
    approver = login("approver")
    token = csrf_of(approver, "/review")
    approver.post(f"/review/{first}/approve", data={"csrf": token})
    approved = _post(desk_warehouse, first)
    assert approved.state == "scheduled" and approved.approved_sha256 == approved.content_sha256

    refused = approver.post(f"/review/{second}/reject", data={"csrf": token, "reason": " "})
    assert (
        "a rejection needs a reason" in refused.text
        and _post(desk_warehouse, second).state == "pending_review"
    )
    approver.post(f"/review/{second}/reject", data={"csrf": token, "reason": "off-brand"})
    assert _post(desk_warehouse, second).state == "rejected"

    editor = login("editor")
    answer = editor.post(
        f"/review/{first}/edit", data={"csrf": csrf_of(editor, "/review"), "text": "first, edited"}
    )
    assert f"Post {first} edited" in answer.text
    edited = _post(desk_warehouse, first)
    assert edited.body == "first, edited" and edited.payload["fields"]["text"] == "first, edited"
    assert edited.content_sha256 != approved.content_sha256
    assert edited.approved_sha256 is None and edited.state == "pending_review"
    with desk_warehouse.session() as session:
        trail = [
            (d.decision, d.reviewer, d.note)
            for d in session.scalars(
                select(ReviewDecision).where(ReviewDecision.post_id == first).order_by(ReviewDecision.id)
            )
        ]
    assert [d[:2] for d in trail] == [("approved", "approver"), ("voided", "system"), ("edited", "editor")]
    page = approver.get("/review").text
    assert "off-brand" in page and "not approved" in page


def test_an_edit_that_breaks_the_platform_rules_is_refused(login, seed, desk_warehouse) -> None:
    post_id = seed(["short post"])[0]
    editor = login("editor")
    answer = editor.post(
        f"/review/{post_id}/edit", data={"csrf": csrf_of(editor, "/review"), "text": "y" * 3001}
    )
    assert f"Post {post_id} not changed" in answer.text and "max chars limit 3000" in answer.text
    assert _post(desk_warehouse, post_id).body == "short post"


def test_an_edit_with_an_untraceable_claim_is_held_back_by_the_claims_gate(
    login, seed, desk_warehouse
) -> None:
    post_id = seed(["Winter tyres for city riders"])[0]
    editor = login("editor")
    token = csrf_of(editor, "/review")
    answer = editor.post(
        f"/review/{post_id}/edit", data={"csrf": token, "text": "We have served 12,000 riders since 1999"}
    )
    assert f"Post {post_id} not changed: claims gate" in answer.text and "12,000" in answer.text
    assert _post(desk_warehouse, post_id).body == "Winter tyres for city riders"
    kept = editor.post(
        f"/review/{post_id}/edit", data={"csrf": token, "text": "Winter tyres for city riders!"}
    )
    assert f"Post {post_id} edited" in kept.text  # what the text said before may be restated
