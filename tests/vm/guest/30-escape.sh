# Names chosen by other processes reach the terminal escaped (lib/util/escape.h),
# in every output mode: a comm holding a newline, ESC or TAB (issue 14).
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# The shell renames itself, then waits for sleep (": " keeps it from
# exec'ing sleep in its place): its comm is the name under test.
sh -c 'printf "nl\nname" >/proc/$$/comm; sleep 1000; :' &
p_nl=$!
sh -c 'printf "\033[31mred" >/proc/$$/comm; sleep 1000; :' &
p_esc=$!
sh -c 'printf "tab\there\\\\" >/proc/$$/comm; sleep 1000; :' &
p_tab=$!
usleep 500000

# escaped header of PID as each mode prints it ($2: the expected name)
want_nl='nl\\nname'
want_esc='\\033\[31mred'
want_tab='tab\\there\\\\'
esc=$(printf '\033')
tab=$(printf '\t')
check_out() {	# NAME FILE PID WANTED-NAME-REGEX HEADER-PREFIX
	name=$1 f=$2 pid=$3 want=$4 pre=$5
	if grep -q "$esc" "$f" || grep -q "$tab" "$f"; then
		fail "escape: $name: raw ESC or TAB in the output: $(grep -n "$esc\|$tab" "$f" | head -n 2 | od -c | head -n 3 | tr '\n' ' ')"
	elif grep -q '^name S ' "$f" || grep -q '^[0-9]* nl$' "$f"; then
		fail "escape: $name: the name broke the header in two: $(head -n 2 "$f" | tr '\n' '|')"
	elif ! grep -Eq "^$pre$pid $want [A-Z]" "$f"; then
		fail "escape: $name: no escaped header '$pre$pid $want': $(grep -a "$pid" "$f" | head -n 2 | tr '\n' '|')"
	else
		pass "escape: $name"
	fi
}
for pair in "nl:$p_nl:$want_nl" "esc:$p_esc:$want_esc" "tab:$p_tab:$want_tab"; do
	label=${pair%%:*}
	rest=${pair#*:}
	pid=${rest%%:*}
	want=${rest#*:}
	kstack "$pid" >/tmp/esc-pid.txt 2>&1
	check_out "kstack PID ($label)" /tmp/esc-pid.txt "$pid" "$want" ""
	kstack -S "$pid" >/tmp/esc-s.txt 2>&1
	check_out "kstack -S PID ($label)" /tmp/esc-s.txt "$pid" "$want" ""
	kstack -t "$pid" >/tmp/esc-t.txt 2>&1
	check_out "kstack -t TID ($label)" /tmp/esc-t.txt "$pid" "$want" ""
	kstack --raw -t "$pid" >/tmp/esc-raw.txt 2>&1
	check_out "kstack --raw ($label)" /tmp/esc-raw.txt "$pid" "$want" ""
	kstack --verify -t "$pid" >/tmp/esc-verify.txt 2>&1
	check_out "kstack --verify ($label)" /tmp/esc-verify.txt "$pid" "$want" "ok "
done
kstack --all >/tmp/esc-all.txt 2>&1
for pair in "$p_nl:$want_nl" "$p_esc:$want_esc" "$p_tab:$want_tab"; do
	check_out "kstack --all (${pair%%:*})" /tmp/esc-all.txt "${pair%%:*}" "${pair#*:}" ""
done
kstack --verify --all -q >/tmp/esc-vall.txt 2>&1
if grep -q "$esc" /tmp/esc-vall.txt || grep -q "$tab" /tmp/esc-vall.txt; then
	fail "escape: kstack --verify --all: raw ESC or TAB in the output"
else
	pass "escape: kstack --verify --all: no raw ESC or TAB"
fi
kill $p_nl $p_esc $p_tab 2>/dev/null
for p in $(pidof sleep); do kill "$p" 2>/dev/null; done

# Messages quote arguments, paths and module names: escaped too.
out=$(kstack "$(printf 'x\033[31my')" 2>&1)
if echo "$out" | grep -q "$esc"; then
	fail "escape: an argument with ESC echoed raw in the error message"
elif echo "$out" | grep -q 'x\\033\[31my'; then
	pass "escape: an argument with ESC is escaped in the error message"
else
	fail "escape: error message for a bad argument: $out"
fi
