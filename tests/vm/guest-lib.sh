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
# start PROG ARGS...: run a test program with -o FILE, wait for it to write
# "ready" there; sets $upid and $ready (a FAIL names the program)
start() {
	prog=$1
	shift
	ready=/tmp/ready-$(basename "$prog")-$$-$RANDOM
	rm -f "$ready"
	"$prog" -o "$ready" "$@" &
	upid=$!
	wait_file "$ready" 300 || { fail "$prog did not start"; return 1; }
	sleep 0.3	# every thread parked in the kernel
}
# block FILE TID: the block of thread TID in a kstack listing (paragraph mode)
block() { awk -v RS= -v tid="$2" '$1 == tid { print; exit }' "$1"; }
# emit_check KIND NAME FILE [ARGS...]: hand FILE to the host, which reads it
# back with tests/unit/tools/check_report.py KIND FILE ARGS (tests/vm/host-checks.sh):
# readers the busybox guest does not have (python3 json + jsonschema, protoc).
emit_check() {
	kind=$1 name=$2 file=$3
	shift 3
	echo "KSTACK-CHECK $kind $name $*"
	echo "KSTACK-FILE-BEGIN $name"
	base64 "$file"
	echo "KSTACK-FILE-END"
}
