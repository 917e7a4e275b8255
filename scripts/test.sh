#!/usr/bin/env bash
# Second README command: set up and run the whole test suite (SQLite, then PostgreSQL too).
# PostgreSQL: DANGAN_TEST_DATABASE_URL if set; otherwise a fresh database is created on
# 127.0.0.1:5432 (installing and starting PostgreSQL when none is there).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# shellcheck source=scripts/_apt.sh
source scripts/_apt.sh

if [ -z "${DANGAN_TEST_DATABASE_URL:-}" ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed"; then
      echo "==> installing PostgreSQL"
      apt_get update -qq
      apt_get install -y -qq postgresql >/dev/null
    fi
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  db="dangan_test_$(date +%s)_$$"
  if psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db" 2>/dev/null; then
    export DANGAN_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db"
  elif $SUDO -u postgres psql -qc "CREATE DATABASE $db" && $SUDO -u postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'"; then
    export DANGAN_TEST_DATABASE_URL="postgresql://postgres:postgres@127.0.0.1:5432/$db"
  fi
  cleanup() {
    # the suite's database and the per-worker ones (<db>_gw0, <db>_gw1 …)
    for d in $(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE '${db}%'" 2>/dev/null); do
      psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
  }
  trap cleanup EXIT
fi
echo "==> PostgreSQL for tests: ${DANGAN_TEST_DATABASE_URL:-none}"

# Redis (the district deployment's job queue) on 127.0.0.1:6379, started when none answers.
if ! .venv/bin/python -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_timeout=2).ping()" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  if ! command -v redis-server >/dev/null; then
    echo "==> installing Redis"
    apt_get update -qq
    apt_get install -y -qq redis-server >/dev/null
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  sleep 1
fi

.venv/bin/ruff check $(ls -d archive ingest search storage tests bench 2>/dev/null)
bash scripts/typecheck.sh
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
