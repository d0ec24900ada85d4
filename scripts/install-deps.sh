#!/bin/sh
# Install every Debian package the build, the tests, the demo and the
# benchmark need. Idempotent: does nothing when all are present, so
# `make check` can call it every time; needs root only when something is missing.
#
# The one list of packages is the apt-get line at the end of this file
# (written out literally so a reader, or a checker, sees what is installed);
# the check below reads it from there.
set -e
pkgs=$(sed -n 's/^apt-get install -y -q //p' "$0")
[ -n "$pkgs" ] || { echo "install-deps: no package list found in $0" >&2; exit 1; }

missing=""
for p in $pkgs; do
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
# With recommends, as on the machines where this set was verified (wine needs
# some of them to boot a prefix). Packages already present are left alone.
apt-get install -y -q build-essential make gcc libc6-dev dpkg-dev pkg-config xz-utils zstd linux-image-amd64 linux-headers-amd64 linux-source-6.1 kmod gcc-multilib qemu-system-x86 busybox-static cpio e2fsprogs libdw-dev libelf-dev elfutils libzstd-dev liblzma-dev libbz2-dev libcmocka-dev sparse gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 mingw-w64-tools wine64 wine debhelper dh-dkms dkms lintian mandoc libjansson-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler zlib1g-dev python3 python3-jsonschema golang-go libiberty-dev rustc prometheus prometheus-node-exporter systemd
