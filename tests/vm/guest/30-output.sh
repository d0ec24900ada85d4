# What a listing cannot hide: a stdout that fails (full disk, closed) is
# exit 2 with a message in every mode, option combinations that would be
# silently ignored are usage errors (64), and files given with -k/-d are
# bounded and named in their errors.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# expect NAME RC PATTERN CMD...: the command exits RC and its stderr holds PATTERN
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >/dev/null 2>/tmp/o.err
	got=$?
	if [ "$got" = "$want" ] && grep -q -- "$pat" /tmp/o.err; then
		pass "output: $name (exit $got)"
	else
		fail "output: $name: exit $got, want $want and \"$pat\": $(head -c 300 /tmp/o.err | tr '\n' ' ')"
	fi
}

# expect_full NAME CMD...: with stdout on /dev/full: exit 2, the error said
expect_full() {
	name=$1
	shift
	"$@" >/dev/full 2>/tmp/o.err
	got=$?
	if [ "$got" = 2 ] && grep -q "writing standard output: No space left on device" /tmp/o.err; then
		pass "output: $name to a full disk (exit 2, said)"
	else
		fail "output: $name to a full disk: exit $got: $(head -c 300 /tmp/o.err | tr '\n' ' ')"
	fi
}

sleep 1000 &
sleeper=$!

# --- every listing mode, stdout on a full disk
expect_full "PID" kstack --kernel $sleeper
expect_full "-t TID" kstack --kernel -t $sleeper
expect_full "--all" kstack --all --kernel
expect_full "-S" kstack -S $sleeper
expect_full "--raw" kstack --raw $sleeper
expect_full "--verify" kstack --verify $sleeper
expect_full "-T" kstack -T
expect_full "--help" kstack --help
# the formats said so before; once, not twice
kstack --group --kernel $sleeper >/dev/full 2>/tmp/o.err
rc=$?
n=$(grep -c "No space left on device" /tmp/o.err)
[ "$rc" = 2 ] && [ "$n" = 1 ] &&
	pass "output: --group to a full disk: exit 2, said once" ||
	fail "output: --group to a full disk: exit $rc, said $n times: $(head -c 300 /tmp/o.err | tr '\n' ' ')"

# --- a closed stdout: refused before the driver's fd could take its place
kstack --kernel $sleeper >&- 2>/tmp/o.err
rc=$?
[ "$rc" = 2 ] && grep -q "standard output is closed" /tmp/o.err &&
	pass "output: closed stdout (exit 2, said)" ||
	fail "output: closed stdout: exit $rc: $(head -c 300 /tmp/o.err | tr '\n' ' ')"

# --- options that would be ignored are usage errors
expect "-q without --verify" 64 "use it with --verify" kstack -q $sleeper
expect "--interval without --sample" 64 "use them with --sample" kstack --interval 5ms $sleeper
expect "--duration without --sample" 64 "use them with --sample" kstack --duration 1s --group $sleeper
expect "-d with an empty path" 64 '-d: need a file name' kstack -d '' $sleeper
expect "-k with an empty path" 64 '-k: need a file name' kstack -k '' -T

# --- -k: bounded, and an empty file is named as such, not as kptr_restrict
expect "-k /dev/zero ends in an error, not the OOM killer" 2 "not a kallsyms file" kstack -k /dev/zero -T
: >/tmp/empty.syms
expect "-k of an empty file" 2 "/tmp/empty.syms: no symbols in it" kstack -k /tmp/empty.syms -T
dmesg | grep -q "Out of memory" &&
	fail "output: the OOM killer ran during the -k checks" ||
	pass "output: no OOM during the -k checks"

# --- a thread's error names the thread once
sh -c 'while :; do :; done' &
spin=$!
said=0
for i in 1 2 3 4 5 6 7 8; do
	kstack -S -t $spin >/tmp/o.out 2>/tmp/o.err
	if grep -q "^$spin .* R \[running on a CPU" /tmp/o.out; then
		said=1
		break
	fi
done
kill $spin
if [ "$said" = 0 ]; then
	skip "output: -S of a running thread: the spinner was never caught on a CPU"
elif [ -s /tmp/o.err ]; then
	fail "output: -S of a running thread: shown as running, yet stderr says: $(head -c 200 /tmp/o.err)"
else
	pass "output: -S of a running thread: shown as running, nothing on stderr (no problem)"
fi
kill $sleeper
