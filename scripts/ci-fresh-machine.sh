#!/usr/bin/env bash
# CI, before the suite: the README's first command on a fresh machine, for real. A clean clone of
# this checkout; PostGIS removed (so the start must install it again); a PostgreSQL cluster with
# Debian's own defaults (scram-sha-256 over TCP, not called main, stopped) that the start must
# start and get into; then `npm install && npm start` with 200 demo graves until /readyz answers.
# Leaves PostGIS installed (the start reinstalled it) for the suite, and nothing else behind.
#
# Run as root. FRESH_MACHINE_REMOVE_POSTGIS (default: $CI) says whether to remove the PostGIS
# package first; leave it off on a machine where others use PostGIS at the same time.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
remove_postgis=${FRESH_MACHINE_REMOVE_POSTGIS:-${CI:-false}}
# CI services set CI=true or CI=1; both mean the real removal.
case "$remove_postgis" in 1|true|yes) remove_postgis=true ;; *) remove_postgis=false ;; esac
ready_within=${FRESH_MACHINE_TIMEOUT_SECONDS:-300}

if [ "$(id -u)" -ne 0 ]; then
  echo "ci-fresh-machine: run as root (it removes and installs Debian packages and makes a cluster)" >&2
  exit 1
fi

free_port() { node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
major=$(ls /usr/lib/postgresql | grep -E '^[0-9]+$' | sort -n | tail -n 1)
cluster="ci-fresh-$$"
pg_port=$(free_port)
http_port=$(free_port)
work=$(mktemp -d /tmp/mls-fresh-machine.XXXXXX)
log="$work/start.log"
server_pid=

stop_server() {
  [ -n "$server_pid" ] || return 0
  # npm, tsx, the server and its Meilisearch: the server's SIGTERM handler stops its child.
  local asked=$SECONDS
  kill -TERM -- "-$server_pid" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 -- "-$server_pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 -- "-$server_pid" 2>/dev/null; then
    echo "ci-fresh-machine: still running $((SECONDS - asked)) s after SIGTERM, killing:" >&2
    ps -o pid,cmd -g "$server_pid" >&2 || true
    kill -KILL -- "-$server_pid" 2>/dev/null || true
  else
    echo "ci-fresh-machine: stopped $((SECONDS - asked)) s after SIGTERM"
  fi
  server_pid=
}
cleanup() {
  local rc=$?
  stop_server
  pg_dropcluster --stop "$major" "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

echo "ci-fresh-machine: clean clone of $(git -C "$src" rev-parse --short HEAD) in $work/portal"
git clone -q --no-checkout "$src" "$work/portal"
git -C "$work/portal" checkout -q "$(git -C "$src" rev-parse HEAD)"

if [ "$remove_postgis" = true ]; then
  echo "ci-fresh-machine: removing postgresql-${major}-postgis-3 (npm start must install it again)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q -y remove "postgresql-${major}-postgis-3*" >/dev/null
else
  echo "ci-fresh-machine: keeping PostGIS installed (FRESH_MACHINE_REMOVE_POSTGIS=$remove_postgis)"
fi

echo "ci-fresh-machine: cluster ${major}/${cluster} on port ${pg_port}, Debian's defaults, stopped"
pg_createcluster "$major" "$cluster" --port "$pg_port" >/dev/null

echo "ci-fresh-machine: npm install && npm start (DEMO_GRAVES=200, PORT=${http_port})"
started=$SECONDS
(
  cd "$work/portal"
  # Its own process group, so the stop reaches every process the command started.
  exec setsid env -u DATABASE_URL -u TEST_DATABASE_URL -u MEILI_URL -u MEILI_MASTER_KEY -u DATA_DIR \
    POSTGRES_CLUSTER="${major}/${cluster}" DEMO_GRAVES=200 PORT="$http_port" HOST=127.0.0.1 \
    npm_config_audit=false npm_config_fund=false \
    bash -c 'npm install && npm start'
) >"$log" 2>&1 &
server_pid=$!

fail() {
  echo "ci-fresh-machine: FAILED: $1; the last lines of its output:" >&2
  tail -n 40 "$log" >&2
  exit 1
}
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${http_port}/readyz" || true)" = 200 ]; do
  kill -0 "$server_pid" 2>/dev/null || fail "npm start exited before /readyz answered"
  [ $((SECONDS - started)) -lt "$ready_within" ] || fail "/readyz did not answer 200 within ${ready_within} s"
  sleep 2
done
echo "ci-fresh-machine: /readyz answered 200 after $((SECONDS - started)) s"

graves=$(curl -s "http://127.0.0.1:${http_port}/api/graves?perPage=1" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{try{const b=JSON.parse(s);console.log(b.total ?? b.meta?.total ?? '')}catch{console.log('')}})")
[ "${graves:-0}" -gt 0 ] 2>/dev/null || fail "/api/graves reports no demo graves (${graves:-no answer})"
echo "ci-fresh-machine: /api/graves reports ${graves} graves"
dpkg-query -W -f='${Status}' "postgresql-${major}-postgis-3" 2>/dev/null | grep -q 'ok installed' \
  || fail "postgresql-${major}-postgis-3 is not installed after the start"

stop_server

# The tests' set-up must find the same server the same way (the cluster, the password kept in DATA_DIR).
echo "ci-fresh-machine: one test file against the same cluster, found as npm start found it"
(
  cd "$work/portal"
  env -u DATABASE_URL -u TEST_DATABASE_URL -u DATA_DIR POSTGRES_CLUSTER="${major}/${cluster}" \
    npx vitest run --config test/vitest.config.ts test/integration/migrations.test.ts
) >"$log" 2>&1 || fail "the test set-up could not use the cluster npm start prepared"
echo "ci-fresh-machine: passed"
