# kstack top-level build. Every target that needs packages first runs
# scripts/install-deps.sh (a no-op when everything is installed).
#
#   make            Linux driver (kstack.ko) + user-space library and CLI
#   make check      all tests: unit (host), VM (driver, walker), stress (VM), Wine (Windows)
#   make stress     the VM under exit races, load and bad buffers (part of check)
#   make scale      --all past SNAPSHOT's bound: 66,000 threads in a 4G VM (80-90 s; not in check)
#   make demo       boot the VM and show kernel stacks of busy processes
#   make bench      benchmark in the VM (snapshot vs /proc)
#   make windows    KStack.sys and kstack.exe for x64 and x86 (mingw-w64)
#   make install    the tool and its man page (PREFIX=/usr/local, DESTDIR=)
#   make uninstall  remove what `make install` put there
#   make install-module  kstack.ko into /lib/modules/KVER/updates/ + udev rule
#   make dkms-tarball    build/kstack-dkms-VERSION.tar.gz (`dkms ldtarball`)
#   make deb        Debian packages kstack and kstack-dkms in build/deb/

# Build for the running kernel when its headers are installed; otherwise
# (as on our CI hosts, which run a kernel we cannot load modules into) for
# the newest installed headers: Debian's linux-headers-amd64, the kernel the
# test VM boots. KDIR= or KVER= override.
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; else \
	ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build
export KVER KDIR

# One version for the tool, the module (MODULE_VERSION), dkms.conf and
# debian/changelog; tests/pkg checks that they agree.
VERSION := 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= /lib/udev/rules.d

.PHONY: all deps module tools windows check stress scale demo bench clean install uninstall \
	install-module uninstall-module dkms-source dkms-tarball deb

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

scale: deps
	SUITES=scale tests/run-all.sh

demo: deps module tools
	tests/vm/demo.sh

bench: deps module tools
	bench/run.sh

install: tools
	install -D -m 0755 build/bin/kstack $(DESTDIR)$(BINDIR)/kstack
	install -D -m 0644 doc/kstack.1 $(DESTDIR)$(MANDIR)/man1/kstack.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kstack $(DESTDIR)$(MANDIR)/man1/kstack.1

# Where Debian's kernel packages leave room for out-of-tree modules: updates/
# wins over kernel/ in depmod's search order. depmod is left to the packager
# when DESTDIR is set.
install-module: module
	install -D -m 0644 driver/linux/kstack.ko $(DESTDIR)/lib/modules/$(KVER)/updates/kstack.ko
	install -D -m 0644 driver/linux/60-kstack.rules $(DESTDIR)$(UDEVRULESDIR)/60-kstack.rules
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

uninstall-module:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/kstack.ko $(DESTDIR)$(UDEVRULESDIR)/60-kstack.rules
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

# The module's source as DKMS wants it (dkms.conf at the top, paths as in
# this tree): everything driver/linux's Kbuild compiles, nothing else.
DKMS_FILES := dkms.conf driver/linux/Kbuild driver/linux/Makefile \
	$(filter-out %.mod.c,$(wildcard driver/linux/*.c)) $(wildcard driver/linux/*.h) \
	$(wildcard include/kstack/*.h) $(wildcard walk/*.c walk/*.h)
dkms-source:
	@[ -n "$(DKMS_DEST)" ] || { echo "dkms-source: set DKMS_DEST=DIR" >&2; exit 1; }
	mkdir -p $(DKMS_DEST)
	tar -cf - $(DKMS_FILES) | tar -C $(DKMS_DEST) -xf -

# The layout `dkms mktarball --source-only` writes and `dkms ldtarball`
# reads: dkms_source_tree/ holds the source with its dkms.conf.
dkms-tarball:
	rm -rf build/dkms-tarball
	$(MAKE) -s dkms-source DKMS_DEST=build/dkms-tarball/dkms_source_tree
	tar -C build/dkms-tarball -czf build/kstack-dkms-$(VERSION).tar.gz dkms_source_tree
	@echo "build/kstack-dkms-$(VERSION).tar.gz: dkms ldtarball it, then dkms build/install kstack/$(VERSION)"

# dpkg-buildpackage in a copy under build/deb (this tree stays clean; the
# .debs land in build/deb/). The copy is the files git knows plus new ones
# not ignored, or, outside git, the tree without build products.
deb:
	rm -rf build/deb
	mkdir -p build/deb/kstack-$(VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
			tar --null -T - -cf - | tar -C build/deb/kstack-$(VERSION) -xf -; \
	else \
		tar --exclude=./build --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
			-cf - . | tar -C build/deb/kstack-$(VERSION) -xf -; \
	fi
	cd build/deb/kstack-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls build/deb/*.deb

clean:
	rm -rf build
	@for d in driver/linux driver/windows lib cli win; do \
		if [ -f $$d/Makefile ] || [ -f $$d/GNUmakefile ]; then \
			$(MAKE) -C $$d clean; fi; \
	done
