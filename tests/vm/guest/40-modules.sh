# Module ORC tables from the driver (MODULE_ORC), with Debian's own ext4 and
# jbd2 modules loaded: an ext4 image mounted on a loop device gives a
# jbd2 kernel thread that sleeps in module text (kjournald2).
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko
if [ ! -d /mods ]; then
	ksdrv_test modorc kstack
	skip "modules: no ext4/jbd2 modules in this initramfs (see the vm build log)"
	exit 0
fi
loaded=1
for m in loop crc16 crc32c_generic mbcache jbd2 ext4; do
	insmod /mods/$m.ko 2>/tmp/insmod.err || { loaded=0; cat /tmp/insmod.err; }
done
if [ $loaded = 1 ] && mount -t ext4 -o loop /mods/ext4.img /mnt; then
	pass "modules: loop, crc16, crc32c, mbcache, jbd2, ext4 loaded, ext4 image mounted"
else
	fail "modules: loading ext4/jbd2 or mounting the image failed"
	exit 0
fi
echo hello >/mnt/f && sync

ksdrv_test modorc kstack ext4 jbd2 loop
ksdrv_test32 modorc kstack ext4 jbd2

jbd=""
for d in /proc/[0-9]*; do
	case $(cat "$d/comm" 2>/dev/null) in
	jbd2/*) jbd=${d#/proc/} ;;
	esac
done
if [ -z "$jbd" ]; then
	fail "modules: no jbd2 kernel thread after the mount"
else
	# the thread sleeps in module text: named frames from the module's
	# own table, no fallback ("? ") frame, and the walk agrees with the
	# kernel's unwinder and /proc
	kstack -t "$jbd" >/tmp/jbd.txt 2>&1
	rc=$?
	cat /tmp/jbd.txt
	if [ $rc = 0 ] && grep -q 'jbd2!kjournald2+' /tmp/jbd.txt && ! grep -q '^? ' /tmp/jbd.txt; then
		pass "modules: kstack -t (jbd2 thread) walks through kjournald2 with the module's ORC table"
	else
		fail "modules: kstack -t $jbd exit $rc, no jbd2!kjournald2 frame or a fallback frame"
	fi
	kstack --verify -t "$jbd" >/tmp/jbdv.txt 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q '^verify: PASSED' /tmp/jbdv.txt; then
		pass "modules: kstack --verify of the jbd2 thread passes"
	else
		cat /tmp/jbdv.txt
		fail "modules: kstack --verify -t $jbd exit $rc"
	fi
	kstack --tables >/tmp/tables.txt 2>&1
	if grep -q '^jbd2 ' /tmp/tables.txt && grep -q '^ext4 ' /tmp/tables.txt; then
		pass "modules: kstack --tables lists the ext4 and jbd2 tables"
	else
		cat /tmp/tables.txt
		fail "modules: kstack --tables misses ext4 or jbd2"
	fi
fi
umount /mnt
