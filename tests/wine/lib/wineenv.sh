# shellcheck shell=sh
# Wine helpers for the kstack tests: a private prefix under build/, kernel
# driver services, and DbgPrint capture. Source this file, then call
# wine_env_init once. Stable interface (tests/wine/driver and tests/wine/app
# both use it):
#
#   wine_env_init [PREFIX]      export WINEPREFIX (default build/wine/prefix,
#                               or $KSTACK_WINEPREFIX), WINELOADER, quiet
#                               WINEDEBUG, no dialogs; sets $WINE (the loader)
#   wine_prefix_ensure          create the prefix if it is not there yet
#                               (wineboot -i, then wineserver -w); returns 1
#                               and prints why on failure
#   wine_session_start LOG      stop any wineserver of this prefix, then
#                               start a fresh one whose services (and so every
#                               driver's winedevice.exe) write Wine's debug
#                               output, DbgPrint included, to LOG
#   wine_session_end            stop the wineserver (and all its processes)
#   wine_run PROG [ARGS...]     run a Windows program (unix or C:\ path),
#                               returns its exit code
#   wine_winpath UNIXPATH       print the Windows path of a unix path
#   wine_driver_install NAME SYS  copy SYS to system32\drivers\NAME.sys and
#                               create a demand-start kernel service NAME
#   wine_driver_start NAME      sc start NAME (runs DriverEntry)
#   wine_driver_stop NAME       sc stop NAME (runs DriverUnload)
#   wine_driver_delete NAME     stop (if running) and delete the service
#   wine_sc ARGS...             run sc.exe with ARGS, output on stdout
#
# All functions print Wine's own noise to $WINE_LOG_NOISE (default
# /dev/null), never to stdout, so callers can parse stdout.

wine_env_init() {
	_wine_top=$(cd "$(dirname "${WINEENV_SH:-$0}")" && git rev-parse --show-toplevel 2>/dev/null)
	[ -n "$_wine_top" ] || _wine_top=$(pwd)
	WINEPREFIX=${1:-${KSTACK_WINEPREFIX:-$_wine_top/build/wine/prefix}}
	# Debian's wine64 ships the 64-bit loader here, not on PATH.
	WINE=/usr/lib/wine/wine64
	[ -x "$WINE" ] || WINE=$(command -v wine64 || command -v wine)
	WINELOADER=$WINE
	WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver)
	# No Mono/Gecko install dialogs, no X display needed.
	WINEDLLOVERRIDES="mscoree,mshtml="
	DISPLAY=
	WINEDEBUG=${WINEDEBUG:--all}
	WINE_LOG_NOISE=${WINE_LOG_NOISE:-/dev/null}
	export WINEPREFIX WINE WINELOADER WINESERVER WINEDLLOVERRIDES DISPLAY WINEDEBUG
}

wine_prefix_ensure() {
	if [ -f "$WINEPREFIX/system.reg" ] &&
		[ -d "$WINEPREFIX/drive_c/windows/system32/drivers" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$WINEPREFIX")"
	WINEDEBUG=-all "$WINE" wineboot -i >>"$WINE_LOG_NOISE" 2>&1
	# Without this wait the first `sc start` fails (1077/1060): the
	# registry is only complete once wineboot's server has gone idle.
	"$WINESERVER" -w
	if [ ! -f "$WINEPREFIX/system.reg" ]; then
		echo "wineenv: could not create prefix $WINEPREFIX" >&2
		return 1
	fi
}

wine_session_end() {
	"$WINESERVER" -k >/dev/null 2>&1
	"$WINESERVER" -w >/dev/null 2>&1
	return 0
}

wine_session_start() {
	wine_session_end
	# The first process of a session starts services.exe, which inherits
	# this stderr; winedevice.exe (the driver host) inherits it from there.
	# Run it in the background and wait for it so its stderr stays open.
	WINEDEBUG=${WINE_SESSION_DEBUG:-err-all,fixme-all,+debugstr} \
		"$WINE" sc query KStackNoSuchService >/dev/null 2>>"$1"
	return 0
}

wine_run() {
	"$WINE" "$@"
}

wine_winpath() {
	"$WINE" winepath -w "$1" 2>>"$WINE_LOG_NOISE"
}

wine_sc() {
	"$WINE" sc "$@" 2>>"$WINE_LOG_NOISE"
}

wine_driver_install() {
	_wine_drv="$WINEPREFIX/drive_c/windows/system32/drivers/$1.sys"
	cp "$2" "$_wine_drv" || return 1
	wine_sc create "$1" type= kernel start= demand \
		binPath= "C:\\windows\\system32\\drivers\\$1.sys" >/dev/null
}

wine_driver_start() {
	wine_sc start "$1" >/dev/null
}

# A service still START_PENDING refuses controls (1061) for a moment after
# sc start returns, most often on a loaded host: retry for up to ~5 s, and
# show what sc said if it never worked.
wine_driver_stop() {
	local try out
	for try in 1 2 3 4 5 6 7 8 9 10; do
		out=$(wine_sc stop "$1" 2>&1) && return 0
		sleep 0.5
	done
	echo "# sc stop $1: $out"
	return 1
}

wine_driver_delete() {
	wine_sc stop "$1" >/dev/null 2>&1
	wine_sc delete "$1" >/dev/null
	rm -f "$WINEPREFIX/drive_c/windows/system32/drivers/$1.sys"
}
