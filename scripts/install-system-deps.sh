#!/usr/bin/env bash
# Debian packages the portal needs on this machine: PostgreSQL with PostGIS (the server is usually
# there already; PostGIS often is not), fonts for the generated headstone images, and Chromium for
# the browser tests. Run as root,
# or it says what to run. Node.js and npm must already be installed.
set -euo pipefail

need=()
if ! command -v pg_ctlcluster >/dev/null 2>&1 && [ -z "${DATABASE_URL:-}" ]; then
  need+=(postgresql postgresql-contrib)
fi
if [ -z "${DATABASE_URL:-}" ]; then
  major=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)
  major=${major:-15}
  dpkg -s "postgresql-${major}-postgis-3" >/dev/null 2>&1 || need+=("postgresql-${major}-postgis-3")
fi
fc-list 2>/dev/null | grep -qi 'dejavu sans' || need+=(fonts-dejavu-core fontconfig)
# The browser tests drive Debian's Chromium (no browser download: only Debian's package is reachable).
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: run \`sudo apt-get install -y ${need[*]}\`" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
echo "installed: ${need[*]}"
