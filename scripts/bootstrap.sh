#!/usr/bin/env bash
# Set up everything `make run` / `make test` need on a fresh Debian machine:
# system packages (as root: apt-get; otherwise a message naming what is missing),
# the virtualenv, the Python package with its pins, and (for tests) Lighthouse.
#   scripts/bootstrap.sh run|test|bench
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

# command -> Debian package
declare -A need=([ffmpeg]=ffmpeg [ffprobe]=ffmpeg [espeak-ng]=espeak-ng)
if [ "$purpose" != run ]; then
  need[chromium]=chromium
  need[dovecot]=dovecot-imapd
  need[node]=nodejs
  need[npm]=npm
fi
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${need[$cmd]}")
done
# The library list is read whole, not piped into `grep -q`: grep stopping at the first match
# kills ldconfig with SIGPIPE, which `pipefail` turned into a false "missing" now and then.
ldconfig_bin=$(command -v ldconfig || echo /sbin/ldconfig)
libraries=$("$ldconfig_bin" -p 2>/dev/null || true)
if [[ $libraries != *libespeak-ng.so.1* ]]; then missing+=(libespeak-ng1); fi
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "Installing the Python package and its pinned dependencies into .venv (a few minutes the first time)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev,bench,celery]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "$purpose" != run ] && [ ! -x .tools/node_modules/.bin/lighthouse ]; then
  echo "Installing lighthouse@12.2.3 into .tools/"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools lighthouse@12.2.3 >/dev/null
fi
