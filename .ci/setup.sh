#!/usr/bin/env bash
# Make .venv with every pinned package of requirements.txt. Idempotent and quick when nothing
# changed: a stamp file records the hash of requirements.txt the venv was last installed from.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup.sh: creating .venv with $("$PYTHON" --version)" >&2
    "$PYTHON" -m venv .venv
fi

STAMP=.venv/.requirements.sha256
WANT="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    exit 0
fi
echo "setup.sh: installing requirements.txt into .venv" >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt </dev/null
echo "$WANT" > "$STAMP"
