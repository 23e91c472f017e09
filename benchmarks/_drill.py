"""The exactly-once fault drill: a LinkedIn-like server on 127.0.0.1 counts creates while the publish
worker (`marketing-engine posts publish-due`, a separate process) is SIGKILLed at random points,
including right after the server accepted a post and before the warehouse recorded it. After each
kill the reconciler runs; at the end every post must be on the server exactly once.

A test harness, not product code: used by tests/publishing/test_publishing_fault.py (a few dozen
posts), the e2e UI test (`seed_posts`) and `make bench` (200 posts; its 10,000-post tick seeds its
rows with `approved_posts`).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import delete, func, select

from marketing_engine.publishing.outgoing import content_hash, idempotency_key
from marketing_engine.warehouse import Warehouse
from marketing_engine.warehouse.models import SocialPost

AUTHOR = "urn:li:organization:4242"


class FakeLinkedIn(ThreadingHTTPServer):
    """The Posts API subset the publisher uses: create, author finder, get one. Creates are counted
    by commentary; `on_create` runs after a post is stored and before the answer is sent."""

    daemon_threads = True

    def __init__(self, hold_seconds: float = 0.02):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.posts: list[dict] = []
        self.creates: Counter[str] = Counter()
        self.hold_seconds = hold_seconds
        self.on_create: Callable[[int], None] | None = None
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FakeLinkedIn

    def log_message(self, *args: object) -> None:  # keep test output clean
        return

    def _json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the worker was killed while we held the answer
            pass

    def do_POST(self) -> None:
        if not self.path.startswith("/rest/posts") or "Bearer " not in self.headers.get("Authorization", ""):
            self._json(401, {"message": "Empty oauth2 access token", "status": 401})
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        with server.lock:
            number = len(server.posts) + 1
            urn = f"urn:li:share:{7000000000 + number}"
            server.posts.append(
                {
                    "id": urn,
                    "author": body["author"],
                    "commentary": body["commentary"],
                    "createdAt": int(time.time() * 1000),
                    "lifecycleState": "PUBLISHED",
                }
            )
            server.creates[re.sub(r"\\(.)", r"\1", body["commentary"])] += 1  # counted on the unescaped text
        if server.on_create:
            server.on_create(number)
        time.sleep(server.hold_seconds)  # the window where the post exists but the worker has no answer
        self._json(201, {}, {"x-restli-id": urn})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/rest/posts" and query.get("q") == ["author"]:
            count = int(query.get("count", ["10"])[0])
            with self.server.lock:
                elements = [p for p in reversed(self.server.posts) if p["author"] == query["author"][0]][
                    :count
                ]
            self._json(200, {"elements": elements, "paging": {"start": 0, "count": count}})
            return
        with self.server.lock:
            found = [p for p in self.server.posts if parts.path.endswith(p["id"].replace(":", "%3A"))]
        self._json(200 if found else 404, found[0] if found else {"message": "Not Found", "status": 404})


@dataclass
class DrillReport:
    posts: int
    server_creates: int = 0
    published: int = 0
    duplicates: int = 0
    lost: int = 0
    kills_after_accept: int = 0
    kills_timed: int = 0
    worker_runs: int = 0
    reconciled_found: int = 0
    reconciled_requeued: int = 0
    seconds: float = 0.0
    states: dict[str, int] = field(default_factory=dict)

    @property
    def exactly_once(self) -> bool:
        return self.server_creates == self.posts == self.published and not self.duplicates and not self.lost


def approved_posts(brand: str, prefix: str, count: int, due: datetime) -> list[dict[str, Any]]:
    """`count` approved LinkedIn posts due at `due`, each with its own text, as `social_posts` rows
    (content refs `<prefix>:<n>`)."""
    rows = []
    for number in range(count):
        ref = f"{prefix}:{number}"
        body = f"{prefix.capitalize()} post {number}: one of {count} test posts, each published exactly once"
        body += f" (#{number})."
        payload = {"fields": {"text": body}, "parts": [], "media": []}
        sha = content_hash(body, payload, [], None)
        rows.append(
            {
                "brand": brand,
                "platform": "linkedin",
                "content_ref": ref,
                "variant": "main",
                "body": body,
                "payload": payload,
                "media_keys": [],
                "scheduled_at": due,
                "state": "scheduled",
                "idempotency_key": idempotency_key(brand, "linkedin", ref, "main"),
                "content_sha256": sha,
                "approved_sha256": sha,
            }
        )
    return rows


def seed_posts(warehouse: Warehouse, count: int, brand: str = "drill") -> None:
    """`count` approved LinkedIn posts of `brand`, all due now, with unique text (the brand's other
    posts are removed first)."""
    due = datetime.now(UTC) - timedelta(minutes=1)
    with warehouse.session() as session:
        session.execute(delete(SocialPost).where(SocialPost.brand == brand))
        session.add_all(SocialPost(**row) for row in approved_posts(brand, "drill", count, due))


def run_drill(
    warehouse_url: str,
    count: int,
    reconcile: Callable[[str], tuple[int, int]],
    *,
    seed: int = 7,
    kill_share: float = 0.1,
    timed_kill_chance: float = 0.6,
    max_rounds: int = 400,
    hold_seconds: float = 0.02,
) -> DrillReport:
    """Publish `count` posts through killed-and-restarted workers; `reconcile(server_url)` resolves
    stuck posts and returns (found, requeued)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    warehouse = Warehouse(warehouse_url)
    seed_posts(warehouse, count)
    report = DrillReport(posts=count)
    kill_at = set(rng.sample(range(1, count + 1), max(1, int(count * kill_share))))
    current: dict[str, subprocess.Popen] = {}

    def kill_after_accept(number: int) -> None:
        worker = current.get("worker")
        if number in kill_at and worker and worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            report.kills_after_accept += 1

    with FakeLinkedIn(hold_seconds) as server:
        server.on_create = kill_after_accept
        env = {
            **os.environ,
            "MARKETING_ENGINE_WAREHOUSE_URL": warehouse_url,
            "LINKEDIN_ACCESS_TOKEN": "drill",
            "LINKEDIN_AUTHOR_URN": AUTHOR,
            "LINKEDIN_API_BASE": server.url,
        }
        command = [
            sys.executable,
            "-m",
            "marketing_engine.cli",
            "posts",
            "publish-due",
            "--backend",
            "linkedin",
            "--platform",
            "linkedin",
            "--timeout",
            "5",
            "--skip-migrations",
            "--brand",
            "drill",
        ]
        for _ in range(max_rounds):
            if warehouse.count(SocialPost, brand="drill", state="published") == count:
                break
            worker = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            current["worker"] = worker
            report.worker_runs += 1
            assert worker.stdout is not None
            worker.stdout.readline()  # "ready": imports done, warehouse reached
            if rng.random() < timed_kill_chance:  # a timed kill somewhere in the run
                timer = threading.Timer(rng.uniform(0.0, hold_seconds * 15), _kill, (worker, report))
                timer.start()
            worker.wait(timeout=120)
            current.pop("worker", None)
            found, requeued = reconcile(server.url)
            report.reconciled_found += found
            report.reconciled_requeued += requeued
        report.server_creates = len(server.posts)
        with warehouse.session() as session:
            texts = dict(
                session.execute(
                    select(SocialPost.body, SocialPost.state).where(SocialPost.brand == "drill")
                ).all()
            )
            report.states = dict(
                session.execute(
                    select(SocialPost.state, func.count())
                    .where(SocialPost.brand == "drill")
                    .group_by(SocialPost.state)
                ).all()
            )
        report.duplicates = sum(n - 1 for n in server.creates.values() if n > 1)
        report.lost = sum(1 for text in texts if server.creates[text] == 0)
        report.published = report.states.get("published", 0)
    warehouse.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _kill(worker: subprocess.Popen, report: DrillReport) -> None:
    if worker.poll() is None:
        try:
            os.kill(worker.pid, signal.SIGKILL)
            report.kills_timed += 1
        except ProcessLookupError:
            pass
