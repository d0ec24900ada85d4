/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksstress's parts: what they share (ksstress.c, which also holds main),
 * the exit races (ksstress_races.c), clients and walks under load
 * (ksstress_load.c), bad user buffers (ksstress_badbuf.c) and running
 * threads taken where they run (ksstress_catch.c).
 */
#ifndef KSSTRESS_H
#define KSSTRESS_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include "test_util.h"

#define KADDR_MIN 0xffff800000000000ull	/* x86_64 kernel half */
#define RING 1024

/* Shared by the churners and walkers (one MAP_SHARED page set). */
struct shared {
	atomic_int stop;
	atomic_long threads, procs, execs, switches;
	atomic_int ring[RING];		/* recent tids of short-lived threads */
	atomic_uint ring_pos;
	atomic_int churn_pid, exec_pid, pingpong_pid, pong_tid;
	/* walkers' figures */
	atomic_long calls, ok, esrch, eagain, ebusy, eperm_gone, unexpected, wrong;
	atomic_long records, ran_flagged, running_flagged, caught;
	char why[256];			/* first unexpected/wrong result */
};

extern struct shared *sh;
/* this program's path, for the exec chains */
extern char prog[256];
/* the three SNAPSHOT modes the walkers go through in turn */
extern const uint32_t modes[3];

/* count a bad result in ctr; the first one's text is kept in sh->why */
void note_bad(atomic_long *ctr, const char *fmt, ...);
long now_ms(void);

int cmd_races(long threads, long procs);
int cmd_execchain(long n);
int cmd_clients(int n, int secs, int openers);
int cmd_walks(long n);
int cmd_badbuf(void);
int cmd_catch(long n);
/* A CATCH_RUNNING answer as a tool reads it: NULL if whole, else what is wrong. */
const char *catch_check(const struct kstack_catch_running *c, const uint8_t *rec,
			uint32_t max_frames, uint32_t stack_bytes);

#endif
