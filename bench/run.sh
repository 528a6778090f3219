#!/usr/bin/env bash
# Builds the release binary and measures the service against this machine's own limits, on
# SQLite and PostgreSQL. See bench/README.md. Options go to bench.py (--help); with --console
# first, the console's pages are measured instead (bench/console.py); with --glpi, the GLPI
# import (bench/glpi.py, against the local MariaDB).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --bin helpdesk --example sqlite_insert_rate --example sqlite_read_rate --example sqlite_bulk_rate
if ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
fi
if [ "${1:-}" = "--glpi" ]; then
    shift
    exec python3 bench/glpi.py "$@"
fi
if [ "${1:-}" = "--console" ]; then
    shift
    exec python3 bench/console.py "$@"
fi
exec python3 bench/bench.py "$@"
