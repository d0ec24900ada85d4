#!/bin/sh
# Host side of the guest's emit_check (guest-lib.sh): each file the guest
# handed over (base64 on the console) is decoded and read back by
# tests/unit/tools/check_report.py; PASS/FAIL/SKIP lines as the suites print.
#   host-checks.sh CONSOLE_TXT OUT_DIR
console=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
checker="$here/../unit/tools/check_report.py"
mkdir -p "$dir"
grep '^KSTACK-CHECK ' "$console" | while read -r _ kind name args; do
	file="$dir/$name"
	sed -n "/^KSTACK-FILE-BEGIN $name\$/,/^KSTACK-FILE-END\$/p" "$console" | sed '1d;$d' |
		base64 -d >"$file" 2>/dev/null
	# shellcheck disable=SC2086
	err=$(python3 "$checker" "$kind" "$file" $args 2>&1)
	case $? in
	0) echo "PASS: vm: triage: $name read back ($kind${args:+, $args})" ;;
	77) echo "SKIP: vm: triage: $name: $err" ;;
	*) echo "FAIL: vm: triage: $name read back ($kind): $(echo "$err" | tail -n 2 | tr '\n' ' ')" ;;
	esac
done
