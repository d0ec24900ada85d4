/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the in-VM security and stress programs (kssec_test, ksstress):
 * PASS/FAIL/SKIP lines, request setup, a few ioctl wrappers, and buffers
 * that end right before an unmapped page or sit on a read-only page (as
 * strace's tests place them with tail_alloc).
 */
#ifndef KSTACK_TEST_UTIL_H
#define KSTACK_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kstack/kstack_ioctl.h"

/* FAILs so far; one definition in each program that calls tu_result() */
extern int tu_failures;

static inline void tu_result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s\n", name);
		return;
	}
	tu_failures++;
	printf("FAIL: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline void tu_skip(const char *name, const char *why)
{
	printf("SKIP: %s: %s\n", name, why);
}

#define TU_HDR(r) do { memset(&(r), 0, sizeof(r)); (r).hdr.size = sizeof(r); \
		(r).hdr.version = KSTACK_PROTO_VERSION; } while (0)

static inline int tu_open(void)
{
	return open(KSTACK_DEVICE_LINUX, O_RDONLY | O_CLOEXEC);
}

static inline pid_t tu_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline int tu_read_mem(int fd, uint64_t addr, void *buf, uint32_t len)
{
	struct kstack_read_memory r;

	TU_HDR(r);
	r.address = addr;
	r.buffer = (uintptr_t)buf;
	r.length = len;
	return ioctl(fd, KSTACK_IOCTL_READ_MEMORY, &r);
}

static inline int tu_context(int fd, uint64_t tid, struct kstack_thread_context *c)
{
	TU_HDR(*c);
	c->tid = tid;
	return ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, c);
}

static inline int tu_stack(int fd, uint64_t tid, uint64_t *frames, uint32_t max,
			   struct kstack_stack *st)
{
	TU_HDR(*st);
	st->tid = tid;
	st->frames = (uintptr_t)frames;
	st->max_frames = max;
	return ioctl(fd, KSTACK_IOCTL_STACK, st);
}

static inline int tu_snap(int fd, uint64_t pid, uint32_t mode, void *buf, uint64_t size,
			  struct kstack_snapshot *s)
{
	TU_HDR(*s);
	s->pid = pid;
	s->mode = mode;
	s->max_frames = KSTACK_FRAMES_MAX;
	s->buffer = (uintptr_t)buf;
	s->buffer_size = size;
	return ioctl(fd, KSTACK_IOCTL_SNAPSHOT, s);
}

static inline int tu_symbolize(int fd, const uint64_t *addrs, uint32_t n, void *names)
{
	struct kstack_symbolize r;

	TU_HDR(r);
	r.addrs = (uintptr_t)addrs;
	r.names = (uintptr_t)names;
	r.nr = n;
	return ioctl(fd, KSTACK_IOCTL_SYMBOLIZE, &r);
}

/* CATCH_RUNNING of tid into rec (cap bytes); stack_bytes of its user stack. */
static inline int tu_catch(int fd, uint64_t tid, void *rec, uint32_t cap, uint32_t max_frames,
			   uint32_t stack_bytes, struct kstack_catch_running *c)
{
	TU_HDR(*c);
	c->tid = tid;
	c->record = (uintptr_t)rec;
	c->record_size = cap;
	c->max_frames = max_frames;
	c->stack_bytes = stack_bytes;
	return ioctl(fd, KSTACK_IOCTL_CATCH_RUNNING, c);
}

/*
 * Records of a snapshot, checked: each whole, inside bytes_used, as many as
 * nr_threads. -1 if malformed, else the count; *found: the record of tid.
 */
static inline long tu_snap_records(const void *buf, const struct kstack_snapshot *s,
				   uint64_t tid, const struct kstack_snap_thread **found)
{
	const char *p = buf;
	uint64_t off = 0;
	long n = 0;

	*found = NULL;
	while (off < s->bytes_used) {
		const struct kstack_snap_thread *r = (const void *)(p + off);

		if (r->rec_size < sizeof(*r) || r->rec_size % 8 || off + r->rec_size > s->bytes_used)
			return -1;
		if (r->tid == tid)
			*found = r;
		off += r->rec_size;
		n++;
	}
	return n == (long)s->nr_threads ? n : -1;
}

/*
 * len bytes that end exactly at an unmapped page (inaccessible: 0) or that
 * sit on read-only pages (1). Freed with tu_edge_free(p, len).
 */
static inline void *tu_edge_alloc(size_t len, int read_only)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t span = (len + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	char *base = mmap(NULL, span + (size_t)pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	if (read_only) {
		munmap(base + span, (size_t)pg);
		mprotect(base, span, PROT_READ);
		return base;
	}
	munmap(base + span, (size_t)pg);
	return base + span - len;
}

static inline void tu_edge_free(void *p, size_t len, int read_only)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t span = (len + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	char *base = read_only ? p : (char *)p + len - span;

	munmap(base, span);
}

#endif
