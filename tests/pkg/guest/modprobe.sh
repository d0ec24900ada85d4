# Package route in the VM (issue 13): the module DKMS built and installed on
# the host (copied to /lib/modules/$(uname -r)/updates/dkms/), depmod,
# modprobe/modprobe -r, the module parameters group=/mode=, and the packaged
# kstack binary (/usr/bin/kstack, from the .deb) against it.
. /tests/guest-lib.sh

kver=$(uname -r)
ko=/lib/modules/$kver/updates/dkms/kstack.ko
tool=/usr/bin/kstack
[ -x "$tool" ] || tool=/bin/kstack	# no .deb built: the tree's tool
echo "other:x:1001:1001:other:/tmp:/bin/sh" >>/etc/passwd
rmmod kstack 2>/dev/null

# apply_udev_rule: what udev does with the packaged 60-kstack.rules on the
# node's "add" event (the VM has no udev): each line's PROGRAM, its
# RESULT!= condition, then MODE="%c" / GROUP="%c" from the result.
rules=/lib/udev/rules.d/60-kstack.rules
apply_udev_rule() {
	grep '^ACTION=="add", SUBSYSTEM=="misc", KERNEL=="kstack"' "$rules" | while IFS= read -r line; do
		prog=$(echo "$line" | sed -n 's/.*PROGRAM="\([^"]*\)".*/\1/p')
		not=$(echo "$line" | sed -n 's/.*RESULT!="\([^"]*\)".*/\1/p')
		res=$($prog) || { echo "PROGRAM $prog failed"; return 1; }
		[ -n "$not" ] && [ "$res" = "$not" ] && continue
		case $line in
		*'MODE="%c"'*) chmod "$res" /dev/kstack || return 1 ;;
		*'GROUP="%c"'*) chgrp "$res" /dev/kstack || return 1 ;;
		*) echo "unknown rule: $line"; return 1 ;;
		esac
	done
}

# node_is MODE UID GID: /dev/kstack's mode bits and owner
node_is() {
	set -- "$1" "$2" "$3" "$(stat -c '%a %u %g' /dev/kstack 2>&1)"
	[ "$4" = "$1 $2 $3" ] || { echo "/dev/kstack is \"$4\", want \"$1 $2 $3\""; return 1; }
}

check "pkg-vm: installed module at $ko" test -f "$ko"
check "pkg-vm: depmod -a" depmod -a
check "pkg-vm: modules.dep lists updates/dkms/kstack.ko" grep -q '^updates/dkms/kstack.ko:' "/lib/modules/$kver/modules.dep"
check "pkg-vm: modprobe kstack" modprobe kstack
check "pkg-vm: module loaded from the installed tree" grep -q '^kstack ' /proc/modules
check "pkg-vm: default node root only: 0600 root:root" node_is 600 0 0
check "pkg-vm: the udev rule on the default parameters" apply_udev_rule
check "pkg-vm: default node stays 0600 root:root under the udev rule" node_is 600 0 0
check "pkg-vm: default parameters group=-1 mode=0600" \
	test "$(cat /sys/module/kstack/parameters/group) $(cat /sys/module/kstack/parameters/mode)" = "-1 0600"

sleep 1000 &
sleeper=$!
sleep 0.3
# the kernel half: busybox has no CFI, so its user half is cut short (exit 1)
out=$("$tool" --kernel "$sleeper" 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
if [ "$rc" = 0 ] && echo "$out" | grep -q "^$sleeper sleep S " &&
	echo "$out" | grep -q ' : vmlinux!do_nanosleep+' && echo "$out" | grep -q '^user mode: ip '; then
	pass "pkg-vm: packaged tool shows a sleeping thread through the modprobe'd module"
else
	fail "pkg-vm: packaged tool: exit $rc, output above"
fi

# uid 1000 without the group: refused at open (EPERM), nothing shown (exit 2)
out=$(su user -c "$tool $sleeper" 2>&1)
rc=$?
if [ "$rc" = 2 ] && echo "$out" | grep -qi 'not permitted\|permission denied'; then
	pass "pkg-vm: default: uid 1000 refused"
else
	fail "pkg-vm: default: uid 1000 got exit $rc: $out"
fi
kill "$sleeper"

check "pkg-vm: modprobe -r kstack" modprobe -r kstack
check "pkg-vm: unloaded, node gone" sh -c '! grep -q "^kstack " /proc/modules && ! test -e /dev/kstack'

# The admin's choice: group 1000, mode 0660. The kernel makes the node with
# the mode; the packaged udev rule gives it the group.
check "pkg-vm: modprobe kstack group=1000 mode=0660" modprobe kstack group=1000 mode=0660
check "pkg-vm: parameters read back group=1000 mode=0660" \
	test "$(cat /sys/module/kstack/parameters/group) $(cat /sys/module/kstack/parameters/mode)" = "1000 0660"
check "pkg-vm: node mode 0660 from mode=" node_is 660 0 0
check "pkg-vm: the udev rule on group=1000 mode=0660" apply_udev_rule
check "pkg-vm: node 0660 root:1000 after the udev rule" node_is 660 0 1000
out=$(su user -c "sleep 1000 & p=\$!; sleep 0.3; $tool \$p; echo rc=\$?; kill \$p" 2>&1)
echo "$out" | sed 's/^/  | /'
if echo "$out" | grep -q ' sleep S ' && echo "$out" | grep -q ' : vmlinux!do_nanosleep+'; then
	pass "pkg-vm: group=1000: uid 1000 (group member) sees its own thread's kernel stack"
else
	fail "pkg-vm: group=1000: uid 1000 could not use the device"
fi
# a member is still held to the target check /proc/PID/stack makes:
# root's init is not its to look at
out=$(su user -c "$tool 1" 2>&1)
rc=$?
if [ "$rc" = 2 ] && ! echo "$out" | grep -q ' : vmlinux!'; then
	pass "pkg-vm: group=1000: uid 1000 still refused root's pid 1 (target check)"
else
	fail "pkg-vm: group=1000: uid 1000 on pid 1 got exit $rc: $out"
fi
out=$(su other -c "$tool 1" 2>&1)
rc=$?
if [ "$rc" = 2 ] && echo "$out" | grep -qi 'not permitted\|permission denied'; then
	pass "pkg-vm: group=1000: uid 1001 (not a member) still refused"
else
	fail "pkg-vm: group=1000: uid 1001 got exit $rc: $out"
fi
# even with the node opened up to everyone by hand, the driver's check holds
chmod 0666 /dev/kstack
out=$(su other -c "$tool 1" 2>&1)
rc=$?
if [ "$rc" = 2 ] && echo "$out" | grep -qi 'not permitted'; then
	pass "pkg-vm: node chmod 0666 by hand: uid 1001 refused by the driver (EPERM)"
else
	fail "pkg-vm: node chmod 0666: uid 1001 got exit $rc: $out"
fi
check "pkg-vm: modprobe -r kstack (group=1000)" modprobe -r kstack

# Bad parameters are refused at load with a reason in the kernel log.
if modprobe kstack mode=0666 2>/dev/null; then
	fail "pkg-vm: mode=0666 accepted"
	modprobe -r kstack
elif dmesg | grep -q 'kstack: mode=0666: only owner and group bits'; then
	pass "pkg-vm: mode=0666 refused at load, reason logged"
else
	fail "pkg-vm: mode=0666 refused without the reason in the log"
fi
if modprobe kstack group=-7 2>/dev/null; then
	fail "pkg-vm: group=-7 accepted"
	modprobe -r kstack
else
	pass "pkg-vm: group=-7 refused at load"
fi
check "pkg-vm: modprobe kstack after refusals" modprobe kstack
check "pkg-vm: modprobe -r kstack (last)" modprobe -r kstack
