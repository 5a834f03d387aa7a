#!/usr/bin/env bash
# Debian packages the portal needs on this machine: PostgreSQL with PostGIS (the server is usually
# there already; PostGIS often is not), fonts for the generated headstone images, Chromium for
# the browser tests, GDAL for the OGC API's tests and downloads, poppler and Tesseract
# for dossiers. Run as root, or it says what to run. Node.js and npm must already be installed.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
# Wait for a held dpkg lock (a fresh VM runs unattended upgrades) instead of failing at once.
APT=(apt-get -o DPkg::Lock::Timeout=300 -q)
APT_TIMEOUT=${APT_TIMEOUT:-900}
is_root() { [ "$(id -u)" -eq 0 ]; }

apt_update() { timeout "$APT_TIMEOUT" "${APT[@]}" update >/dev/null; }
lists_present() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }

# The PostgreSQL major this machine runs: an installed server's, else the one Debian's
# `postgresql` package would install (bookworm 15, trixie 17, ...), never a guess.
postgres_major() {
  local installed candidate
  installed=$(ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -n 1 || true)
  if [ -n "$installed" ]; then echo "$installed"; return; fi
  if ! lists_present && is_root; then apt_update; fi
  candidate=$(apt-cache policy postgresql 2>/dev/null | awk '/Candidate:/ { print $2 }')
  case "$candidate" in
    ''|'(none)') echo "No PostgreSQL in the Debian package lists: run \`sudo apt-get update\` and try again." >&2; return 1 ;;
  esac
  echo "${candidate%%+*}"
}

need=()
if [ -z "${DATABASE_URL:-}" ]; then
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
  major=$(postgres_major)
  dpkg-query -W -f='${Status}' "postgresql-${major}-postgis-3" 2>/dev/null | grep -q 'ok installed' || need+=("postgresql-${major}-postgis-3")
fi
fc-list 2>/dev/null | grep -qi 'dejavu sans' || need+=(fonts-dejavu-core fontconfig)
# The browser tests drive Debian's Chromium (no browser download: only Debian's package is reachable).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The OGC API's outside client in the tests (ogrinfo, ogr2ogr) and GeoPackage downloads.
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
# Dossiers: PDF pages rendered by pdftoppm, read by Tesseract with its Vietnamese model.
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
compgen -G '/usr/share/tesseract-ocr/*/tessdata/vie.traineddata' >/dev/null || need+=(tesseract-ocr-vie)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if ! is_root; then
  echo "Missing Debian packages: run \`sudo apt-get install -y ${need[*]}\`" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
install() { timeout "$APT_TIMEOUT" "${APT[@]}" install -y "${need[@]}" >"$log" 2>&1; }
# Stale lists name versions the mirror no longer has: fetch them once and try again.
if ! install && ! { apt_update && install; }; then
  reason=$(grep '^E:' "$log" | tail -n 1 || true)
  echo "Could not install ${need[*]}: ${reason:-$(tail -n 1 "$log")}" >&2
  exit 1
fi
echo "installed: ${need[*]}"
