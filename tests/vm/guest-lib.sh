# Sourced by guest test scripts inside the VM.
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
# skip NAME: REASON: a check that cannot run here (never counted as a pass)
skip() { echo "SKIP: $*"; }
# check NAME CMD...: PASS if CMD succeeds, else FAIL with its output.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name: $(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi
}
# wait_file FILE [TENTHS]: wait until FILE exists (default 60 s: TCG under load is slow).
wait_file() {
	n=${2:-600}
	while [ ! -s "$1" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ -s "$1" ]
}
