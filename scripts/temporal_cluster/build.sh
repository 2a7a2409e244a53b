#!/usr/bin/env bash
# Builds temporal-server and temporal-sql-tool from the Go module go.temporal.io/server at the pinned
# version (deploy/temporal/VERSION) into a cache outside the repo, once; later runs reuse it.
# Only the Go module proxy is needed: `go install` refuses modules with replace directives, so we
# download the module and build inside its own copy (its go.mod and go.sum pin every dependency).
# Prints the cache directory: the two binaries and a copy of the module's schema/ folder (the SQL
# the sql tool applies), so the cache stays whole even if Go's module cache is cleaned.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version="$(tr -d '[:space:]' < deploy/temporal/VERSION)"
cache="${ENGAGE_TEMPORAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engage}/temporal-server-${version}"
if [[ -x "$cache/temporal-server" && -x "$cache/temporal-sql-tool" && -d "$cache/schema/postgresql" ]]; then
  echo "$cache"; exit 0
fi
command -v go >/dev/null || { echo "Go is needed to build the Temporal server (https://go.dev/dl)" >&2; exit 1; }
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="${GOFLAGS:--mod=mod}"
mkdir -p "$cache"
start=$(date +%s)
dir="$(cd /tmp && go mod download -json "go.temporal.io/server@v${version}" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") else print(d["Dir"])')"
echo "building Temporal server v${version} from ${dir} into ${cache} (minutes, once)" >&2
# The module cache is read-only; build output goes to the cache, the build cache to Go's own.
(cd "$dir" && CGO_ENABLED=0 go build -o "$cache/temporal-server.tmp" ./cmd/server \
   && CGO_ENABLED=0 go build -o "$cache/temporal-sql-tool.tmp" ./cmd/tools/sql)
mv "$cache/temporal-server.tmp" "$cache/temporal-server"
mv "$cache/temporal-sql-tool.tmp" "$cache/temporal-sql-tool"
rm -rf "$cache/schema" && cp -R "$dir/schema" "$cache/schema" && chmod -R u+w "$cache/schema"
echo "built in $(( $(date +%s) - start )) s" >&2
echo "$cache"
