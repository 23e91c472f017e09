"""The Celery app the workers of the celery executor run (MARKETING_ENGINE_EXECUTOR=celery):

    celery -A marketing_engine.workers worker -n w1@%h -Q dagster,video,crawl

(`make workers N=2 [QUEUES=...]` starts N of them). It is dagster-celery's app and its `execute_plan`
task, on the broker and result backend of `marketing_engine.execution`, read from this process's
environment (a password in MARKETING_ENGINE_CELERY_BROKER never lands in a file). The code location is
imported here, before Celery forks its pool: a broken location stops the worker at start, and the pool
processes inherit it instead of each importing it again for its first step.

A worker also needs what the steps need: DAGSTER_HOME with the instance's dagster.yaml (and the
variables it reads, such as DAGSTER_PG_URL), the same MARKETING_ENGINE_* settings as the run, and
outputs every machine can read (the S3 IO manager in prod; the local filesystem on one host).
"""

from __future__ import annotations

import logging
import os

from celery.signals import after_setup_logger
from dagster._core.execution.retries import RetryMode
from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

import marketing_engine.definitions  # noqa: F401 - the code location, loaded before the pool forks
from marketing_engine.execution import BACKEND_ENV, BROKER_ENV, DEFAULT_BACKEND, DEFAULT_BROKER


def app_args() -> dict:
    """dagster-celery's app arguments (queues, priorities, prefetch of one) with this host's URLs."""
    executor = CeleryExecutor(
        retries=RetryMode.DISABLED,  # the run's own retry mode travels with each step
        broker=os.environ.get(BROKER_ENV) or DEFAULT_BROKER,
        backend=os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND,
    )
    return executor.app_args()


@after_setup_logger.connect
def _no_step_results_in_the_log(**_: object) -> None:
    """Celery logs each task's return value, here every serialized Dagster event of the step (metadata
    previews included): they belong in the run's event log, not again in the worker's. Failures are
    still logged (at ERROR)."""
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)


app = make_app(app_args())
# Keep the process's own stdout/stderr (Celery would swap them for a logger), so Dagster captures each
# step's output as it does elsewhere and its compute log manager ships it (to S3 in a deployment).
app.conf.worker_redirect_stdouts = False
execute_plan = create_task(app)
