#!/usr/bin/env bash
# Start N Celery workers for the celery executor (MARKETING_ENGINE_EXECUTOR=celery) on this machine, in
# the foreground; Ctrl-C or SIGTERM stops them all (each finishes the step it runs), and if one worker
# dies the others are stopped too.
#   scripts/workers.sh [N] [QUEUES] [NAME]     (make workers N=2 QUEUES=video NAME=render)
# N workers named NAME1@host ... NAMEN@host, each consuming the comma-separated QUEUES (default all:
# dagster,video,crawl). CONCURRENCY sets the processes per worker (Celery's default: one per core).
# Broker and result backend: MARKETING_ENGINE_CELERY_BROKER and MARKETING_ENGINE_CELERY_BACKEND.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2}"
queues="${2:-dagster,video,crawl}"
name="${3:-w}"
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
  echo "workers: N=$n is not a positive whole number" >&2
  exit 2
fi
if ! [[ "$queues" =~ ^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$ ]]; then
  echo "workers: QUEUES=$queues is not a comma-separated list of queue names (e.g. dagster,video,crawl)" >&2
  exit 2
fi
if ! [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]]; then
  echo "workers: NAME=$name may hold only letters, digits, '_', '.' and '-'" >&2
  exit 2
fi
if [ -n "${CONCURRENCY:-}" ] && ! [[ "$CONCURRENCY" =~ ^[1-9][0-9]*$ ]]; then
  echo "workers: CONCURRENCY=$CONCURRENCY is not a positive whole number" >&2
  exit 2
fi
celery=.venv/bin/celery  # the project's venv; in the image (deploy/Dockerfile), the one on PATH
[ -x "$celery" ] || celery=$(command -v celery || true)
if [ -z "$celery" ]; then
  echo "workers: no celery command: install the celery extra (pip install -e '.[celery]')" >&2
  exit 1
fi

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT
for i in $(seq 1 "$n"); do
  "$celery" -A marketing_engine.workers worker --loglevel INFO -n "${name}${i}@%h" -Q "$queues" \
    ${CONCURRENCY:+--concurrency "$CONCURRENCY"} &
  pids+=("$!")
done
echo "workers: ${n} started (${name}1..${name}${n}) on queues ${queues}"
set +e
wait -n
status=$?
echo "workers: a worker exited with status ${status}; stopping the others" >&2
exit "$status"
