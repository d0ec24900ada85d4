# kstack top-level build. Every target that needs packages first runs
# scripts/install-deps.sh (a no-op when everything is installed).
#
#   make            Linux driver (kstack.ko) + user-space library and CLI
#   make check      all tests: unit (host), VM (driver, walker), stress (VM), Wine (Windows)
#   make stress     the VM under exit races, load and bad buffers (part of check)
#   make demo       boot the VM and show kernel stacks of busy processes
#   make bench      benchmark in the VM (snapshot vs /proc)
#   make windows    KStack.sys and kstack.exe for x64 and x86 (mingw-w64)

# Build for the running kernel when its headers are installed; otherwise
# (as on our CI hosts, which run a kernel we cannot load modules into) for
# the newest installed headers: Debian's linux-headers-amd64, the kernel the
# test VM boots. KDIR= or KVER= override.
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; else \
	ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build
export KVER KDIR

.PHONY: all deps module tools windows check stress demo bench clean

all: deps module tools

deps:
	@scripts/install-deps.sh

module:
	$(MAKE) -C driver/linux KDIR=$(KDIR)

tools:
	@for d in lib cli; do \
		if [ -f $$d/Makefile ]; then $(MAKE) -C $$d || exit 1; fi; \
	done

# driver/windows has a GNUmakefile (its `makefile` is the WDK stub).
windows: deps
	@for d in driver/windows win; do \
		if [ -f $$d/Makefile ] || [ -f $$d/GNUmakefile ]; then \
			$(MAKE) -C $$d || exit 1; fi; \
	done

check: deps
	tests/run-all.sh

stress: deps
	SUITES=stress tests/run-all.sh

demo: deps module tools
	tests/vm/demo.sh

bench: deps module tools
	bench/run.sh

clean:
	rm -rf build
	@for d in driver/linux driver/windows lib cli win; do \
		if [ -f $$d/Makefile ] || [ -f $$d/GNUmakefile ]; then \
			$(MAKE) -C $$d clean; fi; \
	done
