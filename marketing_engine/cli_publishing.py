"""`marketing-engine review …` and `marketing-engine posts …`: the review queue and the post desk,
over the same warehouse the pipeline writes (MARKETING_ENGINE_WAREHOUSE_URL or the engine home).

    review list | show ID | approve ID [--as NAME] [--note TEXT] | reject ID --note TEXT
    posts list [--state S] [--platform P] | show ID | retry ID | cancel ID | publish-due [--platform P]

This module stays light (no Dagster import): `posts publish-due` is also the worker process the
exactly-once fault drill kills and restarts.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import UTC, datetime

from sqlalchemy import select


def _warehouse(migrate: bool = True):
    from marketing_engine.settings import warehouse_url
    from marketing_engine.warehouse import Warehouse
    from marketing_engine.warehouse.db import make_engine

    class Migrated(Warehouse):
        """A warehouse whose schema the caller knows is current: no Alembic run at start-up."""

        @property
        def engine(self):
            if self._engine is None:
                self._engine = make_engine(self.url)
            return self._engine

    return (Warehouse if migrate else Migrated)(warehouse_url())


def _print_posts(posts) -> None:
    print(f"{'id':>6}  {'platform':<10} {'state':<15} {'scheduled (UTC)':<17} text")
    for post in posts:
        when = post.scheduled_at.strftime("%Y-%m-%d %H:%M") if post.scheduled_at else "-"
        text = " ".join(post.body.split())[:60]
        print(f"{post.id:>6}  {post.platform:<10} {post.state:<15} {when:<17} {text}")


def _show(session, post_id: int) -> int:
    from marketing_engine.warehouse.models import ReviewDecision, SocialPost

    post = session.get(SocialPost, post_id)
    if post is None:
        print(f"post {post_id} does not exist", file=sys.stderr)
        return 1
    approved = "yes" if post.approved_sha256 and post.approved_sha256 == post.content_sha256 else "no"
    print(f"post {post.id} · {post.platform} · {post.variant} · {post.state} · arc {post.arc_step}")
    print(f"content: {post.content_ref}   scheduled: {post.scheduled_at}   attempts: {post.attempts}")
    print(f"content sha256: {post.content_sha256}   approved for this content: {approved}")
    print(f"link: {post.link_url}\nmedia: {post.media_keys}")
    if post.platform_post_id:
        print(f"published as {post.platform_post_id} {post.platform_url or ''} at {post.published_at}")
    if post.last_error:
        print(f"{'held' if post.state == 'held' else 'last error'}: {post.last_error}")
    print(
        "\n"
        + json.dumps((post.payload or {}).get("fields") or {"text": post.body}, indent=2, ensure_ascii=False)
    )
    for part in (post.payload or {}).get("parts") or []:
        print(f"  ↳ {part}")
    decisions = session.scalars(
        select(ReviewDecision).where(ReviewDecision.post_id == post.id).order_by(ReviewDecision.decided_at)
    )
    for decision in decisions:
        print(
            f"  {decision.decided_at:%Y-%m-%d %H:%M} {decision.decision:<13} by {decision.reviewer}"
            f" sha {decision.content_sha256[:12]} {decision.note or ''}"
        )
    return 0


def _review(args: argparse.Namespace) -> int:
    from marketing_engine.publishing.queue import ReviewError, decide
    from marketing_engine.warehouse.models import SocialPost

    with _warehouse().session() as session:
        if args.action == "list":
            _print_posts(
                session.scalars(
                    select(SocialPost)
                    .where(SocialPost.state == "pending_review")
                    .order_by(SocialPost.scheduled_at, SocialPost.id)
                )
            )
            held = list(
                session.scalars(select(SocialPost).where(SocialPost.state == "held").order_by(SocialPost.id))
            )
            if held:
                print(f"\nheld by the claims gate (never queued until the copy passes): {len(held)}")
                for post in held:
                    print(f"{post.id:>6}  {post.platform:<10} {' '.join(post.body.split())[:60]}")
                    print(f"        why: {post.last_error}")
            return 0
        if args.id is None:
            print(f"review {args.action} needs a post id", file=sys.stderr)
            return 2
        if args.action == "show":
            return _show(session, args.id)
        try:
            post = decide(
                session,
                args.id,
                "approved" if args.action == "approve" else "rejected",
                args.reviewer or getpass.getuser(),
                args.note,
            )
        except ReviewError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(f"post {post.id}: {args.action}d (content sha256 {post.content_sha256[:12]}), now {post.state}")
    return 0


def _publish_due(args: argparse.Namespace) -> int:
    """Publish what is due now, outside Dagster (the same code the schedule runs)."""
    from marketing_engine.publishing.queue import dispatch_due

    warehouse = _warehouse(migrate=not args.skip_migrations)
    warehouse.engine  # noqa: B018 - migrate and connect before saying ready
    if args.backend == "linkedin":
        from dagster import EnvVar

        from marketing_engine.resources.platforms.linkedin.settings import API_URL
        from marketing_engine.resources.publishers.linkedin import LinkedInPublisher

        token, author = EnvVar("LINKEDIN_ACCESS_TOKEN").get_value(), EnvVar("LINKEDIN_AUTHOR_URN").get_value()
        if not token or not author:
            print(
                "publish-due --backend linkedin needs LINKEDIN_ACCESS_TOKEN and LINKEDIN_AUTHOR_URN",
                file=sys.stderr,
            )
            return 2
        publisher = LinkedInPublisher(
            token,
            author,
            base_url=os.environ.get("LINKEDIN_API_BASE", API_URL),
            timeout=args.timeout,
        )
        publishers = {"linkedin": publisher}
    else:
        from marketing_engine.resources.publishers.outbox import OutboxPublisher
        from marketing_engine.settings import home_dir

        publishers = {}
    print("ready", flush=True)

    def publisher_for(platform: str):
        if platform not in publishers:
            publishers[platform] = OutboxPublisher(home_dir("outbox"), platform)
        return publishers[platform]

    platforms = [args.platform] if args.platform else None
    report = dispatch_due(warehouse, publisher_for, platforms=platforms, batch=args.batch, brand=args.brand)
    print(
        f"published {report.published}, failed {report.failed}, requeued {report.requeued}, "
        f"left for the reconciler {report.left_for_reconciler}",
        flush=True,
    )
    return 0


def _posts(args: argparse.Namespace) -> int:
    from marketing_engine.publishing.queue import ReviewError, cancel_post, retry_post
    from marketing_engine.warehouse.models import SocialPost

    if args.action == "publish-due":
        return _publish_due(args)
    with _warehouse().session() as session:
        if args.action == "list":
            query = select(SocialPost).order_by(SocialPost.scheduled_at, SocialPost.id).limit(args.limit)
            if args.state:
                query = query.where(SocialPost.state == args.state)
            if args.platform:
                query = query.where(SocialPost.platform == args.platform)
            _print_posts(session.scalars(query))
            return 0
        if args.id is None:
            print(f"posts {args.action} needs a post id", file=sys.stderr)
            return 2
        if args.action == "show":
            return _show(session, args.id)
        try:
            post = (
                retry_post(session, args.id, datetime.now(UTC))
                if args.action == "retry"
                else cancel_post(session, args.id)
            )
        except ReviewError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print(f"post {post.id}: now {post.state}")
    return 0


def register_review(subparsers) -> None:
    parser = subparsers.add_parser("review", help="the review queue: list, show, approve or reject posts")
    parser.add_argument("action", choices=["list", "show", "approve", "reject"])
    parser.add_argument("id", type=int, nargs="?")
    parser.add_argument("--note", help="why (required to reject)")
    parser.add_argument("--as", dest="reviewer", help="reviewer name (default: the current user)")
    parser.set_defaults(func=_review)


def register_posts(subparsers) -> None:
    parser = subparsers.add_parser(
        "posts", help="inspect or fix posts: list, show, retry, cancel, publish-due"
    )
    parser.add_argument("action", choices=["list", "show", "retry", "cancel", "publish-due"])
    parser.add_argument("id", type=int, nargs="?")
    parser.add_argument("--state")
    parser.add_argument("--platform")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--backend", choices=["outbox", "linkedin"], default="outbox")
    parser.add_argument("--batch", type=int, default=1, help="posts claimed per transaction")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--skip-migrations", action="store_true", help="the schema is known to be current")
    parser.add_argument("--brand", help="only this brand's posts (its slug)")
    parser.set_defaults(func=_posts)
