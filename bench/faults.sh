#!/usr/bin/env bash
# What readers get while Redis or PostgreSQL is down: HTTP status counts per phase.
#
#     bash bench/faults.sh        (about two minutes; loopback only)
#
# Starts its own redis-server (port 6390) and its own PostgreSQL cluster (initdb in a temporary
# directory, port 5439), loads 1,000 terms with bench/data.py, serves them with gunicorn (bench
# settings, 2 sync workers) and keeps 3 client threads asking cold-ish reader URLs through five
# phases of 10 s: normal, Redis stopped, Redis restarted, PostgreSQL stopped, PostgreSQL
# restarted. The shared PostgreSQL and Redis are not touched. Everything it started is stopped and
# its directory removed on exit. Environment: PHASE_SECONDS, TERMS, REDIS_PORT, PG_PORT, THREADS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY="$ROOT/.venv/bin/python"
PGBIN=/usr/lib/postgresql/15/bin
REDIS_PORT=${REDIS_PORT:-6390}
PG_PORT=${PG_PORT:-5439}
PHASE_SECONDS=${PHASE_SECONDS:-10}
TERMS=${TERMS:-1000}
THREADS=${THREADS:-3}

for tool in redis-server redis-cli curl "$PGBIN/initdb" "$PGBIN/pg_ctl" "$PY"; do
    command -v "$tool" >/dev/null || { echo "faults.sh: $tool is missing" >&2; exit 1; }
done

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$REDIS_PORT" "$PG_PORT"; do
    if port_in_use "$port"; then
        echo "faults.sh: something already listens on 127.0.0.1:$port; set REDIS_PORT/PG_PORT" >&2
        exit 1
    fi
done
APP_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

WORK=$(mktemp -d /tmp/kb-faults.XXXXXX)
chmod 755 "$WORK"  # the cluster's owner must reach its directory inside
GUNICORN_PID=""

# initdb refuses to run as root: the cluster then belongs to the postgres user.
if [ "$(id -u)" = 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

redis_start() {
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize yes \
        --dir "$WORK" --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
    for _ in $(seq 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "faults.sh: redis-server did not start" >&2
    return 1
}

# stop_process PID TENTHS: TERM, up to TENTHS tenths of a second to exit, then KILL.
stop_process() {
    kill "$1" 2>/dev/null || true
    for _ in $(seq "$2"); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null || true
}

redis_stop() {
    if [ -s "$WORK/redis.pid" ]; then
        stop_process "$(cat "$WORK/redis.pid")" 50
        rm -f "$WORK/redis.pid"
    fi
}

pg_start() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w -t 60 \
        -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}

pg_stop() {
    if [ -f "$WORK/pg/data/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m "${1:-fast}" -w -t 30 stop >/dev/null || true
    fi
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        stop_process "$GUNICORN_PID" 100
    fi
    redis_stop
    pg_stop immediate
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# own Redis on :$REDIS_PORT, own PostgreSQL on :$PG_PORT, gunicorn on :$APP_PORT ($WORK)"
redis_start
mkdir "$WORK/pg"
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK/pg"; fi
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg_start

export DJANGO_SETTINGS_MODULE=bench.settings
export DJANGO_SECRET_KEY="bench-only-faults-not-secret-$(date +%s)"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SECURE_SSL_REDIRECT=false
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/kb_bench_faults"
export KB_VERSION_DIR="$WORK/versions"
export PYTHONPATH="$ROOT"
unset CONN_MAX_AGE KB_ACCESS_LOG

"$PY" "$ROOT/manage.py" collectstatic --noinput --verbosity 0
"$PY" "$ROOT/bench/data.py" --size "$TERMS" --json >"$WORK/facts.json" 2>"$WORK/data.log" || {
    cat "$WORK/data.log" >&2
    exit 1
}
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"

# The project's gunicorn settings if it has them (as production reads them), our bind and workers.
CONF=()
if [ -f "$ROOT/gunicorn.conf.py" ]; then CONF=(--config "$ROOT/gunicorn.conf.py"); fi
cd "$ROOT"
"$PY" -m gunicorn "${CONF[@]}" --no-control-socket --chdir "$ROOT" --workers 2 --worker-class sync \
    --bind "127.0.0.1:$APP_PORT" --log-level warning kb.wsgi:application >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APP_PORT/_bench/hello/")" = 200 ] && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$WORK/gunicorn.log" >&2; exit 1; }
    sleep 0.2
done

# The client: THREADS threads, each a new connection per request (gunicorn's sync workers close
# it anyway), cycling through reader URLs of every kind; a refused or timed-out request counts
# under its exception's name.
cat >"$WORK/client.py" <<'PYTHON'
import collections
import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import quote

port, seconds, threads, facts_path, phase = sys.argv[1:6]
facts = json.load(open(facts_path))
rng = random.Random(phase)
urls = ["/", "/terms/", *(f"/terms/?page={n}" for n in range(2, 12))]
urls += [f"/terms/{slug}/" for slug, _, _ in facts["term_sample"]]
urls += [f"/categories/{c['facet']}/{c['slug']}/" for c in facts["categories"]]
urls += [f"/tags/{t['slug']}/" for t in facts["tags"]]
urls += [f"/benefits/{b['slug']}/" for b in facts["benefits"]] + [f"/risks/{r['slug']}/" for r in facts["risks"]]
# Searches are new in each phase, as readers' words are: with the database down they cannot come
# from the pages the processes keep, and show the 503 page, where the browse pages, kept, do not.
urls += [f"/search/?q={quote(word)}&utm_campaign={quote(phase)}" for word in facts["words"][:500]]
urls += [f"/search/suggest/?q={quote(headword[:3].lower())}" for _, headword, _ in facts["term_sample"][:300]]
rng.shuffle(urls)
counts = collections.Counter()
latencies = []
lock = threading.Lock()
deadline = time.monotonic() + float(seconds)


def worker(offset):
    i = offset
    while time.monotonic() < deadline:
        path = urls[i % len(urls)]
        i += int(threads)
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            outcome = str(response.status)
        except (OSError, http.client.HTTPException) as error:
            outcome = type(error).__name__
            time.sleep(0.05)  # a refused connection would otherwise spin
        finally:
            connection.close()
        with lock:
            counts[outcome] += 1
            latencies.append(time.monotonic() - started)


pool = [threading.Thread(target=worker, args=(n * 997,)) for n in range(int(threads))]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
latencies.sort()
p50 = latencies[len(latencies) // 2] * 1000 if latencies else 0
p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0
summary = " ".join(f"{outcome}={n}" for outcome, n in sorted(counts.items()))
print(f"{phase:<22} {sum(counts.values()):>6} requests  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {summary}")
PYTHON

tracebacks() { grep -cE '^Traceback|\[(ERROR|CRITICAL)\]' "$WORK/gunicorn.log" || true; }
log_lines() { wc -l <"$WORK/gunicorn.log"; }
phase() {
    local traced lines
    traced=$(tracebacks)
    lines=$(log_lines)
    "$PY" "$WORK/client.py" "$APP_PORT" "$PHASE_SECONDS" "$THREADS" "$WORK/facts.json" "$1" | tr -d '\n'
    echo "  (server log: $(($(log_lines) - lines)) lines, $(($(tracebacks) - traced)) tracebacks)"
}

echo "# $TERMS terms; $THREADS client threads; $PHASE_SECONDS s per phase"
phase "normal"
redis_stop
phase "Redis stopped"
redis_start
phase "Redis restarted"
pg_stop fast
phase "PostgreSQL stopped"
pg_start
phase "PostgreSQL restarted"
if [ -s "$WORK/gunicorn.log" ]; then
    echo "# the server log ends:"
    tail -n 12 "$WORK/gunicorn.log" | cut -c1-200
fi
