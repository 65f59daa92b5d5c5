#!/usr/bin/env bash
# Fetches and verifies what do86 needs beside its own source:
#  - the pinned v86 CPU core (npm package v86, build/v86.wasm), sha256-checked,
#    into third_party/v86/ (never committed) and the user cache directory;
#  - Debian's SeaBIOS (installed when missing and running as root);
#  - with --test, the tools the test suite drives (tmux, nasm, ...) and
#    Debian's memtest86+ as a guest.
set -euo pipefail
cd "$(dirname "$0")/.."

V86_VERSION=0.5.462
TGZ_SHA256=1384ad8bbe80aa4f6cd43f43bd16ddbd7495931df833f038a27fcdc8b9a31351
WASM_SHA256=aa0d0e149d6b60063b85de4871e78505637ce92821e14a9f9802c4008ba2336e
dest=third_party/v86
want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

say() { echo "setup: $*" >&2; }

have_wasm() {
	[ -f "$dest/v86.wasm" ] && echo "$WASM_SHA256  $dest/v86.wasm" | sha256sum -c --status
}

if ! have_wasm; then
	command -v npm >/dev/null || { say "npm is needed to fetch the v86 core (apt-get install nodejs npm)"; exit 1; }
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	say "fetching v86@$V86_VERSION with npm pack"
	(cd "$tmp" && npm pack --silent "v86@$V86_VERSION" >/dev/null)
	echo "$TGZ_SHA256  $tmp/v86-$V86_VERSION.tgz" | sha256sum -c --status ||
		{ say "v86-$V86_VERSION.tgz does not have the pinned sha256"; exit 1; }
	tar -xzf "$tmp/v86-$V86_VERSION.tgz" -C "$tmp" package/build/v86.wasm package/LICENSE
	echo "$WASM_SHA256  $tmp/package/build/v86.wasm" | sha256sum -c --status ||
		{ say "build/v86.wasm does not have the pinned sha256"; exit 1; }
	mkdir -p "$dest"
	cp "$tmp/package/build/v86.wasm" "$dest/v86.wasm"
	cp "$tmp/package/LICENSE" "$dest/LICENSE"
	say "core verified: $dest/v86.wasm"
fi
# Also where an installed binary finds it.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/do86/core/$V86_VERSION"
mkdir -p "$cache" 2>/dev/null && cp "$dest/v86.wasm" "$cache/v86.wasm" 2>/dev/null || true

apt_install() {
	if [ "$(id -u)" != 0 ]; then
		say "missing: $* — install with: sudo apt-get install -y $*"
		return 1
	fi
	say "installing $*"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; then
		apt-get update -qq >/dev/null 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
	fi
}

pkgs=()
[ -f /usr/share/seabios/bios-256k.bin ] && [ -f /usr/share/seabios/vgabios-stdvga.bin ] || pkgs+=(seabios)
if [ $want_tests = 1 ]; then
	# tool:package pairs the end-to-end tests drive.
	for tp in tmux:tmux tcpdump:tcpdump gvnccapture:gvncviewer vncsnapshot:vncsnapshot vncviewer:tigervnc-viewer \
		Xvfb:xvfb xdotool:xdotool chromium:chromium; do
		command -v "${tp%%:*}" >/dev/null || pkgs+=("${tp#*:}")
	done
	# memtest86+ (a bzImage that walks all memory with PAE paging) for the
	# compatibility tests.
	[ -f /boot/memtest86+ia32.bin ] || pkgs+=(memtest86+)
	# grub-mkrescue and what it needs, to build a GRUB CD around it.
	command -v grub-mkrescue >/dev/null || pkgs+=(grub-common)
	[ -d /usr/lib/grub/i386-pc ] || pkgs+=(grub-pc-bin)
	command -v xorriso >/dev/null || pkgs+=(xorriso)
	command -v mcopy >/dev/null || pkgs+=(mtools)
fi
if [ ${#pkgs[@]} -gt 0 ]; then
	apt_install "${pkgs[@]}"
fi

# noVNC for the browser tests of the noVNC endpoint: pinned, hash-checked.
NOVNC_VERSION=1.7.0
NOVNC_SHA256=32689f18d6abe96bc6530828a6bd0b9ae33bda07c083a6575ed255b5a8f2e903
if [ $want_tests = 1 ] && [ ! -f third_party/novnc/core/rfb.js ]; then
	t=$(mktemp -d)
	(cd "$t" && npm pack --silent "@novnc/novnc@$NOVNC_VERSION" >/dev/null)
	echo "$NOVNC_SHA256  $t/novnc-novnc-$NOVNC_VERSION.tgz" | sha256sum -c --status ||
		{ say "noVNC $NOVNC_VERSION does not have the pinned sha256"; exit 1; }
	mkdir -p third_party/novnc
	tar -xzf "$t/novnc-novnc-$NOVNC_VERSION.tgz" -C third_party/novnc --strip-components=1
	rm -rf "$t"
	say "noVNC $NOVNC_VERSION verified: third_party/novnc"
fi
say "ready"
