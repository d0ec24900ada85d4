#!/bin/bash
# Install and packaging suite (issue 13): kstack(1) lint and its agreement
# with `kstack --help`; make install/uninstall; DKMS from the tarball and
# from the kstack-dkms package, built against the installed headers; the
# Debian packages built with dpkg-buildpackage and checked by lintian; and,
# in the VM, modprobe from the DKMS-installed tree with the packaged tool.
#
# Nothing is written outside build/pkg and build/deb: dkms runs with its
# trees under build/pkg (--dkmstree/--sourcetree/--installtree; dkms itself
# keeps its module-signing key in /var/lib/dkms, as on any DKMS machine).
# A step whose tool is missing prints SKIP with the reason, never PASS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/vm/vm.sh"		# KVER (the installed headers), vm_* helpers
out=$top/build/pkg
rm -rf "$out"
mkdir -p "$out"
cd "$top" || exit 1

pass() { echo "PASS: pkg: $*"; }
fail() { echo "FAIL: pkg: $*"; }
skip() { echo "SKIP: pkg: $*"; }

version=$(sed -n 's/^VERSION := //p' Makefile)

# --- one version everywhere -------------------------------------------------
v_dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
v_mod=$(sed -n 's/^MODULE_VERSION("\(.*\)");$/\1/p' driver/linux/kstack_main.c)
v_deb=$(sed -n '1s/^kstack (\([^)]*\)).*/\1/p' debian/changelog)
if [ -n "$version" ] && [ "$v_dkms $v_mod $v_deb" = "$version $version $version" ]; then
	pass "one version $version in Makefile, dkms.conf, MODULE_VERSION, debian/changelog"
else
	fail "versions differ: Makefile '$version' dkms.conf '$v_dkms' MODULE_VERSION '$v_mod' debian/changelog '$v_deb'"
fi

# --- the tool (static, as the VM needs it) ----------------------------------
if ! make -s tools >"$out/tools.log" 2>&1; then
	cat "$out/tools.log"
	fail "make tools failed"
	exit 1
fi

# --- kstack(1) --------------------------------------------------------------
if command -v mandoc >/dev/null; then
	if res=$(mandoc -T lint -W warning doc/kstack.1 2>&1) && [ -z "$res" ]; then
		pass "kstack(1): mandoc -T lint -W warning clean"
	else
		fail "kstack(1): mandoc -T lint: $res"
	fi
else
	skip "kstack(1) lint: mandoc not installed (scripts/install-deps.sh installs it)"
fi
if command -v man >/dev/null && command -v groff >/dev/null; then
	if res=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l doc/kstack.1 2>&1 >/dev/null) &&
		[ -z "$res" ]; then
		pass "kstack(1): man --warnings (groff) clean"
	else
		fail "kstack(1): man --warnings: $res"
	fi
else
	skip "kstack(1) groff check: man/groff not installed"
fi

# Every long option `kstack --help` lists is in the man page, and every
# option the man page's OPTIONS section describes is in --help: neither can
# drift from the CLI unnoticed.
if command -v mandoc >/dev/null; then
	build/bin/kstack --help >"$out/help.txt" 2>&1
	mandoc -T ascii doc/kstack.1 | sed 's/.\x08//g' >"$out/man.txt"
	sed -n '/^OPTIONS$/,/^[A-Z][A-Z ]*$/p' "$out/man.txt" | sed '1d;$d' >"$out/man-options.txt"
	grep -o -- '--[a-z][a-z0-9-]*' "$out/help.txt" | sort -u >"$out/help-longopts.txt"
	grep -o -- '--[a-z][a-z0-9-]*' "$out/man-options.txt" | sort -u >"$out/man-longopts.txt"
	missing=$(comm -23 "$out/help-longopts.txt" "$out/man-longopts.txt" | tr '\n' ' ')
	extra=$(comm -13 "$out/help-longopts.txt" "$out/man-longopts.txt" | tr '\n' ' ')
	n=$(wc -l <"$out/help-longopts.txt")
	if [ "$n" -lt 5 ]; then
		fail "kstack(1) vs --help: only $n long options found in --help (parse broken?)"
	elif [ -z "$missing" ] && [ -z "$extra" ]; then
		pass "kstack(1) OPTIONS has all $n long options of kstack --help, and no others"
	else
		fail "kstack(1) vs --help: missing from the man page: ${missing:-none}; in the man page only: ${extra:-none}"
	fi
	# short options too: "-x, --long" in --help must read the same in the man page
	bad=""
	for pair in $(grep -o -- '-[a-zA-Z], --[a-z][a-z0-9-]*' "$out/help.txt" | tr -d ' '); do
		grep -q -- "${pair%%,*}, ${pair#*,}" "$out/man-options.txt" || bad="$bad ${pair%%,*},${pair#*,}"
	done
	if [ -z "$bad" ]; then
		pass "kstack(1) OPTIONS pairs each short option with its long one as --help does"
	else
		fail "kstack(1) vs --help: short/long pairs missing:$bad"
	fi
	# what the tool is: both halves of a stack, not the kernel's alone (issue 25)
	name=$(sed -n '/^NAME$/,/^SYNOPSIS$/p' "$out/man.txt" | sed '1d;$d' | tr -s ' \n' ' ')
	case $name in
	*"kernel and user call stacks"*) pass "kstack(1) NAME says what it shows:$name" ;;
	*) fail "kstack(1) NAME:$name" ;;
	esac
else
	skip "kstack(1) vs --help: mandoc not installed"
fi

# --- make install / uninstall -------------------------------------------------
dest=$out/destdir
if make -s install DESTDIR="$dest" PREFIX=/usr >"$out/install.log" 2>&1 &&
	[ -x "$dest/usr/bin/kstack" ] && [ -f "$dest/usr/share/man/man1/kstack.1" ] &&
	[ "$(stat -c %a "$dest/usr/bin/kstack") $(stat -c %a "$dest/usr/share/man/man1/kstack.1")" = "755 644" ] &&
	"$dest/usr/bin/kstack" --help >/dev/null; then
	pass "make install DESTDIR= PREFIX=/usr: usr/bin/kstack (0755, runs), usr/share/man/man1/kstack.1 (0644)"
else
	cat "$out/install.log"
	fail "make install DESTDIR= PREFIX=/usr"
fi
if make -s install DESTDIR="$dest" PREFIX=/opt/ks MANDIR=/opt/ks/man >>"$out/install.log" 2>&1 &&
	[ -x "$dest/opt/ks/bin/kstack" ] && [ -f "$dest/opt/ks/man/man1/kstack.1" ]; then
	pass "make install honours PREFIX and MANDIR"
else
	fail "make install PREFIX=/opt/ks MANDIR=/opt/ks/man"
fi
make -s uninstall DESTDIR="$dest" PREFIX=/usr >>"$out/install.log" 2>&1
make -s uninstall DESTDIR="$dest" PREFIX=/opt/ks MANDIR=/opt/ks/man >>"$out/install.log" 2>&1
left=$(find "$dest" -type f | sed "s|^$dest||")
if [ -z "$left" ]; then
	pass "make uninstall removes every file make install put there"
else
	fail "make uninstall left: $left"
fi
mdest=$out/moddest
if make -s install-module DESTDIR="$mdest" >"$out/install-module.log" 2>&1 &&
	modinfo -F version "$mdest/lib/modules/$KVER/updates/kstack.ko" 2>/dev/null | grep -qx "$version" &&
	[ -f "$mdest/lib/udev/rules.d/60-kstack.rules" ]; then
	pass "make install-module DESTDIR=: lib/modules/$KVER/updates/kstack.ko (version $version) and the udev rule"
else
	cat "$out/install-module.log"
	fail "make install-module DESTDIR="
fi

# --- DKMS ---------------------------------------------------------------------
# dkms_route NAME SOURCEDIR: dkms build + install kstack/VERSION from a source
# tree whose parent is SOURCEDIR's, against the installed headers ($KVER),
# into an install tree under build/pkg. Prints the install tree's root.
dkms_route() {
	local name=$1 srcparent=$2 tree=$out/dkms-$1
	mkdir -p "$tree/dkms" "$tree/install/$KVER"
	set -- --dkmstree "$tree/dkms" --sourcetree "$srcparent" --installtree "$tree/install"
	dkms add -m kstack -v "$version" "$@" >"$tree/log" 2>&1 &&
		dkms build -m kstack -v "$version" -k "$KVER" "$@" >>"$tree/log" 2>&1 &&
		dkms install -m kstack -v "$version" -k "$KVER" --no-depmod "$@" >>"$tree/log" 2>&1 &&
		[ -f "$tree/install/$KVER/updates/dkms/kstack.ko" ] ||
		{ cat "$tree/log" >&2; return 1; }
}
vm_tree=""
if ! command -v dkms >/dev/null; then
	skip "dkms: not installed (scripts/install-deps.sh installs it)"
elif [ ! -d "/lib/modules/$KVER/build" ]; then
	skip "dkms: no kernel headers installed (/lib/modules/*/build)"
else
	# the tarball, loaded the way `dkms ldtarball` documents
	if make -s dkms-tarball >"$out/dkms-tarball.log" 2>&1 &&
		mkdir -p "$out/dkms-tarball/dkms" "$out/dkms-tarball/src" &&
		dkms ldtarball --dkmstree "$out/dkms-tarball/dkms" --sourcetree "$out/dkms-tarball/src" \
			"build/kstack-dkms-$version.tar.gz" >>"$out/dkms-tarball.log" 2>&1 &&
		[ -f "$out/dkms-tarball/src/kstack-$version/dkms.conf" ]; then
		pass "make dkms-tarball: dkms ldtarball loads build/kstack-dkms-$version.tar.gz"
		rm -rf "$out/dkms-tarball/dkms"	# dkms_route adds it afresh
		if dkms_route tarball "$out/dkms-tarball/src"; then
			pass "dkms add/build/install kstack/$version from the tarball against the installed headers ($KVER)"
			vm_tree=$out/dkms-tarball/install
		else
			fail "dkms build from the tarball (log above)"
		fi
	else
		cat "$out/dkms-tarball.log"
		fail "make dkms-tarball / dkms ldtarball"
	fi
fi

# --- Debian packages ------------------------------------------------------------
debs_ok=0
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
	skip "deb: dpkg-buildpackage or debhelper not installed (scripts/install-deps.sh installs them)"
elif ! dpkg-checkbuilddeps debian/control >"$out/builddeps.log" 2>&1; then
	skip "deb: build dependencies missing: $(cat "$out/builddeps.log")"
else
	git status --porcelain --untracked-files=all 2>/dev/null >"$out/git-status-before"
	start=$(date +%s)
	if make -s deb >"$out/deb.log" 2>&1 && [ -f "build/deb/kstack_${version}_amd64.deb" ] &&
		[ -f "build/deb/kstack-dkms_${version}_all.deb" ]; then
		pass "make deb: kstack_${version}_amd64.deb and kstack-dkms_${version}_all.deb ($(($(date +%s) - start)) s)"
		debs_ok=1
	else
		tail -n 40 "$out/deb.log"
		fail "make deb (dpkg-buildpackage -us -uc -b)"
	fi
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git status --porcelain --untracked-files=all >"$out/git-status-after"
		if cmp -s "$out/git-status-before" "$out/git-status-after"; then
			pass "make deb leaves the source tree as it was (built in build/deb)"
		else
			fail "make deb changed the tree: $(diff "$out/git-status-before" "$out/git-status-after" | head -n 5)"
		fi
	fi
fi
if [ "$debs_ok" = 1 ]; then
	x=$out/deb-x
	mkdir -p "$x/tool" "$x/dkms"
	dpkg-deb -x "build/deb/kstack_${version}_amd64.deb" "$x/tool"
	dpkg-deb -x "build/deb/kstack-dkms_${version}_all.deb" "$x/dkms"
	want="$x/tool/usr/bin/kstack $x/tool/usr/share/man/man1/kstack.1.gz
$x/dkms/usr/src/kstack-$version/dkms.conf $x/dkms/lib/udev/rules.d/60-kstack.rules"
	missing=""
	for f in $want; do [ -e "$f" ] || missing="$missing ${f#"$x"/}"; done
	if [ -z "$missing" ] && "$x/tool/usr/bin/kstack" --help >/dev/null &&
		dpkg-deb -f "build/deb/kstack-dkms_${version}_all.deb" Depends | grep -q dkms; then
		pass "deb contents: kstack (usr/bin/kstack runs, man page), kstack-dkms (usr/src/kstack-$version, udev rule, Depends: dkms)"
	else
		fail "deb contents: missing$missing"
	fi
	if ! command -v lintian >/dev/null; then
		skip "lintian: not installed (scripts/install-deps.sh installs it)"
	else
		lintian --allow-root "build/deb/kstack_${version}_amd64.changes" >"$out/lintian.txt" 2>&1
		lrc=$?
		sed 's/^/  lintian| /' "$out/lintian.txt"
		if grep -q '^E: ' "$out/lintian.txt" || [ "$lrc" -ne 0 ]; then
			fail "lintian: errors (exit $lrc), above"
		else
			pass "lintian: no errors ($(grep -c '^W: ' "$out/lintian.txt") warnings) on kstack and kstack-dkms"
		fi
	fi
	# kstack-watch.service (issue 22): in the package, disabled by default,
	# clean for systemd-analyze verify (in a root of the package's files and
	# this host's targets: ExecStart's binary is the packaged one)
	unit=$x/tool/lib/systemd/system/kstack-watch.service
	if [ -f "$unit" ] && grep -q '^ExecStart=/usr/bin/kstack --watch --textfile /var/lib/prometheus/node-exporter$' "$unit" &&
		grep -q '^ProtectSystem=strict$' "$unit" && grep -q '^StandardOutput=journal$' "$unit"; then
		pass "deb: kstack ships lib/systemd/system/kstack-watch.service (--watch --textfile /var/lib/prometheus/node-exporter, ProtectSystem=strict, stdout to the journal)"
	else
		fail "deb: kstack-watch.service missing or not as it should be: $(ls "$x/tool/lib/systemd/system" 2>&1)"
	fi
	mkdir -p "$x/ctl"
	dpkg-deb -e "build/deb/kstack_${version}_amd64.deb" "$x/ctl"
	# dh_installsystemd --no-enable: the unit is enabled only where it was before
	if grep -q "deb-systemd-helper debian-installed 'kstack-watch.service'" "$x/ctl/postinst" &&
		! grep -q "systemctl.* enable" "$x/ctl/postinst"; then
		pass "deb: kstack-watch.service disabled by default (postinst enables it only where an admin had)"
	else
		fail "deb: kstack-watch.service enabled by the postinst: $(grep -n enable "$x/ctl/postinst" | head -n 3 | tr '\n' ' ')"
	fi
	if ! command -v systemd-analyze >/dev/null; then
		skip "systemd-analyze verify kstack-watch.service: systemd-analyze not installed"
	else
		sroot=$out/unit-root
		mkdir -p "$sroot/lib/systemd/system" "$sroot/usr/bin"
		cp "$unit" "$sroot/lib/systemd/system/"
		cp "$x/tool/usr/bin/kstack" "$sroot/usr/bin/"
		cp -a /lib/systemd/system/*.target /lib/systemd/system/*.slice "$sroot/lib/systemd/system/" 2>/dev/null
		res=$(systemd-analyze verify --man=no --root="$sroot" kstack-watch.service 2>&1)
		vrc=$?
		if [ "$vrc" = 0 ] && [ -z "$res" ]; then
			pass "systemd-analyze verify kstack-watch.service: clean (no warnings)"
		else
			fail "systemd-analyze verify kstack-watch.service (exit $vrc): $res"
		fi
	fi
	# What a user of the package gets: DKMS building the kstack-dkms package's source
	if command -v dkms >/dev/null && [ -d "/lib/modules/$KVER/build" ]; then
		if dkms_route deb "$x/dkms/usr/src"; then
			pass "dkms add/build/install kstack/$version from kstack-dkms's /usr/src against the installed headers ($KVER)"
			vm_tree=$out/dkms-deb/install
		else
			fail "dkms build from the kstack-dkms package's source (log above)"
		fi
	fi
fi

# --- in the VM: modprobe from the installed tree --------------------------------
if [ -z "$vm_tree" ]; then
	skip "vm modprobe: no DKMS-installed module (see the SKIP/FAIL lines above)"
	exit 0
fi
if [ ! -f "$VM_KERNEL" ] || ! command -v qemu-system-x86_64 >/dev/null; then
	skip "vm modprobe: no $VM_KERNEL or qemu"
	exit 0
fi
root=$out/vmroot
mkdir -p "$root/lib/modules/$KVER"
cp -a "$vm_tree/$KVER/." "$root/lib/modules/$KVER/"
mkdir -p "$root/lib/udev/rules.d"
if [ "$debs_ok" = 1 ]; then
	cp "$out/deb-x/dkms/lib/udev/rules.d/60-kstack.rules" "$root/lib/udev/rules.d/"
	# the packaged (dynamically linked) tool, with its libraries
	mkdir -p "$root/usr/bin"
	cp "$out/deb-x/tool/usr/bin/kstack" "$root/usr/bin/kstack"
	vm_copy_libs "$root" "$root/usr/bin/kstack"
else
	cp driver/linux/60-kstack.rules "$root/lib/udev/rules.d/"
fi
# kstack-watch.service: its command run with the unit's capabilities (watch-unit.sh)
if [ "$debs_ok" = 1 ]; then
	mkdir -p "$root/lib/systemd/system"
	cp "$out/deb-x/tool/lib/systemd/system/kstack-watch.service" "$root/lib/systemd/system/"
fi
VM_EXTRA_ROOT=$root vm_build_initramfs "$out/vm.cpio.gz" "$here/guest/modprobe.sh" \
	"$here/guest/watch-unit.sh"
start=$(date +%s)
vm_boot "$out/vm.cpio.gz" "$out/console.log" "${KSTACK_VM_TIMEOUT:-600}"
qrc=$?
tr -d '\r' <"$out/console.log" >"$out/console.txt"
sed -n '/KSTACK-GUEST-BEGIN/,/KSTACK-DMESG-BEGIN/p' "$out/console.txt" | grep -v '^KSTACK-'
if ! grep -q KSTACK-GUEST-END "$out/console.txt"; then
	fail "vm: guest did not finish (qemu status $qrc); console tail:"
	tail -n 30 "$out/console.txt"
elif bad=$(vm_kernel_log_bad "$out/console.txt") && [ -n "$bad" ]; then
	fail "vm: kernel log has errors: $(echo "$bad" | head -n 5)"
else
	pass "vm: kernel log free of BUG/WARNING/Oops/GPF/KASAN ($(($(date +%s) - start)) s)"
fi
exit 0
