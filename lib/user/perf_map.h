/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of JIT code from a process's perf map, the convention perf,
 * bpftrace and BCC read: /tmp/perf-PID.map, one "START SIZE NAME" line per
 * piece of generated code (START and SIZE in hex, "0x" optional; NAME the
 * rest of the line), written by the runtime itself: node
 * --perf-basic-prof, the JVM's perf-map-agent, .NET with
 * DOTNET_PerfMapEnabled=1, CPython 3.12 -X perf. Runtimes only append: a
 * line may cover code an earlier line named (code freed, its memory
 * reused), and then the later line wins.
 *
 * The file is written by the target, so it is read as hostile input: found
 * as the target sees it (its mount namespace, its pid namespace's number
 * for it), only a regular file (not a symlink, a FIFO or a device) owned by
 * one of the target's uids or by root, at most KS_PERF_MAP_MAX_BYTES and
 * KS_PERF_MAP_MAX_SYMS lines, each name at most KS_PERF_MAP_NAME_MAX bytes;
 * names are raw bytes, to be escaped (escape.h) before they are printed.
 */
#ifndef KSTACK_PERF_MAP_H
#define KSTACK_PERF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_error.h"

/* Bounds on what a map may make us hold (a node run appends without end). */
#define KS_PERF_MAP_MAX_BYTES	(16u << 20)
#define KS_PERF_MAP_MAX_SYMS	(1u << 20)
#define KS_PERF_MAP_NAME_MAX	1024u	/* longer names are cut */

struct ks_perf_sym {
	uint64_t start, end;	/* [start, end) */
	uint32_t line;		/* its place among the file's entries: a later one wins */
	uint32_t name_len;
	const char *name;	/* raw bytes in the map's text, not NUL-ended */
};

/* What the map was read from: its file and the version of it read. */
struct ks_perf_map_stamp {
	uint64_t dev, ino, size, mtime_ns;
	bool valid;		/* the file was opened (and used, or refused: err_code) */
};

struct ks_perf_map {
	struct ks_perf_sym *v;	/* sorted by start, then line */
	size_t n;
	uint64_t *max_end;	/* max_end[i]: the greatest end of v[0..i] */
	char *text;		/* the file's bytes: names point into it */
	size_t skipped;		/* lines not of the form START SIZE NAME, or empty ranges */
	uint64_t nspid;		/* ks_perf_map_read(): the PID in the file's name */
	struct ks_perf_map_stamp stamp;
	int err_code;		/* ks_perf_map_read()'s error's code, 0: none */
};

/*
 * Parse len bytes of map text (taken over: freed by ks_perf_map_fini(),
 * also on error). Malformed lines are skipped and counted. Errors: ENOMEM,
 * E2BIG (more than KS_PERF_MAP_MAX_SYMS entries: the map is not used).
 */
struct ks_error *ks_perf_map_parse(struct ks_perf_map *m, char *text, size_t len);

/*
 * Read the perf map of process pid as it sees it:
 * PROC/PID/root/tmp/perf-NSPID.map, NSPID its own pid namespace's number
 * for itself (the last NStgid of PROC/PID/status), with the process's root
 * as "/" for every symlink on the way (openat2 RESOLVE_IN_ROOT; the file
 * itself is never a symlink). proc: NULL for "/proc". Errors: ENOENT (no
 * map: the usual case, nothing to say), EPERM (not a regular file, or not
 * owned by root or one of the process's uids), EFBIG (larger than
 * KS_PERF_MAP_MAX_BYTES), E2BIG, ESRCH, ENOMEM; the message names the file.
 */
struct ks_error *ks_perf_map_read(struct ks_perf_map *m, const char *proc, uint64_t pid);

/*
 * Would ks_perf_map_read() read m again as it is? The same file, of the
 * same size and mtime (runtimes append as they compile), or still none
 * (the same error): then m can be kept (a --sample round after round).
 */
bool ks_perf_map_unchanged(const struct ks_perf_map *m, const char *proc, uint64_t pid);

/* The entry covering addr (the last in the file of those that do), or NULL. */
const struct ks_perf_sym *ks_perf_map_find(const struct ks_perf_map *m, uint64_t addr);

void ks_perf_map_fini(struct ks_perf_map *m);

#endif
