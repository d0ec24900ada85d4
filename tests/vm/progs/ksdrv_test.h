/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksdrv_test's parts: the helpers every part uses (ksdrv_test.c, which
 * also holds main and the list of subcommands) and one file a concern.
 * Each check prints "PASS: name" or "FAIL: name: why" (result()).
 */
#ifndef KSDRV_TEST_H
#define KSDRV_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kstack/kstack_ioctl.h"
#include "test_util.h"

/* ksdrv_test.c: results, the device, requests, threads to look at */
void result(int ok, const char *name, const char *fmt, ...);
/* expect ioctl to fail with errno want */
void expect_errno(int fd, unsigned long cmd, void *arg, int want, const char *name);
/* /dev/kstack, or exit(1) with a FAIL line */
int open_dev(void);
#define HDR(r) do { memset(&(r), 0, sizeof(r)); (r).hdr.size = sizeof(r); \
		(r).hdr.version = KSTACK_PROTO_VERSION; } while (0)
int read_mem(int fd, uint64_t addr, void *buf, uint32_t len, uint32_t *got);
pid_t gettid_(void);
/* thread bodies: store the thread's tid at arg, then sleep / spin forever */
void *sleeper(void *arg);
void *spinner(void *arg);
/* wait until /proc says the thread sleeps (state S); 0, or -1 after 2 s */
int wait_sleeping(pid_t tid);

/* ksdrv_device.c: VERSION and dispatch, THREAD_CONTEXT, READ_MEMORY, SYMBOLIZE, opens */
int cmd_basic(void);
int cmd_context(void);
int cmd_readmem(void);
int cmd_symbolize(void);
int cmd_perm(void);
int cmd_holdfd(const char *ready);

/* ksdrv_stack.c: STACK and SNAPSHOT frames vs /proc, stacks rewritten by tracing */
int cmd_stackcmp(const char *zoofile);
int cmd_fallback(const char *pidarg);
int cmd_traced(const char *tidarg, const char *label);

/* ksdrv_snapshot.c: SNAPSHOT frames and raw records, churn, pid namespaces */
int snap(int fd, uint64_t pid, uint32_t mode, void *buf, uint64_t size,
	 struct kstack_snapshot *s);
void snapshot_fast_vs_kernel(int fd, char *buf, size_t size, uint32_t max_frames,
			     const char *what);
int cmd_snapshot(const char *zoofile);
int cmd_churn(void);
int cmd_selfsnap(const char *label);

/* ksdrv_tail.c: SNAPSHOT records' tails */
int snap_tail(int fd, uint64_t pid, uint32_t mode, uint32_t max_frames, void *buf,
	      uint64_t size, struct kstack_snapshot *s);
const struct kstack_snap_tail *rec_tail(const struct kstack_snap_thread *r);
const char *tail_check(const struct kstack_snap_thread *r, uint32_t mode);
int cmd_tail(void);

/* ksdrv_modorc.c: MODULE_ORC */
int cmd_modorc(int argc, char **argv);

#endif
