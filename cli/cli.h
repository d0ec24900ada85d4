/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kstack CLI's shared pieces: the parsed command line (options.c), the
 * tally of what was shown and the one exit-status rule (tally.c), finding
 * threads through the driver (targets.c), the listing over the capture
 * pipeline (listing.c, lib/pipeline.h) and its per-thread callbacks:
 * show.c (print stacks, --raw) and verify_cmd.c (--verify).
 */
#ifndef KSTACK_CLI_H
#define KSTACK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"
#include "pipeline.h"
#include "session.h"
#include "snapshot.h"
#include "stack_text.h"
#include "symcache.h"
#include "threads.h"
#include "triage.h"

/* Exit codes (documented in --help) */
#define EXIT_ALL	0	/* every requested thread shown whole (--verify: agreement met) */
#define EXIT_PARTIAL	1	/* something shown, not all of it whole */
#define EXIT_NOTHING	2	/* nothing shown: setup failed or no thread */
#define EXIT_DEADLOCK	3	/* --deadlocks: a cycle found */
#define EXIT_USAGE	64	/* bad command line */

/* --verify passes when /proc agrees for at least this share of threads */
#define KS_PROC_AGREEMENT_MIN 0.99

/* What to do with the threads (one per run). */
enum cli_action {
	CLI_SHOW,	/* print stacks (default) */
	CLI_VERIFY,	/* --verify */
	CLI_RAW,	/* --raw */
	CLI_TABLES,	/* --tables: no threads */
	CLI_DEADLOCKS,	/* --deadlocks: cycles of the wait-for graph (deadlocks.c) */
	CLI_WATCH,	/* --watch: rounds until SIGINT/SIGTERM, stuck threads reported */
};

/* Which threads: the command line's ids name processes, threads, or nothing (--all). */
enum cli_target {
	CLI_PIDS,
	CLI_TIDS,	/* -t */
	CLI_ALL,	/* --all */
};

/* Which half of each stack (--kernel, --user; default both). */
enum cli_half {
	CLI_BOTH,
	CLI_KERNEL,
	CLI_USER,
};

/*
 * The command line, parsed once (options.c). A new option adds a field
 * here and a row to the option table; the run reads the field where it
 * matters.
 */
struct opts {
	enum cli_action action;
	enum cli_target target;
	uint64_t *ids;		/* PIDs or TIDs, as given, each once (the first time) */
	size_t nids;
	uint64_t *pids;		/* -p's, before the arguments join them */
	size_t npids;
	bool quiet;		/* --verify: mismatches and summary only */
	bool no_snapshot;	/* -S: thread by thread */
	uint32_t max_frames;	/* 0: the action's default */
	enum cli_half half;	/* --kernel, --user */
	size_t user_stack_bytes;	/* --user-stack-bytes (0: the default) */
	bool verify_user;	/* --verify-user: libdwfl walks each user stack too */
	bool no_demangle;		/* --no-demangle: user names as the files have them */
	bool verbose;		/* --verbose: every problem as it happens, whole tid lists */
	bool strict;		/* --strict: a user half without unwind information is partial */
	const char *device, *kallsyms;
	struct triage_opts triage;	/* --group, filters, --format, -o, --sample */
	struct watch_opts {		/* --watch (watch.c) */
		uint64_t stuck_ns;	/* --stuck */
		const char *textfile;	/* --textfile DIR; NULL: none */
		bool interval_given;	/* --interval (else KS_WATCH_INTERVAL_NS) */
		bool duration_given;	/* --duration: not with --watch */
		bool used;		/* --stuck or --textfile: need --watch */
	} watch;
};

#define KS_WATCH_STUCK_NS	30000000000ull	/* --stuck default: 30 s */
#define KS_WATCH_INTERVAL_NS	1000000000ull	/* --watch's --interval default: 1 s */

/* getopt values of long-only options outside triage's (triage.h: 0x100...) */
enum {
	KS_OPT_NO_DEMANGLE = 0x200,
	KS_OPT_DEADLOCKS,
	KS_OPT_STRICT,
	KS_OPT_WATCH = 0x220,
	KS_OPT_STUCK,
	KS_OPT_TEXTFILE,
};

/* Parse argv into *o: -1 to run, else the exit code (help, usage error). */
int opts_parse(int argc, char **argv, struct opts *o);
void opts_fini(struct opts *o);

/*
 * problems.c: what went wrong with threads, one line per kind of problem
 * on stderr at the end of a run, with a count and a few example thread
 * ids; with verbose, each occurrence is said as it happens too.
 */
#define CLI_PROBLEM_EXAMPLES 3

struct cli_problem {
	const char *noun, *nouns;	/* "stack", "stacks" (static text) */
	char *detail;			/* "truncated at -n 3" */
	bool partial;			/* it cut a shown thread short (else: one not shown) */
	size_t count;
	uint64_t ex[CLI_PROBLEM_EXAMPLES];	/* the first thread ids */
	size_t ntids;			/* distinct thread ids (exact up to the examples) */
	uint64_t last;
};

struct cli_problems {
	struct cli_problem *v;
	size_t n, cap;
	bool verbose;			/* --verbose: each occurrence said too */
};

/*
 * Thread tid met a problem: "NOUN DETAIL" (fmt) for one, "NOUNS DETAIL"
 * for several; partial: the thread is shown, cut short.
 */
void cli_problem(struct cli_problems *p, uint64_t tid, bool partial, const char *noun,
		 const char *nouns, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* "kstack: 579 stacks truncated at -n 3 (e.g. 362, 363, 364, ...)", one line a kind */
void cli_problems_say(const struct cli_problems *p);
/*
 * The partial (or, partial false, the other) problems as a list for a
 * closing line ("579 stacks truncated at -n 3, 2 user stacks cut short:
 * ..."), into buf; returns how many kinds.
 */
size_t cli_problems_why(const struct cli_problems *p, bool partial, char *buf, size_t len);
void cli_problems_fini(struct cli_problems *p);

/*
 * What a run showed, counted per thread; exit_status() turns it into the
 * exit code, the same rule for every action and target.
 */
struct tally {
	size_t whole;		/* shown whole (to user mode, or a kernel thread's end; */
				/* with its user half: that too to its outermost frame) */
	size_t cut;		/* shown, but cut short: frame limit, walk stopped early */
				/* (either half), or a user half that could not be had */
	size_t running;		/* shown as running on a CPU: it has no saved stack */
	size_t ran;		/* kept running through every try: not shown */
	size_t missing;		/* a requested PID/TID with no thread to show */
	size_t failed;		/* not shown for another reason (said on stderr) */
	/*
	 * not shown: the caller may not trace them (said on stderr): named
	 * processes and threads, and threads a listing left out
	 */
	size_t denied;
	/* --verify: threads compared, and how they agreed */
	size_t walked, eq_kernel, eq_proc, unreliable;
	size_t deadlocks;	/* --deadlocks: cycles found (exit 3) */
	/*
	 * user halves that end in a binary's code without unwind information:
	 * whole as far as the binary allows (cut, and a problem, with --strict)
	 */
	size_t no_cfi;
	bool strict;			/* --strict */
	struct cli_problems problems;	/* why threads are cut or not shown: said once a kind */
};

/*
 * 0: something shown and every requested thread whole (a running thread's
 *    line is whole: there is no stack to cut);
 * 1: something shown, but a stack was cut short, a thread kept running
 *    (--verify skips those), a requested id was missing, a thread
 *    failed or was not the caller's to see (--verify: also agreement
 *    below the bar);
 * 2: nothing shown.
 */
int exit_status(const struct tally *t, enum cli_action action);

struct ks_user_walk;
/*
 * Did user walk w reach the outermost frame (libdwfl's end, or the
 * frame-pointer chain's: lib/user/user_unwind.c walk_thread())? NULL (no walk:
 * the process could not be read), not walked, stopped early or cut at the
 * frame limit: not whole.
 */
bool user_walk_whole(const struct ks_user_walk *w);

/* Count a shown thread's walk: whole, or cut short (frame limit, stopped early). */
void tally_walk(struct tally *t, const struct ks_walk_result *w);

/*
 * --verify's closing word, the exit rule's: "PASSED" (exit 0), "PASSED (N
 * stacks cut short: partial)" (the walkers agreed, but N stacks are not
 * whole: exit 1), or "FAILED".
 */
void verify_verdict(const struct tally *t, char *buf, size_t len);
/* --verify's own part of the exit rule: agreement met (tally.c)? */
bool verify_agreed(const struct tally *c);

/* err's message without its "thread TID: " (the driver's errors name their thread). */
const char *tally_detail(const struct ks_error *err, uint64_t tid);

/*
 * Count a thread we could not show (on a CPU: shown as running; gone:
 * left out); any other reason is a problem (cli_problem()).
 */
void tally_error(struct tally *t, const struct ks_error *err, uint64_t tid);

/* A requested id that has no thread: say why (stderr) and count it. */
void tally_missing(struct tally *t, const struct ks_error *why);

/*
 * A process or thread the caller may not trace (an EPERM error that names
 * it: "process N: permission denied (...)"): said on stderr and counted.
 */
void tally_denied(struct tally *t, const struct ks_error *why);

/*
 * n threads a listing (--all, a process) left out because the caller may
 * not see them: "N threads not shown: not permitted" on stderr, counted.
 */
void tally_denied_threads(struct tally *t, size_t n);

/* targets.c: the threads the command line names, listed through the driver */
struct ks_error *targets_list(struct ks_driver *drv, const struct opts *o,
			      struct ks_tid_list *l, struct tally *t);

/*
 * Why pid (a process, or with thread set a thread id) has nothing to show,
 * as an error to report: ESRCH "no such ..." or, where the driver finds
 * the id but none of its threads alive, "... a zombie".
 */
struct ks_error *target_gone(uint64_t id, bool thread, bool found, uint32_t gone);

/*
 * A -t thread's outcome in a pipeline round (ops->target), said and
 * counted into t: not the caller's (EPERM, the thread named as asked
 * for), or gone (no such thread, or its process a zombie); nothing for a
 * thread that was found.
 */
void target_thread_outcome(struct tally *t, const struct ks_pipe_target *tg);

/*
 * --all past one SNAPSHOT's bound: say on stderr what follows (one
 * SNAPSHOT per process: each process one moment, the system not).
 */
void say_per_process(void);

/*
 * procs.c: the processes a run meets, named as ps names them, each read
 * once per run: its name (the group leader's comm: leader_comm where the
 * caller has the leader's record, else /proc/PID/comm) and command line
 * (/proc/PID/cmdline, arguments joined by spaces; none for a kernel
 * thread), read only where /proc is our pid namespace's. Raw strings, kept
 * until cli_procs_fini(); NULL without memory.
 */
struct cli_proc {
	uint64_t tgid;
	char *name;		/* NULL: unknown */
	char *cmdline;		/* NULL: none (a kernel thread, a zombie) or unknown */
	bool kthread;
};

struct cli_procs {
	struct ks_hashtab tab;	/* tgid -> struct cli_proc */
	struct cli_proc *last;	/* threads of a process come together */
	bool checked, ours;	/* /proc is our pid namespace's */
};

const struct cli_proc *cli_procs_get(struct cli_procs *ps, uint64_t tgid,
				     const char *leader_comm, bool kthread);
void cli_procs_fini(struct cli_procs *ps);

/*
 * listing.c: kstack PID... / -t TID... / --all, -S, --raw and --verify:
 * the threads the command line names, taken by the capture pipeline
 * (lib/pipeline.h) on the path run() resolved, each printed (show.c) or
 * compared (verify_cmd.c) as it comes, and counted in the tally.
 */
struct listing {
	struct ks_session *s;
	struct ks_symcache *names;
	struct ks_stack_text *text;
	const struct opts *o;
	enum ks_pipe_path path;
	bool user;			/* each thread's user half too (resolved: cli_user_half()) */
	struct tally *tally;
	/*
	 * --all past one SNAPSHOT's bound: processes and threads not the
	 * caller's, summed and said once at the end
	 */
	size_t denied_procs, denied;
	size_t no_user;			/* --all --user: kernel threads left out */
	/* who holds it (deadlocks.c): each blocked thread's "waiting for" line; NULL: none */
	struct ks_waitfor *wf;
	/*
	 * the listing's process lines (listing_run() sets process_lines; a
	 * block printed alone, --watch's, has none): the process of the
	 * thread printed last
	 */
	bool process_lines;
	struct cli_procs procs;
	uint64_t cur_tgid;
	size_t nprocs;			/* process lines printed */
};

struct ks_error *listing_run(struct listing *l);

/* user_print.c: a thread's user half, under its kernel half */
struct ks_user_thread;
struct ks_user_walk;
struct ks_user_half_proc;
struct ks_user_half;
/*
 * The command line's say in how user frames are named (names.c): demangled
 * or not (--no-demangle), and the unwinder's notes (a perf map not used)
 * on stderr. Call after ks_user_half_init().
 */
void cli_user_names(struct ks_user_half *h, const struct opts *o);

/*
 * Its frames (user_line: first the "user mode: ip .. sp .." line) and how
 * the walk ended; false when the user half is not whole (user_walk_whole():
 * cut at the frame limit, stopped before the outermost frame, not walked,
 * not taken; a problem in t, said at the end) or may not be one moment
 * (the thread ran while it was taken, twice). A walk that stopped in a
 * binary's code without unwind information is whole as far as the binary
 * allows (counted in t->no_cfi), cut short with t->strict (--strict).
 */
bool print_user_half(struct tally *t, uint64_t tid, const struct ks_user_thread *ut,
		     const struct ks_user_walk *w, const struct ks_user_half_proc *hp,
		     bool user_line);
/*
 * print_user_half() for a thread that may have none (ut NULL): nothing
 * for one whose kernel walk did not reach user mode (a kernel thread);
 * one whose walk reached it but that came without user registers gets a
 * line that says so, and is not whole.
 */
bool print_user_part(struct tally *t, uint64_t tid, const struct ks_user_thread *ut,
		     const struct ks_user_walk *w, const struct ks_user_half_proc *hp,
		     bool user_line, bool reached_user);
/*
 * print_user_part() under a kernel half walked again on its own (ctx: that
 * walk's context; reached_user: it ended at user mode, its "user mode"
 * line printed). The user half's registers were taken with ut's
 * context-switch counts: if ctx's differ, the thread ran between the two
 * halves: the user half is still printed, under a note that it is of an
 * earlier moment and its own "user mode" line, and it is not whole.
 */
bool print_user_part_retaken(struct tally *t, uint64_t tid, const struct ks_user_thread *ut,
			     const struct ks_user_walk *w, const struct ks_user_half_proc *hp,
			     const struct kstack_thread_context *ctx, bool reached_user);

/*
 * running.c: threads on a CPU, as the pipeline took them where they run
 * (lib/pipeline.c catches them once, opts.catch_running; lib/kernel/catch.h).
 * print_running: the line of one on a CPU with no stack taken.
 */
void print_running(uint64_t tid, const char *comm);
/*
 * A thread's header line: "TID comm S [ctxsw V+I]", or for one caught
 * running "TID comm R [running on CPU N: caught at IP in user|kernel
 * mode; ctxsw V+I]".
 */
void print_thread_header(const struct ks_pipe_thread *t);
/*
 * A thread handed on KS_PIPE_RUNNING: its line, counted: the caller's own
 * thread and a driver without CATCH_RUNNING as running (no stack to
 * take), one not caught as cut short, with why on stderr.
 */
void show_running_thread(struct tally *c, const struct ks_pipe_thread *t);

/*
 * message.c: "kstack: " and the formatted message on stderr, escaped
 * (escape.h): messages quote module names, paths and arguments.
 */
void cli_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* show.c: a thread's stacks as the listing prints them (ctx: a struct listing) */
struct ks_pipe_thread;
struct ks_error *show_thread(void *ctx, const struct ks_pipe_thread *t);
/* --raw: the walk, the stack's bytes and the kernel's own frames: a self-contained record */
struct ks_error *raw_thread(void *ctx, const struct ks_pipe_thread *t);
/* "PID - Z [group leader has exited: ...]": a process whose leader left */
void print_leader_exited(uint64_t pid);

/*
 * triage.c: --group, the filters, --format/-o, --sample (o->triage.used)
 * over the command line's processes or --all; what was shown in *tally.
 */
struct ks_error *triage_run(const struct opts *o, struct ks_session *s,
			    struct ks_symcache *names, enum ks_pipe_path path, bool user,
			    struct tally *tally);

/*
 * deadlocks.c: what a thread the pipeline handed on waits for
 * (lib/waitfor/waitfor.h), into *w.
 */
struct ks_waitfor;
struct ks_wait;
struct ks_error *cli_waitfor(struct ks_waitfor *wf, const struct ks_pipe_thread *t,
			     struct ks_wait *w);
/*
 * The "waiting for ..." line under a thread's header, for a thread that
 * waits for a lock we can name (l->wf set).
 */
void print_wait_line(const struct listing *l, const struct ks_pipe_thread *t);
/*
 * Where a listing or report shows no user half (--kernel), it takes that
 * of futex waiters alone (their frames tell which lock), one a futex
 * word (wf tells the others: lib/waitfor/waitfor.h), set up in *po:
 * true. Their walks are short: KS_WAITFOR_USER_FRAMES (waitfor.h).
 */
bool listing_wait_user(struct ks_pipe_opts *po, struct ks_waitfor *wf);
/*
 * --deadlocks: the wait-for graph of the command line's threads, one line
 * per cycle, then the listings of the threads in it; tally->deadlocks.
 */
struct ks_error *deadlocks_run(const struct opts *o, struct ks_session *s,
			       struct ks_symcache *names, struct ks_stack_text *text,
			       enum ks_pipe_path path, bool user, struct tally *tally);

/*
 * watch.c: --watch: rounds of the kernel half of the command line's
 * threads (none named: every thread) until SIGINT/SIGTERM; a thread
 * unchanged for --stuck reported once with both halves (user: the user
 * half too), once more when it moves; --textfile's metrics every round.
 */
struct ks_error *watch_run(const struct opts *o, struct ks_session *s, struct ks_symcache *names,
			   enum ks_pipe_path path, bool user, struct tally *tally);
/* --watch's options make sense together (after parsing; false after saying why). */
bool watch_opts_check(const struct opts *o, int nargs);

/* verify_cmd.c: one thread three ways (ctx: a struct listing) */
struct ks_error *verify_thread(void *ctx, const struct ks_pipe_thread *t);
/*
 * Print the agreement figures and the verdict (verify_verdict()); with no
 * thread compared, only why (stderr), no figures.
 */
void verify_summary(const struct tally *c, double secs);

#endif
