#!/usr/bin/env bash
# Installs the Debian packages the tests drive, when they are missing: tmux, for the TUI's smoke
# test of the real binary. Everything else the build needs comes from the Go module proxy.
set -euo pipefail

missing=()
for pkg in tmux; do
	command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "missing ${missing[*]}, and there is no apt-get to install it: install ${missing[*]} with your package manager" >&2
	exit 1
fi
sudo=()
if ((EUID != 0)); then
	sudo=(sudo)
fi
echo "installing ${missing[*]} from Debian" >&2
"${sudo[@]}" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
