#!/usr/bin/env bash
# Make the PostgreSQL the tests and benchmarks use work: postgresql://postgres@127.0.0.1:5432/test, trust auth.
#
# Development and CI machines (the `polyglot` kind) come WITHOUT PostgreSQL, so on a fresh machine
# this installs Debian's `postgresql` package, then starts the newest cluster, lets local TCP
# connections in without a password (this is a throwaway test server on loopback only), and creates
# the `test` database. Every step checks first, so running it again (make test, make bench, .ci/run
# all call it) costs a second. It fails loudly when it cannot: a suite whose PostgreSQL half cannot
# run must not pass by skipping it.
set -euo pipefail

host=127.0.0.1
port="${PGPORT:-5432}"

say() { echo "ensure_postgres: $*"; }
listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}
psql_as_postgres() {
    # `runuser` needs root; the postgres OS user owns the cluster and authenticates over the socket.
    as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    say "installing Debian's postgresql package (apt-get install -y postgresql)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
fi
version="$(ls /etc/postgresql | sort -V | tail -n 1)"
conf_dir="/etc/postgresql/$version/main"
if [ ! -d "$conf_dir" ]; then
    say "creating cluster $version/main"
    as_root pg_createcluster "$version" main
fi

# Trust auth for loopback TCP, first in pg_hba.conf so it wins over the package's scram lines.
hba="$conf_dir/pg_hba.conf"
marker="# engage: trust on loopback (tests)"
if ! as_root grep -qF "$marker" "$hba"; then
    say "allowing trust auth on loopback in $hba"
    as_root sed -i "1i $marker\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust" "$hba"
    reload=1
fi

if listening; then
    if [ "${reload:-0}" = 1 ]; then  # pg_hba.conf is re-read on reload: running tests keep their connections
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    fi
else
    say "starting PostgreSQL $version/main"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 60); do
    listening && break
    sleep 0.5
done
listening || { say "PostgreSQL $version/main does not listen on $host:$port"; exit 1; }

if [ "$(psql_as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != "1" ]; then
    say "creating database test"
    psql_as_postgres -c "CREATE DATABASE test"
fi
say "postgresql://postgres@$host:$port/test is ready (PostgreSQL $version)"
