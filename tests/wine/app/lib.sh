# shellcheck shell=bash
# Helpers for tests/wine/app/run.sh: a private Wine prefix and the target.

# The prefix and Wine's environment come from the shared helpers
# (tests/wine/lib/wineenv.sh: wine_env_init, wine_prefix_ensure, wine_sc).
WINEENV_SH=$top/tests/wine/lib/wineenv.sh
. "$WINEENV_SH"

# app_wine_setup DIR: a fresh prefix in DIR (never ~/.wine).
app_wine_setup() {
	wine_env_init "$1"
	wine_session_end
	rm -rf "$WINEPREFIX"
	wine_prefix_ensure
}

app_wine_stop() {
	wine_session_end
}

# pe_is FILE FORMAT: FILE is a PE of that objdump format, console subsystem.
pe_is() {
	x86_64-w64-mingw32-objdump -f "$1" 2>/dev/null | grep -q "file format $2" &&
		x86_64-w64-mingw32-objdump -p "$1" 2>/dev/null | grep -q 'Subsystem.*(Windows CUI)'
}

# ready_line LOG SECONDS: prints the first "ready ..." line a test program
# wrote to LOG, waiting for it up to SECONDS; fails if none came.
ready_line() {
	local i line
	for i in $(seq $(($2 * 10))); do
		line=$(grep -m1 '^ready ' "$1" 2>/dev/null)
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.1
	done
	return 1
}

# start_target LOG [churn]: starts target.exe in the background (it ends
# itself after 900 s: a loaded machine runs 100 walks in 200 s); sets
# T_LOG, T_UNIX (its unix pid), and T_PID, T_MAIN, T_WORKER, T_COUNTER,
# T_DESCRIBED (1: the worker's hostile thread description is set) from its
# "ready" line.
start_target() {
	local log=$1 line
	T_LOG=$log
	"$WINE" "$out/target.exe" 900 ${2:+"$2"} >"$log" 2>&1 &
	T_UNIX=$!
	line=$(ready_line "$log" 10) || return 1
	T_PID=$(echo "$line" | sed 's/.* pid=\([0-9]*\).*/\1/')
	T_MAIN=$(echo "$line" | sed 's/.* main_tid=\([0-9]*\).*/\1/')
	T_WORKER=$(echo "$line" | sed 's/.* worker_tid=\([0-9]*\).*/\1/')
	T_COUNTER=$(echo "$line" | sed 's/.* counter_tid=\([0-9]*\).*/\1/')
	T_DESCRIBED=$(echo "$line" | sed -n 's/.* described=\([01]\).*/\1/p')
	# let the progress lines start
	sleep 0.3
}

# progress KEY: the target's latest value of c=, counter= or worker=.
progress() {
	grep '^progress ' "$T_LOG" | tail -n 1 | sed "s/.* $1=\([0-9]*\).*/\1/"
}

# signal_worker: wakes the worker thread once (its worker= count grows).
signal_worker() {
	"$WINE" "$out/target.exe" --signal "$T_PID"
}

# thread_block FILE TID: the lines of one thread's section of kstack output.
thread_block() {
	awk -v tid="$2" '/^thread /{ on = ($2 == tid ":") ; next } /^[^ ]/{ on = 0 } on' "$1"
}

# in_order FILE PATTERN...: each pattern matches a line after the previous one.
in_order() {
	local f=$1 last=0 n; shift
	for p in "$@"; do
		n=$(grep -n -m1 -- "$p" "$f" | cut -d: -f1)
		[ -n "$n" ] && [ "$n" -gt "$last" ] || return 1
		last=$n
	done
}

# all_running: every thread of the target makes progress (none is left
# suspended): c= (main thread) and counter= grow, and the worker wakes up.
all_running() {
	local c0 n0 w0 i
	c0=$(progress c); n0=$(progress counter); w0=$(progress worker)
	signal_worker || return 1
	# Up to 10 s: the machine may be busy; done as soon as all three moved.
	for i in $(seq 100); do
		sleep 0.1
		[ "$(progress c)" -gt "$c0" ] && [ "$(progress counter)" -gt "$n0" ] &&
			[ "$(progress worker)" -gt "$w0" ] && return 0
	done
	echo "stuck: c $c0 -> $(progress c), counter $n0 -> $(progress counter)," \
		"worker $w0 -> $(progress worker)" >&2
	return 1
}
