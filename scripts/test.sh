#!/usr/bin/env bash
# Install elearn with its test extra into .venv and run the test suite (SQLite by default;
# set ELEARN_TEST_DATABASE_URL=postgresql+psycopg://... to run it on PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
# install (again) only when pyproject.toml changed since the last install
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
exec .venv/bin/python -m pytest -q "$@"
