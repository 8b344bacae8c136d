#!/usr/bin/env bash
# Install elearn into .venv, create the SQLite database, load the demo data and serve the app
# on http://127.0.0.1:5000 (development settings: no HTTPS needed), with a background worker
# (roster imports run as jobs) that stops with the server.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
export ELEARN_ENV=development
.venv/bin/flask --app elearn db upgrade
.venv/bin/flask --app elearn seed-demo --skip-existing
.venv/bin/flask --app elearn worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
.venv/bin/flask --app elearn run --host 127.0.0.1 --port "${PORT:-5000}"
