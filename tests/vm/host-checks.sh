#!/bin/sh
# Host side of the guest's emit_check (guest-lib.sh): each file the guest
# handed over (base64 on the console) is decoded and read back by
# tests/unit/tools/check_report.py (pprof files also by go tool pprof), an
# example of the documents by tests/vm/doc_examples.py;
# PASS/FAIL/SKIP lines as the suites print.
#   host-checks.sh CONSOLE_TXT OUT_DIR
console=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
checker="$here/../unit/tools/check_report.py"
mkdir -p "$dir"

# Folded stacks rendered by flamegraph.pl itself, where it is installed
# (Debian 12 does not package it: then a SKIP, the grammar check stands).
flamegraph() {
	if ! command -v flamegraph.pl >/dev/null 2>&1; then
		echo "SKIP: vm: triage: $2 rendered by flamegraph.pl: not packaged in Debian 12"
	elif flamegraph.pl "$1" >"$1.svg" 2>"$1.err" && grep -q '<svg' "$1.svg"; then
		echo "PASS: vm: triage: $2 rendered by flamegraph.pl"
	else
		echo "FAIL: vm: triage: $2: flamegraph.pl: $(head -c 200 "$1.err")"
	fi
}
# A profile made by the real tool, loaded by pprof itself (go tool pprof:
# check_report.py gopprof, which skips where golang-go is missing).
gopprof() {
	# shellcheck disable=SC2086
	err=$(python3 "$checker" gopprof "$1" $3 2>&1)
	case $? in
	0) echo "PASS: vm: triage: $2 loaded by go tool pprof${3:+ ($3)}" ;;
	77) echo "SKIP: vm: triage: $2 loaded by go tool pprof: ${err#SKIP: }" ;;
	*) echo "FAIL: vm: triage: $2 loaded by go tool pprof: $(echo "$err" | tail -n 2 | tr '\n' ' ' | cut -c1-400)" ;;
	esac
}
grep '^KSTACK-CHECK ' "$console" | while read -r _ kind name args; do
	file="$dir/$name"
	sed -n "/^KSTACK-FILE-BEGIN $name\$/,/^KSTACK-FILE-END\$/p" "$console" | sed '1d;$d' |
		base64 -d >"$file" 2>/dev/null
	# the documents' examples (tests/vm/guest/46-examples.sh): as kstack prints them
	if [ "$kind" = example ]; then
		if err=$(python3 "$here/doc_examples.py" check "$name" "$file" 2>&1); then
			echo "PASS: vm: doc: example $name matches what kstack prints"
		else
			echo "FAIL: vm: doc: $(echo "$err" | head -n 1)"
			echo "$err" | sed 1d | head -n 40
		fi
		continue
	fi
	# --watch's textfile and JSON lines: promtool, node_exporter (watch_check.py)
	case $kind in
	prom|watchjson)
		# shellcheck disable=SC2086
		python3 "$here/watch_check.py" "$kind" "$file" $args
		continue ;;
	esac
	# shellcheck disable=SC2086
	err=$(python3 "$checker" "$kind" "$file" $args 2>&1)
	case $? in
	0) echo "PASS: vm: triage: $name read back ($kind${args:+, $args})"
	   [ "$kind" = folded ] && flamegraph "$file" "$name"
	   [ "$kind" = pprof ] && gopprof "$file" "$name" "$args" ;;
	77) echo "SKIP: vm: triage: $name: $err" ;;
	*) echo "FAIL: vm: triage: $name read back ($kind): $(echo "$err" | tail -n 2 | tr '\n' ' ')" ;;
	esac
done
