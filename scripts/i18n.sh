#!/usr/bin/env bash
# Extract translatable strings, merge them into every catalogue, compile the .mo files.
# Run after changing user-facing text; tests fail while any zh_CN string is untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin}
"$PY/pybabel" extract -F babel.cfg -k _l -k lazy_gettext -k msg -k pmsg:1c,2 -k lazy_pgettext:1c,2 --no-location --sort-output -w 120 -o archive/translations/messages.pot archive
for lang in zh_Hans_CN; do
  if [ -f "archive/translations/$lang/LC_MESSAGES/messages.po" ]; then
    "$PY/pybabel" update -i archive/translations/messages.pot -d archive/translations -l "$lang" --no-fuzzy-matching -w 120
  else
    "$PY/pybabel" init -i archive/translations/messages.pot -d archive/translations -l "$lang"
  fi
done
"$PY/pybabel" compile -d archive/translations --use-fuzzy 2>/dev/null || "$PY/pybabel" compile -d archive/translations
