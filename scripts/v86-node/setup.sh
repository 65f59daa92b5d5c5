#!/usr/bin/env bash
# Installs the v86 npm package (the same pinned version and tarball hash as
# scripts/setup.sh) into third_party/node_modules/v86, where run.mjs and
# `do86 bench --vs-v86-node` look for it. Idempotent; needs npm once.
set -euo pipefail
cd "$(dirname "$0")/../.."

V86_VERSION=0.5.462
TGZ_SHA256=1384ad8bbe80aa4f6cd43f43bd16ddbd7495931df833f038a27fcdc8b9a31351
dest=third_party/node_modules/v86

if [ -f "$dest/.tgz-sha256" ] && [ "$(cat "$dest/.tgz-sha256")" = "$TGZ_SHA256" ]; then
	exit 0
fi
command -v npm >/dev/null || { echo "v86-node: npm is needed (apt-get install nodejs npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "v86-node: fetching v86@$V86_VERSION with npm pack" >&2
(cd "$tmp" && npm pack --silent "v86@$V86_VERSION" >/dev/null)
echo "$TGZ_SHA256  $tmp/v86-$V86_VERSION.tgz" | sha256sum -c --status ||
	{ echo "v86-node: v86-$V86_VERSION.tgz does not have the pinned sha256" >&2; exit 1; }
tar -xzf "$tmp/v86-$V86_VERSION.tgz" -C "$tmp"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp/package" "$dest"
echo "$TGZ_SHA256" >"$dest/.tgz-sha256"
echo "v86-node: installed $dest" >&2
