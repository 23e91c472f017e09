"""`run_failure_alert`: every failed run of this code location is posted to a chat webhook.

The webhook URL comes from MARKETING_ENGINE_ALERT_WEBHOOK (a Slack incoming webhook, or anything
that takes Slack's `{"text": ...}` JSON: Mattermost, Rocket.Chat, Discord's `/slack` endpoint).
Unset, the sensor logs one line per failed run and posts nothing. A webhook that keeps failing
after the HTTP layer's retries fails the sensor tick, so the UI shows it; the next failed run is
still sent.
"""

from __future__ import annotations

import httpx
from dagster import DefaultSensorStatus, EnvVar, RunFailureSensorContext, run_failure_sensor

from marketing_engine.resources.http import send_with_retry

WEBHOOK = "MARKETING_ENGINE_ALERT_WEBHOOK"
MAX_ERROR_CHARS = 300


def alert_text(
    job: str, run_id: str, reason: str, steps: list[tuple[str, str]], partition: str | None
) -> str:
    """The alert as chat text: which run failed, where, and the first line of each step's error
    (database URLs in an error keep their user but lose their password)."""
    from marketing_engine.settings import masked_url

    steps = [(step, masked_url(error)) for step, error in steps]
    reason = masked_url(reason)
    where = f" (partition {partition})" if partition else ""
    lines = [f":rotating_light: Marketing Engine run failed: *{job}*{where}", f"run `{run_id}`"]
    for step, error in steps[:5]:
        first = (error.strip().splitlines() or [""])[0][:MAX_ERROR_CHARS]
        lines.append(f"• `{step}`: {first}")
    if len(steps) > 5:
        lines.append(f"…and {len(steps) - 5} more failed steps")
    if not steps and reason:
        lines.append(reason.strip().splitlines()[0][:MAX_ERROR_CHARS])
    return "\n".join(lines)


def post_alert(url: str, text: str, client: httpx.Client | None = None) -> None:
    """POST `{"text": text}` to the webhook (429/5xx retried by the shared HTTP retry policy)."""
    own = client is None
    client = client or httpx.Client(timeout=10.0)
    try:
        send_with_retry(
            client, "POST", url, provider="alert webhook", max_retries=2, max_wait=10.0, json={"text": text}
        )
    finally:
        if own:
            client.close()


@run_failure_sensor(
    name="run_failure_alert",
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Posts each failed run (job, partition, failed steps and their errors) to the chat "
    "webhook in MARKETING_ENGINE_ALERT_WEBHOOK; logs and skips when it is unset.",
)
def run_failure_alert(context: RunFailureSensorContext) -> None:
    run = context.dagster_run
    steps = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:  # the user's exception, not Dagster's wrapper
            error = error.cause
        steps.append((event.step_key or "?", error.message if error is not None else "failed"))
    text = alert_text(
        run.job_name,
        run.run_id,
        context.failure_event.message or "",
        steps,
        run.tags.get("dagster/partition"),
    )
    url = EnvVar(WEBHOOK).get_value()
    if not url:
        context.log.info(f"{WEBHOOK} is not set; not alerting on run {run.run_id} ({run.job_name})")
        return
    post_alert(url, text)
    context.log.info(f"alerted on run {run.run_id} ({run.job_name})")
