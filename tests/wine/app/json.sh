# shellcheck shell=bash
# --format json and --group against the running target; sourced by run.sh.
# The JSON is validated against doc/kstack-report.schema.json by the
# reader the Linux tests use (tests/unit/tools/check_report.py: the schema,
# counts that add up, groups largest first), and its content checked
# against the target and the text output (json_check.py). A second target
# with three threads parked alike ("twins") makes a group of more than one.

# check_doc FILE KEY=VALUE...: check_report.py's verdict; its 77 (no
# python3-jsonschema: `make deps` installs it) is a failure here.
check_doc() {
	python3 "$top/tests/unit/tools/check_report.py" json "$@" 2>&1 | tail -n 1
}

json_tests() {
	local f=$out/json.json t=$out/json.txt g=$out/json-group.json gt=$out/json-group.txt
	local saved="$T_LOG $T_PID $T_MAIN $T_WORKER $T_COUNTER $T_UNIX $T_DESCRIBED" msg n

	run_k "$t" "$T_PID"
	"$WINE" "$K64" --format json "$T_PID" >"$f" 2>"$f.err"
	rc=$?
	msg=$(check_doc "$f" user_chain=c,b,a,main threads_walked=3 threads_shown=3)
	check "--format json: exit 1 as the text (no driver), valid by the schema, main's c, b, a, main" \
		"rc=$rc: $msg $(head -c 200 "$f")" eval '[ $rc = 1 ] && [ -z "$msg" ]'
	msg=$(python3 "$here/json_check.py" threads "$f" "$t" "$T_MAIN" \
		"$([ "$T_DESCRIBED" = 1 ] && echo "$T_WORKER")" 2>&1 | tail -n 1)
	check "--format json: the text's threads and frames; names split right; description escaped" \
		"$msg" [ -z "$msg" ]
	check "--format json: nothing but the document on stdout, no kernel line in it" \
		"$(head -c 100 "$f")" eval '[ "$(head -c 1 "$f")" = "{" ] && ! grep -q "kernel part:" "$f"'

	"$WINE" "$K64" --format json -t "$T_MAIN" >"$f.t" 2>/dev/null
	rc=$?
	msg=$(check_doc "$f.t" threads_shown=1 user_chain=c,b,a,main)
	check "--format json -t TID: that thread alone" "rc=$rc: $msg" \
		eval '[ $rc = 1 ] && [ -z "$msg" ] && grep -q "\"tid\": $T_MAIN," "$f.t"'

	# the twins: 3 more threads asleep at the same place
	if ! start_target "$out/twins.log" twins; then
		fail "twins target" "did not start"
		return
	fi
	"$WINE" "$K64" --format json "$T_PID" >"$f.flat" 2>/dev/null
	"$WINE" "$K64" --format json --group "$T_PID" >"$g" 2>"$g.err"
	rc=$?
	msg=$(check_doc "$g" threads_walked=6 threads_shown=6 group_threads=3)
	check "--format json --group: valid by the schema, counts add up, the 3 twins first" \
		"rc=$rc: $msg $(head -c 200 "$g")" eval '[ $rc = 1 ] && [ -z "$msg" ]'
	msg=$(python3 "$here/json_check.py" groups "$g" "$f.flat" 2>&1 | tail -n 1)
	check "--format json --group: a group per stack, as many threads as have it" "$msg" \
		[ -z "$msg" ]

	"$WINE" "$K64" --group "$T_PID" 2>/dev/null | tr -d '\r' >"$gt"
	rc=${PIPESTATUS[0]}
	n=$(grep -c '^== ' "$gt")
	check "--group: exit 1, a block per group, the 3 twins first with their frames" \
		"rc=$rc: $(head -n 4 "$gt" | tr '\n' '|')" \
		eval '[ $rc = 1 ] && grep -q "^process $T_PID (target.exe): 6 threads" "$gt" &&
			[ "$(grep -m1 "^== " "$gt" | cut -d" " -f2,3)" = "3 threads" ] &&
			awk "/^== /{b++} b==1" "$gt" | grep -q " : target!twin+0x" &&
			grep -q "^-- 6 threads walked, 6 shown in $n groups$" "$gt"'
	check "--group: the groups' threads add up to the process's" "$(grep '^== ' "$gt" | tr '\n' '|')" \
		eval '[ "$(grep "^== " "$gt" | awk "{s += \$2} END {print s}")" = 6 ]'
	kill "$T_UNIX" 2>/dev/null
	read -r T_LOG T_PID T_MAIN T_WORKER T_COUNTER T_UNIX T_DESCRIBED <<<"$saved"

	# usage errors, as the other options' (exit 64, one "kstack: " line)
	for bad in "--format xml 5" "--format 5" "--group=kernel 5" "--deadlocks --format json 5" \
		"status --group"; do
		# shellcheck disable=SC2086
		run_k "$out/bad.txt" $bad
		check "bad arguments '$bad' -> usage error (exit 64) with a message" \
			"rc=$rc: $(head -1 "$out/bad.txt")" \
			eval '[ $rc = 64 ] && grep -q "^kstack: " "$out/bad.txt"'
	done
	run_k "$out/help.txt" --help
	check "--help documents --format and --group" "" \
		eval 'grep -q -- "--format FMT" "$out/help.txt" && grep -q -- "--group " "$out/help.txt"'
}
