# shellcheck shell=bash
# Tests that need KStack.sys (built by driver/windows); sourced by run.sh.
driver_tests() {
	:
}
