#!/bin/sh
# Install every Debian package the build, the tests, the demo and the
# benchmark need. Idempotent: does nothing when all are present, so
# `make check` can call it every time; needs root only when something is missing.
set -e
PKGS="build-essential make gcc libc6-dev pkg-config
linux-image-amd64 linux-headers-amd64 linux-source-6.1 kmod gcc-multilib
qemu-system-x86 busybox-static cpio
libdw-dev libelf-dev elfutils libcmocka-dev sparse
gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 mingw-w64-tools wine64 wine"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: need root to apt-get install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# with recommends, as on the machines where this set was verified (wine
# needs some of them to boot a prefix)
# shellcheck disable=SC2086
apt-get install -y -q $missing
