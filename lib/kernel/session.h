/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything a tool needs to walk live threads, set up once: the driver,
 * kernel symbols, the ORC tables read through the driver, the walk config.
 * Then one call per thread: context + walk, retried if the thread ran.
 */
#ifndef KSTACK_SESSION_H
#define KSTACK_SESSION_H

#include "kdriver.h"
#include "ksyms.h"
#include "orc_table.h"
#include "unwind.h"

struct ks_session_opts {
	const char *device;	/* NULL: /dev/kstack */
	const char *kallsyms;	/* NULL: /proc/kallsyms */
	uint32_t max_frames;	/* 0: KS_WALK_DEFAULT_MAX */
	/*
	 * Parse kallsyms even when the driver's KERNEL_INFO makes it
	 * unnecessary (--verify compares with /proc text; --kallsyms given).
	 * Without it, names come from the driver's SYMBOLIZE.
	 */
	bool need_ksyms;
	void (*note)(void *ctx, const char *msg);	/* non-fatal notes */
	void *note_ctx;
};

struct ks_session {
	struct ks_driver drv;
	struct ks_ksyms ksyms;	/* empty (nsyms 0) unless loaded */
	struct kstack_kernel_info kinfo;	/* zeroed if the driver has none */
	bool have_kinfo;
	struct ks_orc_set orc;
	struct ks_walk_config cfg;
	enum ks_orc_layout layout;
	bool walker_ready;	/* ksyms, ORC tables and cfg set up */
	struct ks_session_opts opts;	/* as opened: for a walker set up later */
};

/* The driver, symbols and ORC tables: everything a walk needs. */
struct ks_error *ks_session_open(struct ks_session *s, const struct ks_session_opts *opts);

/*
 * The driver alone (open, VERSION): enough to print SNAPSHOT frames named
 * by SYMBOLIZE, without the walker's setup (the kernel's ORC index and
 * module tables read through the driver, maybe kallsyms: more than a
 * whole snapshot costs). ks_session_walker() adds the rest when needed.
 */
struct ks_error *ks_session_open_driver(struct ks_session *s, const struct ks_session_opts *opts);
struct ks_error *ks_session_walker(struct ks_session *s);
void ks_session_close(struct ks_session *s);

/* How many times a thread that keeps running is retried. */
#define KS_SESSION_TRIES 3

/*
 * One quiet moment of thread tid, the one retry rule of every per-thread
 * reader (the walk, --raw, --verify): take() runs between two
 * THREAD_CONTEXT reads (the first in *ctx) and its result stands only if
 * the thread's context-switch counts and saved sp did not move and take()
 * saw no sign of it running (*ran, e.g. STACK's KSTACK_SF_RAN). Otherwise
 * drop() undoes the take and it is tried again, up to KS_SESSION_TRIES
 * times; then an EAGAIN error "ran during the walk". A running thread is
 * EBUSY, a vanished one ESRCH (see ks_driver_thread_context()); a take()
 * that failed because the thread went away meanwhile reports it gone.
 */
typedef struct ks_error *ks_quiet_take_fn(void *arg, const struct kstack_thread_context *ctx,
					  bool *ran);
typedef void ks_quiet_drop_fn(void *arg);

struct ks_error *ks_session_quiet(struct ks_session *s, uint64_t tid,
				  struct kstack_thread_context *ctx, ks_quiet_take_fn *take,
				  ks_quiet_drop_fn *drop, void *arg);

/*
 * Inside a ks_session_quiet() take(): our walk of tid's stack as ctx saw
 * it; a walk cut short is done again with the return addresses tracing
 * replaced, if the driver reports any (ks_session_ret_fixups()). *ran set
 * when those came from a later moment than ctx's.
 */
struct ks_error *ks_session_walk_at(struct ks_session *s, uint64_t tid,
				    const struct kstack_thread_context *ctx,
				    struct ks_walk_result *res, bool *ran);

/* Saved context and our walk of one thread, from one quiet moment. */
struct ks_error *ks_session_walk(struct ks_session *s, uint64_t tid,
				 struct kstack_thread_context *ctx_ret,
				 struct ks_walk_result *res);

/*
 * Did this walk stop where the stack goes on (not at user mode, a kernel
 * thread's end or the frame limit)? Then tracing may have replaced a
 * return address (ks_session_ret_fixups()).
 */
bool ks_session_walk_cut(const struct ks_walk_result *res);

/*
 * The core kernel's text, [*start, *end) (_stext, _etext): from the
 * driver's KERNEL_INFO where the session has it, else from kallsyms where
 * that was loaded. false, *start = *end = 0: neither is known (never
 * zeros passed off as bounds).
 */
bool ks_session_text_bounds(const struct ks_session *s, uint64_t *start, uint64_t *end);

/*
 * The return addresses tracing replaced on tid's stack, from a RAW
 * SNAPSHOT of its process (the driver knows them; a copy of the stack
 * does not), for the stack as ctx saw it: the record's saved sp and
 * context-switch counts must be ctx's, else EAGAIN (it ran: take ctx
 * again). *fixups_ret (malloc'd, NULL when none) gets *nr_ret entries.
 * ENOTSUP: a driver without record tails.
 */
struct ks_error *ks_session_ret_fixups(struct ks_session *s, uint64_t tid,
				       const struct kstack_thread_context *ctx,
				       struct kstack_ret_fixup **fixups_ret, size_t *nr_ret);

#endif
