/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A process's memory mappings, from the driver's USER_MAPS (the files'
 * mappings, the kernel-named ones, anonymous code and the anonymous ones
 * holding the threads' sps: what a walker needs, unformatted) or from /proc/PID/maps
 * (format: fs/proc/task_mmu.c show_map_vma(), "start-end perms offset
 * major:minor inode path", unchanged since v2.6), read once per process
 * (or address space: user_mm.h); used to bound the user-stack copies
 * (user_stack.h) and to report the mapped ELF files to libdwfl
 * (user_unwind.h).
 */
#ifndef KSTACK_PROC_MAPS_H
#define KSTACK_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdriver.h"
#include "ks_error.h"

struct ks_map {
	uint64_t start, end;	/* [start, end), bytes */
	uint64_t offset;	/* file offset of start */
	uint64_t ino;
	uint32_t dev_major, dev_minor;
	bool readable, exec;
	bool deleted;		/* path ended in " (deleted)" (stripped from path) */
	const char *path;	/* "" for anonymous, "[stack]", "[vdso]", "/usr/lib/..." */
};

struct ks_maps {
	struct ks_map *v;	/* sorted by start, as the kernel lists them */
	size_t n;
	char *text;		/* the file's text; paths point into it */
};

/* Read /proc/PID/maps (proc: NULL for "/proc"). ESRCH when pid is gone. */
struct ks_error *ks_maps_read(struct ks_maps *m, const char *proc, uint64_t pid);

/*
 * The driver's USER_MAPS of pid (KSTACK_CAP_USER_MAPS): the anonymous
 * mappings only where they hold one of addrs[0..n) (n at most
 * KSTACK_USER_MAPS_ADDRS_MAX). ESRCH: pid gone, or without an address
 * space (a zombie leader); EPERM: not the caller's to read; EPROTO: an
 * answer that does not add up.
 */
struct ks_error *ks_maps_read_driver(struct ks_maps *m, struct ks_driver *drv, uint64_t pid,
				     const uint64_t *addrs, size_t n);

/* Parse maps text (taken over: freed by ks_maps_fini). EPROTO on a bad line. */
struct ks_error *ks_maps_parse(struct ks_maps *m, char *text);

/* The mapping holding addr, or NULL. */
const struct ks_map *ks_maps_find(const struct ks_maps *m, uint64_t addr);

void ks_maps_fini(struct ks_maps *m);

#endif
