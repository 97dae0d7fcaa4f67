#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and integration tests on
# SQLite and PostgreSQL, and the browser journeys in Chromium.
#
# PostgreSQL: uses MAMORI_TEST_PG_URL when set; otherwise starts a throwaway
# cluster (Debian's postgresql package, initdb + pg_ctl on a free port).
# Chromium and the browser test's npm packages are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf '\n== %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

cleanup_pg=""
cleanup() { if [ -n "$cleanup_pg" ]; then eval "$cleanup_pg" || true; fi; }
trap cleanup EXIT

start_throwaway_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bindir" ]; then
    say "installing PostgreSQL"
    apt_install postgresql
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local dir port runas=()
  dir=$(mktemp -d /tmp/mamori-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$dir" postgres
    chown postgres "$dir"
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
  "${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
  cleanup_pg="${runas[*]} $bindir/pg_ctl -D $dir/data -m immediate stop >/dev/null; rm -rf $dir"
  export MAMORI_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "throwaway PostgreSQL on port $port"
}

say "PostgreSQL"
if [ -n "${MAMORI_TEST_PG_URL:-}" ]; then
  echo "using MAMORI_TEST_PG_URL"
else
  start_throwaway_postgres
fi

say "SMTP test server (aiosmtpd)"
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
python3 -c 'import aiosmtpd' || die "aiosmtpd could not be installed (python3 -m pip install aiosmtpd)"

say "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "unit and integration tests (SQLite and PostgreSQL)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast --test-threads 4
else
  cargo test --workspace --no-fail-fast -- --test-threads 4
fi

say "browser journeys (Playwright + Chromium)"
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "installing Chromium"
  apt_install chromium
fi
[ -x "$chromium" ] || die "Chromium not found at $chromium"
command -v node >/dev/null || apt_install nodejs npm
cargo build -p mamori --quiet
(
  cd tests/browser
  [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
  MAMORI_BIN="$root/target/debug/mamori" CHROMIUM="$chromium" npm test
)
say "all tests passed"
