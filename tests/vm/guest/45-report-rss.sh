# Reports at ~4,000 threads (issue 19), inside the VM as root: the JSON
# document is written one thread (or group) at a time, so the peak RSS of
# `kstack --all --format json` with both halves is the capture's, not that of
# a document built whole before writing (~90 MiB here before streaming):
# under 32 MiB; the streamed document is whole (checked here, and parsed and
# validated against the schema on the host). Times are printed for the record.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko
if ! command -v runrss >/dev/null || ! command -v zoo >/dev/null; then
	skip "report-rss: no runrss or zoo in the VM"
	exit 0
fi

rm -f /tmp/zoo4k.txt
zoo -n 364 -o /tmp/zoo4k.txt &
zpid=$!
if ! wait_file /tmp/zoo4k.txt 1200; then
	fail "report-rss: zoo -n 364 did not start"
	kill -9 "$zpid"
	exit 0
fi
all=$(ls -d /proc/[0-9]*/task/* | wc -l)

# runs OUTFILE ARGS...: kstack ARGS -o OUTFILE three times under runrss (a
# process forked from this shell, as make bench measures); prints "the least
# peak RSS in KiB (noise only adds), the median wall ms, the largest exit"
runs() {
	file=$1
	shift
	for i in 1 2 3; do
		rm -f "$file"
		runrss 4000 kstack "$@" -o "$file"
	done >/tmp/runs.txt
	cat /tmp/runs.txt >&2
	kib=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' /tmp/runs.txt | sort -n | head -n 1)
	ms=$(sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' /tmp/runs.txt | sort -n | sed -n 2p)
	rc=$(sed -n 's/.* exit=\([0-9-]*\).*/\1/p' /tmp/runs.txt | sort -n | tail -n 1)
	echo "${kib:-0} ${ms:-0} ${rc:--1}"
}

# shape FILE KEY: the streamed document is whole: it opens and closes, holds
# as many elements of KEY ("threads"/"groups") as it says threads_shown or
# groups, and its last element is closed. Prints what was found.
shape() {
	awk -v key="$2" '
		NR == 1 { first = $0 }
		$0 == " \"" key "\": [" { open = 1 }
		open && $0 == "  {" { n++ }
		$0 == " ]" { open = 0; closed = 1 }
		/^ "threads_shown": / { shown = $2; sub(/,$/, "", shown) }
		{ last = $0 }
		END { printf "%s %d %s %s %s\n", first == "{" && last == "}" && closed ? "whole" : "cut", n, shown, first, last }
	' "$1"
}

set -- $(runs /tmp/big.json --all --format json)
kib=$1 ms=$2 rc=$3
echo "report-rss: kstack --all --format json at $all threads: peak RSS $kib KiB, $ms ms (least / median of 3), exit $rc"
if [ "$kib" -gt 0 ] && [ "$kib" -lt 32768 ] && [ "$rc" -le 1 ]; then
	pass "report-rss: kstack --all --format json at $all threads (both halves): peak RSS $kib KiB < 32 MiB"
else
	fail "report-rss: kstack --all --format json at $all threads (both halves): peak RSS $kib KiB (want < 32768), exit $rc"
fi
set -- $(shape /tmp/big.json threads)
if [ "$1" = whole ] && [ "$2" = "$3" ] && [ "$2" -ge 4000 ]; then
	pass "report-rss: the streamed document is whole: $2 thread objects, threads_shown $3"
else
	fail "report-rss: streamed document: $*"
fi
# parsed and validated on the host (gzip'd: ~15 MB of JSON, ~150 KB on the console)
gzip -c /tmp/big.json >/tmp/big.json.gz
echo "report-rss: $(wc -c </tmp/big.json) bytes of JSON, $(wc -c </tmp/big.json.gz) gzip'd"
emit_check json all-4000.json.gz /tmp/big.json.gz
rm -f /tmp/big.json /tmp/big.json.gz

# a full disk in the middle of the stream: exit 2, said once
for o in "" "-o /dev/full"; do
	if [ -n "$o" ]; then
		kstack --all --format json $o >/dev/null 2>/tmp/full.err
	else
		kstack --all --format json >/dev/full 2>/tmp/full.err
	fi
	rc=$?
	n=$(grep -c "No space left on device" /tmp/full.err)
	if [ "$rc" = 2 ] && [ "$n" = 1 ]; then
		pass "report-rss: --all --format json ${o:-to stdout} on a full disk: exit 2, said once"
	else
		fail "report-rss: --all --format json ${o:-to stdout} on a full disk: exit $rc, said $n times: $(head -c 300 /tmp/full.err | tr '\n' ' ')"
	fi
done

set -- $(runs /tmp/bigg.json --all --group --format json)
kib=$1 ms=$2 rc=$3
echo "report-rss: kstack --all --group --format json at $all threads: peak RSS $kib KiB, $ms ms, exit $rc"
if [ "$kib" -gt 0 ] && [ "$kib" -lt 32768 ] && [ "$rc" -le 1 ]; then
	pass "report-rss: kstack --all --group --format json at $all threads: peak RSS $kib KiB < 32 MiB"
else
	fail "report-rss: kstack --all --group --format json at $all threads: peak RSS $kib KiB (want < 32768), exit $rc"
fi

# for the record: the same capture written as the grouped text
set -- $(runs /tmp/bigg.txt --all --group)
echo "report-rss: kstack --all --group at $all threads: peak RSS $1 KiB, $2 ms, exit $3"

kill -9 "$zpid"
wait "$zpid" 2>/dev/null
