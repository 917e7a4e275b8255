#!/usr/bin/env bash
# Set up Dangan on a Debian machine: system packages (only those missing), a venv, the project.
#   scripts/setup.sh          what running the app needs
#   scripts/setup.sh --test   also what the test suite needs (Chromium, PostgreSQL client)
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_apt.sh
source scripts/_apt.sh

WANT_TEST=0
[ "${1:-}" = "--test" ] && WANT_TEST=1

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# jbig2dec: pikepdf reads JBIG2-compressed PDF pages (common from office scanners) through it.
packages=(tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk jbig2dec ca-certificates)
if ! command -v python3 >/dev/null || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  packages+=(python3 python3-venv python3-dev)
elif ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  packages+=(python3-venv)
fi
if [ "$WANT_TEST" = 1 ]; then
  # poppler-utils: pdftotext/pdffonts read the PDFs the tests write (fonts embedded, figures present).
  packages+=(chromium chromium-driver postgresql-client poppler-utils)
  # The labelled OCR page set (bench/labelled_pages.py, its tests): 楷体, 明体, 黑体, a handwriting-like 楷,
  # 仿宋 (FandolFang, only in TeX Live's Chinese package), and the tesseract script model it is measured with.
  packages+=(fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-lxgw-wenkai texlive-lang-chinese
             tesseract-ocr-script-hans)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.dangan-installed"
digest=$(sha256sum pyproject.toml | cut -c1-16)-$WANT_TEST
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "==> installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  if [ "$WANT_TEST" = 1 ]; then
    # ocr-paddle: RapidOCR, measured against tesseract by bench/ocr_accuracy.py and the OCR tests;
    # celery: the worker-host queue, tested by tests/scanning/test_celery_*.py.
    .venv/bin/pip install -q -e ".[test,ocr-paddle,celery]"
  else
    .venv/bin/pip install -q -e .
  fi
  echo "$digest" > "$stamp"
fi
echo "==> setup done"
