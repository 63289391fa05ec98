#!/usr/bin/env bash
# Runs the host integration demo: Parlor (built and started by scripts/run.sh, with
# PARLOR_CONFIG=examples/qa_host/parlor.toml) on http://127.0.0.1:3000 and the example Q&A
# site (examples/qa_host/qa_host.py, Python's standard library only) on
# http://127.0.0.2:8000. Waits until both answer, prints what to open, and stops both on
# Ctrl-C. See examples/qa_host/README.md.
#
# Two loopback addresses, not two ports: the browser then treats the host and Parlor as two
# sites, as in production, so the embed is tested as a third-party frame.
set -euo pipefail
cd "$(dirname "$0")/.."

parlor_url="${PARLOR_URL:-http://127.0.0.1:3000}"
host_listen="${QA_LISTEN:-127.0.0.2:8000}"
host_url="http://$host_listen"

say() { printf '\033[1m[qa-host]\033[0m %s\n' "$*"; }

# Parlor runs in a session (and process group) of its own, so that stopping it also stops
# what scripts/run.sh started: cargo, while Parlor is still building. SIGTERM lets Parlor
# shut down gracefully.
group=()
command -v setsid >/dev/null && group=(setsid)
parlor_pid=""
host_pid=""
stop() {
  trap - EXIT INT TERM
  [ -n "$host_pid" ] && kill -TERM "$host_pid" 2>/dev/null || true
  [ -n "$parlor_pid" ] && { kill -TERM -- "-$parlor_pid" 2>/dev/null || kill -TERM "$parlor_pid" 2>/dev/null || true; }
  wait 2>/dev/null
}
trap stop EXIT
trap 'exit 130' INT TERM

# Python's urllib, not curl: the host needs python3 anyway. No proxy for local addresses.
answers() {
  python3 -c 'import sys, urllib.request as u
u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=2).read()' "$1" 2>/dev/null
}

# Waits until $2 answers, for as long as process $1 lives (the first build takes minutes).
wait_for() {
  local pid=$1 url=$2 name=$3
  until answers "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "$name stopped before answering on $url"
      exit 1
    fi
    sleep 1
  done
}

say "building and starting Parlor (scripts/run.sh; the first build takes several minutes)"
PARLOR_CONFIG=examples/qa_host/parlor.toml "${group[@]}" scripts/run.sh </dev/null &
parlor_pid=$!

say "starting the Q&A host on $host_url"
QA_LISTEN="$host_listen" PARLOR_URL="$parlor_url" python3 examples/qa_host/qa_host.py </dev/null &
host_pid=$!

wait_for "$host_pid" "$host_url/" "the Q&A host"
wait_for "$parlor_pid" "$parlor_url/healthz" "Parlor"

cat <<EOF

  Parlor and the Q&A host are up. Open, in two browser profiles (or one private window):
    $host_url/login?as=alice&next=/questions/1    Alice, who asked question 1
    $host_url/login?as=bob&next=/questions/1      Bob, who answers
  ($host_url/login?as=carol&next=/questions/1 is 김하늘, with the chat in Korean.)
  Webhooks the host received: $host_url/debug/webhooks

  Ctrl-C stops both.

EOF

# Until either stops (or Ctrl-C); then the EXIT trap stops the other.
set +e
wait -n "$parlor_pid" "$host_pid"
status=$?
say "one of the two stopped (status $status); stopping the other"
exit "$status"
