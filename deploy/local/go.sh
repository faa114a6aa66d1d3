#!/usr/bin/env bash
# Prints the path of a Go toolchain new enough for residenthub (go.mod's go
# line), finding or fetching one:
#   1. `go` on PATH or /usr/local/go/bin/go, if new enough;
#   2. otherwise the official toolchain from the Go module proxy
#      (golang.org/toolchain), fetched with whatever go is there, installing
#      Debian's golang-go with apt first if there is none (as root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
want=$(awk '/^go [0-9]/ {print $2; exit}' "$repo/go.mod")   # e.g. 1.26.0
want_minor=$(echo "$want" | cut -d. -f2)
toolchain=${RESIDENTHUB_GO_TOOLCHAIN:-go1.26.8}
# Outside the repository, so `go test ./...` does not walk into it.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/residenthub

new_enough() {
  local v minor
  v=$("$1" env GOVERSION 2>/dev/null) || return 1   # go1.26.8
  minor=$(echo "${v#go}" | cut -d. -f2)
  [ "$(echo "${v#go}" | cut -d. -f1)" = 1 ] && [ "${minor:-0}" -ge "$want_minor" ]
}

for candidate in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go "$cache/go-${toolchain}/bin/go"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && new_enough "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

old=$(command -v go 2>/dev/null || true)
[ -z "$old" ] && [ -x /usr/local/go/bin/go ] && old=/usr/local/go/bin/go
if [ -z "$old" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "Go $want or newer is needed; install it (or run as root on Debian/Ubuntu to have it fetched)" >&2
    exit 1
  fi
  echo "installing Debian's golang-go to bootstrap Go $want ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go ca-certificates >&2
  old=$(command -v go)
fi
arch=$(uname -m); case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
mod="golang.org/toolchain@v0.0.1-${toolchain}.linux-${arch}"
echo "fetching Go ${toolchain} from the Go module proxy ($mod) ..." >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && "$old" mod init bootstrap >/dev/null 2>&1 && GOFLAGS=-mod=mod "$old" mod download -json "$mod" >"$tmp/dl.json")
dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$tmp/dl.json")
if [ -z "$dir" ] || [ ! -f "$dir/bin/go" ]; then
  echo "could not fetch $mod" >&2
  cat "$tmp/dl.json" >&2
  exit 1
fi
# The module cache is read-only and its files are not executable: install a
# copy under ~/.cache/residenthub with the execute bits a Go distribution has.
dest=$cache/go-${toolchain}
rm -rf "$dest"
mkdir -p "$cache"
cp -r "$dir" "$dest"
chmod -R u+w "$dest"
chmod +x "$dest"/bin/* "$dest"/pkg/tool/*/*
echo "$dest/bin/go"
