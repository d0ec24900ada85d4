/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The capture pipeline: how kstack takes threads, written once for every
 * caller (the listing, -S, --raw, --verify, each report, --sample).
 *
 * What it owns:
 * - the targets' SNAPSHOTs: of the system, of a process, of a thread's
 *   process (that thread alone handed on); past one SNAPSHOT's bound
 *   (the system's E2BIG), one of each process /proc lists instead, and a
 *   process itself past the bound thread by thread, if asked;
 * - the passes over a SNAPSHOT's records: first each kernel stack is
 *   noted (interned in the caller's pool, capture.h: a new one's
 *   addresses queued for naming), then one batch of SYMBOLIZE calls names
 *   them all (symcache.h), then the records are handed on in order, each
 *   process's user half (user_half.h: stack copies, walks, the threads that
 *   ran meanwhile taken again) taken as its records come and dropped once
 *   they are handed on: one process's user state at a time;
 * - the threads on a CPU (opts.catch_running): taken where they run,
 *   once per SNAPSHOT before its passes (catch.h: each record replaced by
 *   CATCH_RUNNING's; with a user half, runnable threads too), the one
 *   place they are caught (the user half catches the threads its retake
 *   finds ran, user_half.h); a caught thread is handed on as its record,
 *   with t->caught; one not caught as KS_PIPE_RUNNING;
 * - the threads taken again on their own, by our walker in a quiet moment
 *   of their own (session.h): one that ran through its capture, a RAW
 *   record the first pass could not walk, a record cut at its bound where
 *   the frame limit allows more;
 * - thread-by-thread takes (KS_PIPE_THREADS): our walk, or with --raw the
 *   stack's bytes and the kernel's own frames from the same moment.
 * Which path the threads take is one value (enum ks_pipe_path) that the
 * caller resolves once, from its options and the driver's capabilities.
 *
 * What it does not own: printing, counting, and what a gone, refused or
 * too large target means. Its callbacks do: each thread goes to
 * ops->thread whole (kernel half named, user half walked, or why not),
 * each process to ops->process before its threads, each target's outcome
 * to ops->target after them.
 *
 * Units: frame counts, user stack bytes; thread and process ids are the
 * caller's pid namespace's (the driver's). Errors are values (ks_error.h,
 * NULL: done): a target's own refusals (no such process, not the
 * caller's, past the bound) go to ops->target; any other error of the
 * driver, no memory, a malformed record, or an error a callback returns
 * ends the run and is returned.
 */
#ifndef KSTACK_PIPELINE_H
#define KSTACK_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "session.h"
#include "snapshot.h"
#include "symcache.h"
#include "threads.h"
#include "user_half.h"

/* Where the kernel half of every thread comes from. */
enum ks_pipe_path {
	KS_PIPE_FRAMES,		/* SNAPSHOT FRAMES records with tails: the driver's walk */
	KS_PIPE_RAW,		/* an older driver: SNAPSHOT RAW records walked here */
	KS_PIPE_THREADS,	/* thread by thread, each in a quiet moment of its own */
};

/* What a thread-by-thread take (KS_PIPE_THREADS) keeps. */
enum ks_pipe_take {
	KS_PIPE_TAKE_WALK,	/* our walk */
	KS_PIPE_TAKE_RAW,	/* and the stack's bytes and the kernel's own frames (--raw) */
	KS_PIPE_TAKE_NONE,	/* the thread's ids alone: the callback takes it (--verify) */
};

struct ks_pipe_opts {
	enum ks_pipe_path path;
	enum ks_pipe_take take;
	/* frames per half (0: KS_WALK_DEFAULT_MAX); a record holds KSTACK_FRAMES_MAX at most */
	uint32_t max_frames;
	/* a record cut at its bound is walked again here when max_frames allows more */
	bool retake_cut;
	/* a thread that ran through its capture is taken again on its own (not while sampling) */
	bool retake_ran;
	/*
	 * A thread on a CPU is taken where it runs (KS_PIPE_FRAMES, a driver
	 * with CATCH_RUNNING: catch.h), once its SNAPSHOT has taken the
	 * sleeping ones; with a user half, the runnable ones too. Else it is
	 * handed on KS_PIPE_RUNNING.
	 */
	bool catch_running;
	bool user;			/* each thread's user half too (KS_PIPE_FRAMES only) */
	bool user_only;			/* the kernel half is not shown: never taken again for it */
	size_t user_stack_bytes;	/* per thread (0: KS_USER_STACK_BYTES_DEFAULT) */
	bool verify_user;		/* libdwfl walks each user stack too (user_unwind.h) */
	/*
	 * With user: the user half of the threads this accepts alone (NULL:
	 * every thread's), asked once per record in record order, with its
	 * user registers: one futex waiter of each futex word, whose frames
	 * tell which lock they all wait for (waitfor.h), where no user half
	 * is shown.
	 */
	bool (*user_want)(void *arg, const struct kstack_snap_thread *r,
			  const struct kstack_user_regs *regs);
	void *user_want_arg;
	/*
	 * A process of /proc itself past one SNAPSHOT's bound: its threads
	 * taken one by one (our walk, the kernel half alone), after its
	 * outcome (E2BIG, nthreads) went to ops->target; else the outcome alone.
	 */
	bool bound_threads;
};

/* How a thread handed on was taken. */
enum ks_pipe_kind {
	KS_PIPE_RECORD,		/* its SNAPSHOT record (the user half's retake of it, if any) */
	KS_PIPE_RUNNING,	/* its record: on a CPU, no saved stack (caught says why, if asked) */
	KS_PIPE_ALONE,		/* walked on its own (ctx: that moment) */
	KS_PIPE_FAILED,		/* to be walked on its own, which failed: err */
	KS_PIPE_IDS,		/* KS_PIPE_TAKE_NONE: its ids alone */
};

/* KS_PIPE_TAKE_RAW: what --raw prints besides the walk, all of ctx's moment. */
struct ks_pipe_raw {
	uint8_t *stack;			/* the saved stack, [ctx.sp, top) */
	size_t len;
	/* the kernel's own unwind (STACK): st.nr_frames of them in kernel[] */
	struct kstack_stack st;
	uint64_t kernel[KSTACK_FRAMES_MAX];
	/* the return addresses the walk used in place of the stack's (tracing) */
	struct kstack_ret_fixup *fixups;
	size_t nr_fixups;
};

/* One thread, whole: what ops->thread gets (valid during the call). */
struct ks_pipe_thread {
	enum ks_pipe_kind kind;
	uint64_t tid, tgid;
	char comm[KSTACK_COMM_LEN];	/* raw, NUL-ended */
	uint32_t state;			/* task __state */
	uint64_t nvcsw, nivcsw;		/* context switches when its kernel half was taken */
	/*
	 * RECORD, RUNNING: its record's CATCH_RUNNING part (catch.h), NULL:
	 * none. RECORD with ks_catch_caught(): taken on CPU caught->cpu at
	 * caught->ip (an on-CPU sample); RUNNING: kstack's own thread
	 * (KSTACK_CATCH_SELF), or not caught (KSTACK_CATCH_MISSED: ->missed).
	 */
	const struct kstack_snap_catch *caught;
	/* RECORD, RUNNING: the record; ALONE, FAILED: the record that sent it there (NULL: none) */
	const struct kstack_snap_thread *rec;
	/* RECORD, ALONE: the kernel half, interned and named (NULL: no frames) */
	const struct ks_cap_stack *kstack;
	struct ks_walk_result end;	/* RECORD, ALONE: how it ended (end.frames NULL) */
	bool ran;			/* RECORD: ran through its capture, not taken again: cut */
	struct kstack_thread_context ctx;	/* ALONE: the moment of its walk */
	/* FAILED: why (EBUSY on a CPU, ESRCH gone, EAGAIN kept running, ...) */
	const struct ks_error *err;
	const struct ks_pipe_raw *raw;	/* ALONE with KS_PIPE_TAKE_RAW */
	/* The user half (opts.user): NULL ut, none (a kernel thread, running, no registers) */
	const struct ks_user_thread *ut;
	const struct ks_user_walk *uw;	/* NULL: not walked (hp->err says why) */
	const struct ks_user_half_proc *hp;
};

/* A process whose records come next. */
struct ks_pipe_proc {
	uint64_t tgid;
	const struct ks_user_half_proc *hp;	/* its user half (NULL: none taken) */
	/* records of its SNAPSHOT from its first on: room a caller may make at once */
	size_t left;
};

/* What was asked for: one of ks_pipe_run()'s targets. */
enum ks_pipe_scope {
	KS_PIPE_SYSTEM,		/* --all */
	KS_PIPE_PROCESS,	/* a named process */
	KS_PIPE_LISTED,		/* --all past the bound: a process of /proc */
	KS_PIPE_THREAD,		/* a named thread */
};

/* A target's outcome, after its threads were handed on (valid during the call). */
struct ks_pipe_target {
	enum ks_pipe_scope scope;
	uint64_t id;		/* its process or thread id; 0: the system */
	/*
	 * Its SNAPSHOT's refusal, NULL: taken. ESRCH: no such process; EPERM:
	 * not the caller's; E2BIG: past the bound (SYSTEM: each process of
	 * /proc follows, LISTED: see opts.bound_threads).
	 */
	const struct ks_error *err;
	bool refused;		/* THREAD: not the caller's (its process's SNAPSHOT, or itself) */
	bool found;		/* a thread of it was handed on */
	uint32_t skipped;	/* threads that exited before their turn (found none: a zombie) */
	uint32_t denied;	/* threads its SNAPSHOT left out: not the caller's */
	bool leader_gone;	/* PROCESS: its group leader has exited, other threads run */
	size_t nthreads;	/* LISTED past the bound with bound_threads: threads to take */
};

typedef struct ks_error *ks_pipe_thread_fn(void *ctx, const struct ks_pipe_thread *t);
typedef struct ks_error *ks_pipe_process_fn(void *ctx, const struct ks_pipe_proc *pp);
typedef struct ks_error *ks_pipe_target_fn(void *ctx, const struct ks_pipe_target *tg);

struct ks_pipe_ops {
	ks_pipe_thread_fn *thread;
	ks_pipe_process_fn *process;	/* NULL: none */
	ks_pipe_target_fn *target;	/* NULL: none */
	void *ctx;
};

/* The command line's targets. */
struct ks_pipe_targets {
	bool all;		/* every thread of the system */
	bool threads;		/* ids are thread ids (else process ids) */
	const uint64_t *ids;
	size_t nids;
};

struct ks_pipe_end;

struct ks_pipe {
	struct ks_session *s;
	struct ks_symcache *names;
	struct ks_cap_pool *pool;	/* the caller's: every kernel stack handed on lives there */
	struct ks_pipe_opts o;
	struct ks_pipe_ops ops;		/* the round's */
	struct ks_user_half user;	/* o.user */
	struct ks_snapshot snap;	/* the target's */
	/* per record of snap, from the first pass: its kernel stack; KS_PIPE_RAW: our walk's end */
	struct ks_cap_stack **stacks;
	struct ks_pipe_end *ends;
	size_t stacks_cap, ends_cap;
	/*
	 * The stack at each position of the last round (records come in the
	 * same order round after round): a sampling round tries it first.
	 */
	struct ks_cap_stack **hints;
	size_t nhints, hints_cap;
	size_t pos;			/* records handed on this round */
	uint64_t *ips;			/* a walk's frames as a pool key */
	uint8_t *flags;
	size_t ips_cap, flags_cap;
	struct ks_pipe_raw *raw;	/* KS_PIPE_TAKE_RAW */
	bool per_process;		/* this round: --all past one SNAPSHOT's bound */
};

/*
 * Set up for a run: s's driver open (its walker is set up when a thread
 * needs it), names of s, pool the caller's (it outlives every round).
 */
void ks_pipe_init(struct ks_pipe *p, struct ks_session *s, struct ks_symcache *names,
		  struct ks_cap_pool *pool, const struct ks_pipe_opts *o);

/*
 * What the path needs before anything is taken: our walker for
 * KS_PIPE_RAW and KS_PIPE_THREADS (its error: nothing can be walked).
 */
struct ks_error *ks_pipe_prepare(struct ks_pipe *p);

/*
 * One round (KS_PIPE_FRAMES, KS_PIPE_RAW): every thread of the targets to
 * ops (a round's own: a loop of rounds may hand each to other callbacks).
 */
struct ks_error *ks_pipe_run(struct ks_pipe *p, const struct ks_pipe_targets *tg,
			     const struct ks_pipe_ops *ops);

/*
 * These n threads of process pid (KS_PIPE_FRAMES, KS_PIPE_RAW), from one
 * SNAPSHOT of it: each handed on whole as -t hands a thread on (its user
 * half alone taken), then the process's outcome (scope KS_PIPE_PROCESS;
 * found: one of them was there). Many threads of one process cost one
 * SNAPSHOT, not one each (kstack --watch's first reports); n is kept
 * small by the caller (each record is looked for among the n).
 */
struct ks_error *ks_pipe_threads_of(struct ks_pipe *p, uint64_t pid, const uint64_t *tids,
				    size_t n, const struct ks_pipe_ops *ops);

/* KS_PIPE_THREADS: these threads, each taken on its own (opts.take), to ops. */
struct ks_error *ks_pipe_threads(struct ks_pipe *p, const struct ks_tid_list *l,
				 const struct ks_pipe_ops *ops);

/*
 * The caller's pool is about to be emptied (its stacks freed, a long
 * run's memory kept flat): forget the stacks the last round left at each
 * position, which the next round would try first.
 */
void ks_pipe_forget_stacks(struct ks_pipe *p);

/*
 * The end: the user half's unwinder too, whose names the user frames a
 * caller interned point at (read them before).
 */
void ks_pipe_fini(struct ks_pipe *p);

#endif
