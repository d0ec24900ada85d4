#!/bin/sh
# Unit tests: build them, run each cmocka binary with TAP output and turn
# its results into "PASS: unit/<binary>/<test>" / "FAIL: ...: why" lines.
# A binary that crashes or exits non-zero without a "not ok" line is a FAIL.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out="$top/build/unit"
if ! make -s -C "$here" >"$out.log" 2>&1; then
	cat "$out.log"
	echo "FAIL: unit/build: make -C tests/unit failed"
	exit 1
fi
rc_all=0
for t in test_escape test_orc test_orc_table test_ksyms test_output test_unwind test_recorded test_verify test_snapshot test_orc_lazy test_stack_text test_hashtab test_tally test_session test_report test_triage_opts test_user_stack test_per_process test_demangle test_perf_map; do
	log=$(mktemp)
	CMOCKA_MESSAGE_OUTPUT=TAP "$out/$t" >"$log" 2>&1
	rc=$?
	# TAP: "ok 3 - name" / "not ok 4 - name", then its "# ..." diagnostics;
	# cmocka's skip() is "not ok 5 # SKIP name", after the "SKIP: why" line
	# a missing reader printed (tests flush their output before running one)
	awk -v t="$t" '
		function flush() { if (bad != "") print "FAIL: unit/" t "/" bad ":" why; bad = ""; why = "" }
		/^# / { if (bad != "") why = why " " substr($0, 3); next }
		/^SKIP: / { reason = substr($0, 7); next }
		/^not ok [0-9]+ # SKIP / { flush(); sub(/^not ok [0-9]+ # SKIP /, "")
			print "SKIP: unit/" t "/" $0 ": " (reason != "" ? reason : "skipped"); reason = ""; next }
		/^ok [0-9]+ - / { flush(); sub(/^ok [0-9]+ - /, ""); print "PASS: unit/" t "/" $0; next }
		/^not ok [0-9]+ - / { flush(); sub(/^not ok [0-9]+ - /, ""); bad = $0; nf++; next }
		END { flush(); exit nf ? 1 : 0 }' "$log"
	fails=$?
	if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		cat "$log"
		echo "FAIL: unit/$t: exited $rc without a failing test (crash?)"
	fi
	[ "$rc" -ne 0 ] && rc_all=1
	rm -f "$log"
done
exit $rc_all
