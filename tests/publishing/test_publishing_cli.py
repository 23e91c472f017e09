"""`marketing-engine review …` and `marketing-engine posts …` over the warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketing_engine.cli import main
from marketing_engine.publishing.calendar import PlannedPost
from marketing_engine.publishing.platforms import Draft
from marketing_engine.publishing.queue import sync_calendar
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import ReviewDecision, SocialPost


@pytest.fixture
def queue(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("MARKETING_ENGINE_WAREHOUSE_URL", url)
    warehouse = Warehouse(url)
    due = datetime.now(UTC) - timedelta(minutes=5)
    planned = [
        PlannedPost(
            Draft(
                platform="linkedin",
                content_ref=f"page:{i}",
                variant="main",
                fields={"text": f"Post number {i}"},
                arc_step="hook",
            ),
            due,
        )
        for i in range(3)
    ]
    with warehouse.session() as session:
        sync_calendar(session, "kestrel-cycles", planned, approval_required=True)
    yield warehouse
    warehouse.dispose()


def _ids(warehouse: Warehouse) -> list[int]:
    with warehouse.session() as session:
        return list(session.scalars(select(SocialPost.id).order_by(SocialPost.id)))


def test_review_list_show_approve_reject(queue: Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, _ = _ids(queue)
    assert main(["review", "list"]) == 0
    assert capsys.readouterr().out.count("pending_review") == 3
    assert main(["review", "approve", str(first), "--as", "maya", "--note", "ok"]) == 0
    assert "approved" in capsys.readouterr().out
    assert main(["review", "reject", str(second), "--as", "maya"]) == 1
    assert "needs a --note" in capsys.readouterr().err
    assert main(["review", "reject", str(second), "--as", "maya", "--note", "off-brand"]) == 0
    assert main(["review", "show", str(first)]) == 0
    shown = capsys.readouterr().out
    assert "approved for this content: yes" in shown and "by maya" in shown
    with queue.session() as session:
        decisions = [(d.post_id, d.decision, d.reviewer) for d in session.scalars(select(ReviewDecision))]
    assert decisions == [(first, "approved", "maya"), (second, "rejected", "maya")]
    assert main(["review", "approve"]) == 2
    assert main(["review", "show", "999"]) == 1


def test_posts_list_publish_retry_cancel(
    queue: Warehouse, capsys: pytest.CaptureFixture[str], engine_home
) -> None:
    first, second, third = _ids(queue)
    main(["review", "approve", str(first), "--as", "maya"])
    main(["review", "approve", str(second), "--as", "maya"])
    assert main(["posts", "cancel", str(second)]) == 0
    assert main(["posts", "publish-due", "--platform", "linkedin"]) == 0
    assert "published 1" in capsys.readouterr().out
    assert len(list((engine_home / "outbox" / "linkedin").glob("*.json"))) == 1
    assert main(["posts", "list", "--state", "published"]) == 0
    assert f"{first:>6}  linkedin" in capsys.readouterr().out
    assert main(["posts", "cancel", str(first)]) == 1
    assert "can no longer be cancelled" in capsys.readouterr().err
    assert main(["posts", "retry", str(second)]) == 0
    assert main(["posts", "retry", str(third)]) == 1
    assert main(["posts", "show", str(first)]) == 0
    assert "published as" in capsys.readouterr().out
    assert main(["posts", "retry"]) == 2


def test_review_list_shows_held_posts_with_the_gates_reason(
    queue: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    held = Draft(
        platform="linkedin",
        content_ref="page:held",
        variant="main",
        fields={"text": "4 out of 10 customers switch."},
        arc_step="hook",
        hold_reason="claims gate: 1 untraceable claim(s): numeral '4'",
    )
    with queue.session() as session:
        sync_calendar(session, "kestrel-cycles", [PlannedPost(held, None)], approval_required=True)
    assert main(["review", "list"]) == 0
    out = capsys.readouterr().out
    assert "held by the claims gate" in out and "why: claims gate: 1 untraceable" in out
    post_id = max(_ids(queue))
    assert main(["review", "show", str(post_id)]) == 0
    assert "held: claims gate" in capsys.readouterr().out
    assert main(["review", "approve", str(post_id)]) == 1  # a held post cannot be approved as it is
