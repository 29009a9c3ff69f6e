#!/usr/bin/env bash
# `make loadtest`: the app under load, on loopback only.
#
# A throwaway PostgreSQL 15 cluster (.ci/postgres-cluster), migrated and loaded with
# `load_demo --scale 10000`; gunicorn with 2 workers on 127.0.0.1 under production settings
# (DEBUG off, collected static files; plain HTTP since nothing leaves the machine); then
# bench/loadtest.py signs in and drives the pages with wrk. Everything started here is
# stopped and deleted on exit.
#
#   LOADTEST_SECONDS   seconds of wrk per page (default 60)
#   LOADTEST_CONNECTIONS   concurrent connections (default 16)
#   LOADTEST_SCALE     Changes in the stress convoy (default 10000)
#   LOADTEST_THREADS   threads per gunicorn worker (default 1: sync workers)
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
SCALE=${LOADTEST_SCALE:-10000}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

missing=()
[[ -x "$PG_BIN/initdb" ]] || missing+=(postgresql)
command -v wrk >/dev/null || missing+=(wrk)
if ((${#missing[@]})); then
    echo "Installing ${missing[*]} (Debian packages)."
    if ((EUID == 0)); then
        apt-get -q -o DPkg::Lock::Timeout=600 install -y "${missing[@]}" </dev/null
    else
        sudo apt-get -q install -y "${missing[@]}" </dev/null
    fi
fi

WORK=$(mktemp -d -t sadmf-loadtest.XXXXXX)
GUNICORN_PID=
# shellcheck source=.ci/postgres-cluster
source .ci/postgres-cluster
cleanup() {
    if [[ -n "$GUNICORN_PID" ]]; then
        kill "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    pg_cluster_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pg_cluster_start

export DATABASE_URL
export DEBUG=0 SADMF_HTTPS=0 ALLOWED_HOSTS=127.0.0.1
export SECRET_KEY="loadtest-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export MEDIA_ROOT="$WORK/media"
export DB_CONN_MAX_AGE=60

echo "== migrate, load_demo --scale $SCALE, collectstatic"
$PY manage.py migrate --noinput -v0
SECONDS=0
$PY manage.py load_demo --scale "$SCALE" | grep -E -v '^(ce|fc|csc|lead|crap|cgr|cset|earb|qa)\.|^ +' || true
echo "load_demo took ${SECONDS} s"
$PY manage.py collectstatic --noinput -v0

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== gunicorn, 2 workers, 127.0.0.1:$PORT"
.venv/bin/gunicorn sadmf.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
    --threads "${LOADTEST_THREADS:-1}" --access-logfile /dev/null --error-logfile "$WORK/gunicorn.log" --log-level warning &
GUNICORN_PID=$!

status=0
$PY bench/loadtest.py --base "http://127.0.0.1:$PORT" --scale "$SCALE" || status=$?
if [[ -s "$WORK/gunicorn.log" ]]; then
    echo "== gunicorn's error log (last 20 lines)"
    tail -n 20 "$WORK/gunicorn.log"
fi
exit "$status"
