#!/usr/bin/env bash
# Make sure the local PostgreSQL the test suite uses (127.0.0.1:5432) is up, if we can.
#
# CI machines have the Debian postgresql package installed but not always running. If nothing
# listens on the port and pg_ctlcluster exists, start the newest installed cluster "main".
# This script never fails the build: if PostgreSQL cannot be started, the tests marked
# `postgres` report it themselves with a clearer message than we could give here.
set -u

host=127.0.0.1
port="${PGPORT:-5432}"

listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if listening; then
    echo "ensure_postgres: PostgreSQL already listening on $host:$port"
    exit 0
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
    echo "ensure_postgres: nothing on $host:$port and no pg_ctlcluster here; postgres tests will report it"
    exit 0
fi
version="$(ls /etc/postgresql | sort -V | tail -n 1)"
if [ -z "$version" ]; then
    echo "ensure_postgres: no cluster under /etc/postgresql; postgres tests will report it"
    exit 0
fi
echo "ensure_postgres: starting PostgreSQL $version/main (pg_ctlcluster --skip-systemctl-redirect $version main start)"
pg_ctlcluster --skip-systemctl-redirect "$version" main start
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "ensure_postgres: pg_ctlcluster failed (exit $rc); continuing, postgres tests will report it"
    exit 0
fi
for _ in $(seq 1 20); do
    if listening; then
        echo "ensure_postgres: PostgreSQL $version/main is listening on $host:$port"
        exit 0
    fi
    sleep 0.5
done
echo "ensure_postgres: started $version/main but nothing listens on $host:$port yet; continuing"
exit 0
