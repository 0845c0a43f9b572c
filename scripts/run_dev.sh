#!/bin/sh
# make run: the development server and the background worker (`taizhang worker`: imports, big ledgers)
# together, in one terminal. Ctrl-C stops both. The worker reloads on code changes as runserver does.
set -eu
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

# The worker gets its own process group (setsid), so that stopping it reaches the reloader and the process
# it runs; without setsid (not Linux) it runs without reloading.
if command -v setsid >/dev/null 2>&1; then
  setsid "$BIN/taizhang" worker --reload &
else
  "$BIN/taizhang" worker &
fi
worker=$!

stop_worker() {
  # SIGTERM: the worker finishes the job in hand, then exits (a job cut short is run again at the next start).
  kill -TERM -- "-$worker" 2>/dev/null || kill -TERM "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop_worker EXIT
trap 'exit 130' INT TERM

echo "taizhang worker running (pid $worker); starting the development server on http://$HOST:$PORT/"
"$BIN/taizhang" runserver "$HOST:$PORT"
