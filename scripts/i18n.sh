#!/usr/bin/env bash
# Extract the Indonesian source strings, merge them into the English catalogue, compile.
#   scripts/i18n.sh          extract + update + compile
#   scripts/i18n.sh compile  compile only
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=".venv/bin/pybabel"
if [ "${1:-}" != "compile" ]; then
  "$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
    --project elearn -o elearn/translations/messages.pot .
  if [ -f elearn/translations/en/LC_MESSAGES/messages.po ]; then
    "$PYBABEL" -q update --no-fuzzy-matching -i elearn/translations/messages.pot -d elearn/translations -l en
  else
    "$PYBABEL" -q init -i elearn/translations/messages.pot -d elearn/translations -l en
  fi
fi
"$PYBABEL" -q compile -d elearn/translations -l en
