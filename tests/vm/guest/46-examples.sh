# The examples of README.md and kstack(1), run as the documents show them:
# each one's output is handed to the host (emit_check example NAME),
# where tests/vm/doc_examples.py compares it with the example of that name
# and fails when the example no longer matches what kstack prints
# (doc_examples.py update rewrites the examples from these outputs).
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# example NAME CMD...: "# CMD" with the real ids, its stdout, and "# echo $?"
# with its exit status, into /tmp/ex/NAME, handed over
mkdir -p /tmp/ex
example() {
	name=$1
	shift
	{
		echo "# $*"
		"$@" 2>/tmp/ex/$name.err
		rc=$?
		echo "# echo \$?"
		echo "$rc"
	} >/tmp/ex/$name
	[ ! -s /tmp/ex/$name.err ] || echo "examples: $name: stderr: $(head -c 300 /tmp/ex/$name.err)"
	emit_check example "$name" /tmp/ex/$name
}

# kstack(1)'s OUTPUT: busybox's sleep, no CFI: whole as far as it allows
sleep 1000 &
s=$!
sleep 0.5
example sleep kstack $s
kill $s

# README's first: a thread of the zoo in nanosleep
rm -f /tmp/ex-zoo.txt
zoo -n 1 -o /tmp/ex-zoo.txt &
z=$!
if wait_file /tmp/ex-zoo.txt; then
	example zoo kstack -t "$(awk '$2 == "nanosleep" { print $1; exit }' /tmp/ex-zoo.txt)"
else
	fail "examples: zoo did not start"
fi
# zoo's children are processes of their own: every zoo goes, none is left to later tests
kill -9 $z $(pidof zoo) 2>/dev/null

# README's user stacks: the main thread of ustack_dyn (main -> a -> b -> c -> nanosleep)
rm -f /tmp/ex-u.txt
ustack_dyn -o /tmp/ex-u.txt -w 1 &
u=$!
if wait_file /tmp/ex-u.txt; then
	sleep 0.3
	example ustack kstack -t $u
else
	fail "examples: ustack_dyn did not start"
fi
kill $u

# README's hang triage: 300 threads in 3 blocking places, grouped (the
# process alone: what else runs in the VM depends on the tests before)
rm -f /tmp/ex-tz.txt
triage_zoo three 100 /tmp/ex-tz.txt &
tz=$!
if wait_file /tmp/ex-tz.txt 600; then
	example group kstack --group $tz
else
	fail "examples: triage_zoo did not start"
fi
kill $tz
