"""Where a run's steps execute: in processes of the machine that launched the run (the default), or on
Celery workers on any number of machines.

One switch, MARKETING_ENGINE_EXECUTOR:
- `multiprocess` (default): Dagster's own executor, one process per step on the run's machine.
- `celery`: every step is a Celery task (dagster-celery, the `celery` extra) on a broker
  (MARKETING_ENGINE_CELERY_BROKER, default the local RabbitMQ) with results in a backend
  (MARKETING_ENGINE_CELERY_BACKEND, default the local Redis). Workers: `make workers N=2`
  (`marketing_engine.workers`). A URL that holds a password is read from the environment where it is
  used (the run worker, each Celery worker) and is never written into run config or files.

Queues by kind of work, chosen by op tag: the video studio on `video`, crawling on `crawl`, the rest on
Celery's `dagster` queue. A render farm is more workers consuming `video`. Every queue needs at least
one worker, or its steps wait.

Pools: the Celery executor claims a step's pool slot in the Dagster instance (its PostgreSQL) before it
sends the step to a worker, and frees it when the step's result comes back, so the instance's pool
limits (`concurrency.pools` in dagster.yaml, `dagster instance concurrency set`) hold across all
workers and all runs, as they do on one machine.
"""

from __future__ import annotations

import os
from typing import Any

from dagster import ExecutorDefinition

EXECUTOR_SWITCH = "MARKETING_ENGINE_EXECUTOR"
EXECUTORS = ("multiprocess", "celery")
BROKER_ENV = "MARKETING_ENGINE_CELERY_BROKER"
BACKEND_ENV = "MARKETING_ENGINE_CELERY_BACKEND"
DEFAULT_BROKER = "amqp://guest@127.0.0.1:5672//"
DEFAULT_BACKEND = "redis://127.0.0.1:6379/1"

QUEUE_TAG = "dagster-celery/queue"  # the op tag dagster-celery routes a step by
DEFAULT_QUEUE = "dagster"  # dagster-celery's queue for steps without the tag
VIDEO_QUEUE = "video"
CRAWL_QUEUE = "crawl"
QUEUES = (DEFAULT_QUEUE, VIDEO_QUEUE, CRAWL_QUEUE)
# The kinds of work with a queue of their own: by asset group, then by provider pool.
QUEUE_BY_GROUP = {"video": VIDEO_QUEUE}
QUEUE_BY_POOL = {"crawler": CRAWL_QUEUE}


def executor_name() -> str:
    value = os.environ.get(EXECUTOR_SWITCH, "multiprocess").strip().lower() or "multiprocess"
    if value not in EXECUTORS:
        raise ValueError(f"{EXECUTOR_SWITCH}={value!r}: expected one of {', '.join(EXECUTORS)}")
    return value


def _url_source(env: str, default: str) -> str | dict[str, str]:
    """The URL from the environment variable when it is set (resolved where the executor starts, so a
    password stays out of the stored config), else the local default."""
    return {"env": env} if os.environ.get(env) else default


def celery_config() -> dict[str, Any]:
    """The celery executor's config: broker and result backend."""
    return {
        "broker": _url_source(BROKER_ENV, DEFAULT_BROKER),
        "backend": _url_source(BACKEND_ENV, DEFAULT_BACKEND),
    }


def executor_from_env() -> ExecutorDefinition | None:
    """The executor MARKETING_ENGINE_EXECUTOR names; None is Dagster's default (multiprocess)."""
    if executor_name() == "multiprocess":
        return None
    try:
        from dagster_celery import celery_executor
    except ImportError as exc:
        raise ImportError(
            f"{EXECUTOR_SWITCH}=celery needs the celery extra: pip install -e '.[celery]'"
        ) from exc
    return celery_executor.configured(celery_config(), name="celery")


def queue_tags(*, group: str | None = None, pool: str | None = None) -> dict[str, Any]:
    """Decorator arguments that put an asset's step on the queue of its kind of work (none: `dagster`)."""
    queue = QUEUE_BY_GROUP.get(group or "") or QUEUE_BY_POOL.get(pool or "")
    return {"op_tags": {QUEUE_TAG: queue}} if queue else {}
