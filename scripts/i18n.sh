#!/usr/bin/env bash
# Extract messages and merge them into the catalogues: scripts/i18n.sh (then translate translations/en/...po).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
$PYBABEL extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output --omit-header \
  -o translations/messages.pot . >/dev/null 2>&1
for lang in en zh_CN; do
  if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
    $PYBABEL update -i translations/messages.pot -d translations -l "$lang" --no-wrap --ignore-obsolete >/dev/null 2>&1
  else
    $PYBABEL init -i translations/messages.pot -d translations -l "$lang" --no-wrap >/dev/null 2>&1
  fi
done
.venv/bin/python scripts/untranslated.py
