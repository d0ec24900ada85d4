// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kernel_orc.h"
#include "lockdown.h"
#include "session.h"
#include "snapshot.h"

static bool ks_session_is_text(void *ctx, uint64_t addr)
{
	const struct ks_session *s = ctx;

	if (s->have_kinfo && addr >= s->kinfo.text_start && addr < s->kinfo.text_end)
		return true;
	return (s->ksyms.nsyms && ks_ksyms_is_text(&s->ksyms, addr)) ||
	       ks_orc_set_table(&s->orc, addr);
}

/* generated code (BPF, trampolines): the driver asks the kernel */
static bool ks_session_is_generated(void *ctx, uint64_t addr)
{
	struct ks_session *s = ctx;

	return ks_driver_is_text(&s->drv, addr);
}

/* ks_read_fn for the walk: reads go to the driver, not to the session. */
static struct ks_error *ks_session_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct ks_session *s = ctx;

	return ks_driver_read(&s->drv, addr, buf, len);
}

struct ks_error *ks_session_open_driver(struct ks_session *s, const struct ks_session_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->opts = *o;
	s->drv.fd = -1;
	return ks_driver_open(&s->drv, o->device);
}

struct ks_error *ks_session_open(struct ks_session *s, const struct ks_session_opts *o)
{
	struct ks_error *err = ks_session_open_driver(s, o);

	if (!err)
		err = ks_session_walker(s);
	if (err)
		ks_session_close(s);
	return err;
}

struct ks_error *ks_session_walker(struct ks_session *s)
{
	const struct ks_session_opts *o = &s->opts;
	const struct kstack_version *v = &s->drv.version;
	struct ks_kernel_orc_opts oo;
	struct kstack_module_orc *mods = NULL;
	size_t nr_mods = 0;
	struct ks_error *err;
	struct utsname u;
	const char *release;

	if (s->walker_ready)
		return NULL;
	if (v->arch != KSTACK_ARCH_X86_64) {
		err = ks_error_format(ENOTSUP, "driver reports arch %u: this walker knows x86_64 only", v->arch);
		goto fail;
	}
	if (v->task_frame_layout != KSTACK_FRAME_LINUX_X86_64_V1) {
		err = ks_error_format(ENOTSUP, "driver reports saved-frame layout %u: unknown to this walker",
				      v->task_frame_layout);
		goto fail;
	}
	/* the driver's release string is the running kernel's; uname as fallback */
	release = v->release[0] ? v->release : (uname(&u) == 0 ? u.release : NULL);
	err = ks_kernel_orc_layout(v->orc_layout, release, &s->layout);
	if (err)
		goto fail;
	/* KERNEL_INFO spares the kallsyms parse: 100+ ms, more than a snapshot */
	err = ks_driver_kernel_info(&s->drv, &s->kinfo);
	s->have_kinfo = !err && s->kinfo.text_start && s->kinfo.orc_lookup_start;
	ks_error_destroy(err);
	if (o->need_ksyms || o->kallsyms || !s->have_kinfo) {
		err = ks_ksyms_load(&s->ksyms, o->kallsyms ? o->kallsyms : "/proc/kallsyms");
		if (err)
			goto fail;
		if (!s->ksyms.nsyms) {
			err = ks_error_format(EINVAL, "%s: no symbols in it",
					      o->kallsyms ? o->kallsyms : "/proc/kallsyms");
			goto fail;
		}
		if (!ks_ksyms_has_addresses(&s->ksyms)) {
			err = ks_error_format(EPERM, "%s shows no addresses: run as root (kptr_restrict)",
					      o->kallsyms ? o->kallsyms : "/proc/kallsyms");
			goto fail;
		}
	}
	/* modules' tables where the driver says they are; none from an older one */
	err = ks_driver_module_orc(&s->drv, &mods, &nr_mods);
	if (err && err->code != ENOTSUP && o->note)
		o->note(o->note_ctx, err->message);
	ks_error_destroy(err);
	oo = (struct ks_kernel_orc_opts){
		.layout = s->layout, .read = ks_driver_read_cb, .ctx = &s->drv,
		.ksyms = s->ksyms.nsyms ? &s->ksyms : NULL,
		.kinfo = s->have_kinfo && !o->kallsyms ? &s->kinfo : NULL,
		.modules = mods, .nr_modules = nr_mods,
		.note = o->note, .note_ctx = o->note_ctx,
	};
	err = ks_kernel_orc_load(&oo, &s->orc);
	if (err && err->code == EPERM && ks_memory_refused(&s->drv)) {
		/* not a bug to report: the kernel forbids it; say what still works */
		char level[64];

		if (!ks_lockdown_level(level, sizeof(level)))
			snprintf(level, sizeof(level), "lockdown level unknown: securityfs not mounted");
		ks_error_destroy(err);
		err = ks_error_format(EPERM, "the kernel is locked down (%s): the driver may not read kernel memory, as /proc/kcore may not, so kstack cannot walk stacks itself (--raw, --verify, --tables, -S); kstack PID, -t TID and --all still show the frames unwound in the kernel",
				      level);
	}
	free(mods);
	if (err)
		goto fail;
	s->cfg = (struct ks_walk_config){
		.read = ks_session_read,	/* ctx is the session (is_text needs it) */
		.is_text = ks_session_is_text,
		.is_generated = ks_session_is_generated,
		.ctx = s,
		.orc = &s->orc,
		.max_frames = o->max_frames,
		.ret_from_fork = s->have_kinfo ? s->kinfo.ret_from_fork : s->ksyms.ret_from_fork,
		.frame_size = v->task_frame_size,
		.frame_ret_off = v->task_frame_ret_off,
		.frame_bp_off = v->task_frame_bp_off,
	};
	s->walker_ready = true;
	return NULL;
fail:
	/* the driver stays open: a caller may go on without the walker */
	ks_ksyms_fini(&s->ksyms);
	ks_orc_set_clear(&s->orc);
	return err;
}

void ks_session_close(struct ks_session *s)
{
	ks_driver_close(&s->drv);
	ks_ksyms_fini(&s->ksyms);
	ks_orc_set_clear(&s->orc);
}

bool ks_session_walk_cut(const struct ks_walk_result *res)
{
	return res->stop != KS_STOP_USER && res->stop != KS_STOP_END_OF_STACK &&
	       res->stop != KS_STOP_MAX_FRAMES;
}

bool ks_session_text_bounds(const struct ks_session *s, uint64_t *start, uint64_t *end)
{
	/* KERNEL_INFO first: the fast paths load no kallsyms (session.h) */
	if (s->kinfo.text_start && s->kinfo.text_start < s->kinfo.text_end) {
		*start = s->kinfo.text_start;
		*end = s->kinfo.text_end;
		return true;
	}
	if (s->ksyms.stext && s->ksyms.stext < s->ksyms.etext) {
		*start = s->ksyms.stext;
		*end = s->ksyms.etext;
		return true;
	}
	*start = *end = 0;
	return false;
}

struct ks_error *ks_session_ret_fixups(struct ks_session *s, uint64_t tid,
				       const struct kstack_thread_context *ctx,
				       struct kstack_ret_fixup **fixups_ret, size_t *nr_ret)
{
	struct ks_snapshot snap = { 0 };
	const struct kstack_snap_thread *r;
	const struct kstack_snap_tail *tail;
	const struct kstack_ret_fixup *fx;
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	*fixups_ret = NULL;
	*nr_ret = 0;
	if (!(s->drv.version.caps & KSTACK_CAP_SNAP_TAIL))
		return ks_error_format(ENOTSUP, "driver has no SNAPSHOT record tails");
	err = ks_snapshot_take(&s->drv, ctx->tgid, KSTACK_SNAP_RAW, 0, &snap);
	while (!err && (r = ks_snapshot_next(&snap, &off, &data, &err)) && r->tid != tid)
		;
	if (err)
		goto out;
	if (!r) {
		err = ks_error_format(ESRCH, "thread %llu: not in its process's SNAPSHOT",
				      (unsigned long long)tid);
		goto out;
	}
	if (r->flags & (KSTACK_SNAP_F_RUNNING | KSTACK_SNAP_F_RAN) || r->sp != ctx->sp ||
	    r->nvcsw_before != ctx->nvcsw || r->nivcsw_before != ctx->nivcsw) {
		err = ks_error_format(EAGAIN, "thread %llu: ran before its SNAPSHOT",
				      (unsigned long long)tid);
		goto out;
	}
	tail = ks_snapshot_tail(r, &fx);
	if (tail && tail->nr_ret_fixups) {
		*fixups_ret = malloc(tail->nr_ret_fixups * sizeof(*fx));
		if (!*fixups_ret) {
			err = &ks_error_nomem;
			goto out;
		}
		memcpy(*fixups_ret, fx, tail->nr_ret_fixups * sizeof(*fx));
		*nr_ret = tail->nr_ret_fixups;
	}
out:
	ks_snapshot_fini(&snap);
	return err;
}

/*
 * A walk of the stack as read that stopped short: walk it again with the
 * return addresses tracing replaced, if the driver reports any. EAGAIN:
 * the thread ran since ctx.
 */
static struct ks_error *ks_session_rewalk_fixed(struct ks_session *s, uint64_t tid,
						const struct kstack_thread_context *ctx,
						struct ks_walk_result *res)
{
	struct ks_walk_thread t = {
		.stack_base = ctx->stack_base,
		.stack_size = ctx->stack_size,
		.saved_sp = ctx->sp,
	};
	struct kstack_ret_fixup *fx;
	struct ks_walk_result again;
	struct ks_error *err;
	size_t n;

	err = ks_session_ret_fixups(s, tid, ctx, &fx, &n);
	if (err && err->code == ENOTSUP) {
		ks_error_destroy(err);
		return NULL;	/* the cut walk stands, as it is */
	}
	if (err || !n)
		return err;
	t.fixups = fx;
	t.nr_fixups = n;
	err = ks_walk(&s->cfg, &t, &again);
	free(fx);
	if (err)
		return err;
	ks_walk_result_fini(res);
	*res = again;
	return NULL;
}

struct ks_error *ks_session_quiet(struct ks_session *s, uint64_t tid,
				  struct kstack_thread_context *ctx, ks_quiet_take_fn *take,
				  ks_quiet_drop_fn *drop, void *arg)
{
	int tries;

	for (tries = 0; tries < KS_SESSION_TRIES; tries++) {
		struct kstack_thread_context after;
		struct ks_error *err;
		bool ran = false;

		err = ks_driver_thread_context(&s->drv, tid, ctx);
		if (err)
			return err;
		err = take(arg, ctx, &ran);
		if (err) {
			/* its stack may have been freed: tell "gone" from "broken" */
			struct ks_error *gone = ks_driver_thread_context(&s->drv, tid, &after);

			if (gone) {
				ks_error_destroy(err);
				return gone;
			}
			return err;
		}
		err = ks_driver_thread_context(&s->drv, tid, &after);
		if (err) {
			drop(arg);
			return err;
		}
		/* what take() read is one moment only if the thread did not run meanwhile */
		if (!ran && after.nvcsw == ctx->nvcsw && after.nivcsw == ctx->nivcsw &&
		    after.sp == ctx->sp)
			return NULL;
		drop(arg);
	}
	return ks_error_format(EAGAIN, "thread %llu: ran during the walk %d times",
			       (unsigned long long)tid, KS_SESSION_TRIES);
}

struct ks_session_walk_arg {
	struct ks_session *s;
	uint64_t tid;
	struct ks_walk_result *res;
};

struct ks_error *ks_session_walk_at(struct ks_session *s, uint64_t tid,
				    const struct kstack_thread_context *ctx,
				    struct ks_walk_result *res, bool *ran)
{
	struct ks_walk_thread t = {
		.stack_base = ctx->stack_base,
		.stack_size = ctx->stack_size,
		.saved_sp = ctx->sp,
	};
	struct ks_error *err = ks_walk(&s->cfg, &t, res);

	if (err || !ks_session_walk_cut(res))
		return err;
	err = ks_session_rewalk_fixed(s, tid, ctx, res);
	if (err && err->code == EAGAIN) {
		ks_error_destroy(err);
		*ran = true;	/* not the stack ctx saw: take it again */
		return NULL;
	}
	if (err)
		ks_walk_result_fini(res);
	return err;
}

static struct ks_error *ks_session_walk_take(void *arg, const struct kstack_thread_context *ctx,
					     bool *ran)
{
	struct ks_session_walk_arg *a = arg;

	return ks_session_walk_at(a->s, a->tid, ctx, a->res, ran);
}

static void ks_session_walk_drop(void *arg)
{
	struct ks_session_walk_arg *a = arg;

	ks_walk_result_fini(a->res);
}

struct ks_error *ks_session_walk(struct ks_session *s, uint64_t tid,
				 struct kstack_thread_context *ctx, struct ks_walk_result *res)
{
	struct ks_session_walk_arg a = { s, tid, res };

	memset(res, 0, sizeof(*res));
	return ks_session_quiet(s, tid, ctx, ks_session_walk_take, ks_session_walk_drop, &a);
}
