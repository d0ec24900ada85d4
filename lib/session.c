// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "kernel_orc.h"
#include "session.h"

static bool ks_session_is_text(void *ctx, uint64_t addr)
{
	const struct ks_session *s = ctx;

	if (s->have_kinfo && addr >= s->kinfo.text_start && addr < s->kinfo.text_end)
		return true;
	return (s->ksyms.nsyms && ks_ksyms_is_text(&s->ksyms, addr)) ||
	       ks_orc_set_table(&s->orc, addr);
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
		if (!ks_ksyms_has_addresses(&s->ksyms)) {
			err = ks_error_format(EPERM, "%s shows no addresses: run as root (kptr_restrict)",
					      o->kallsyms ? o->kallsyms : "/proc/kallsyms");
			goto fail;
		}
	}
	oo = (struct ks_kernel_orc_opts){
		.layout = s->layout, .read = ks_driver_read_cb, .ctx = &s->drv,
		.ksyms = s->ksyms.nsyms ? &s->ksyms : NULL,
		.kinfo = s->have_kinfo && !o->kallsyms ? &s->kinfo : NULL,
		.note = o->note, .note_ctx = o->note_ctx,
	};
	err = ks_kernel_orc_load(&oo, &s->orc);
	if (err)
		goto fail;
	s->cfg = (struct ks_walk_config){
		.read = ks_session_read,	/* ctx is the session (is_text needs it) */
		.is_text = ks_session_is_text,
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
	struct ks_walk_result *res;
};

static struct ks_error *ks_session_walk_take(void *arg, const struct kstack_thread_context *ctx,
					     bool *ran)
{
	struct ks_session_walk_arg *a = arg;
	struct ks_walk_thread t = {
		.stack_base = ctx->stack_base,
		.stack_size = ctx->stack_size,
		.saved_sp = ctx->sp,
	};

	(void)ran;
	return ks_walk(&a->s->cfg, &t, a->res);
}

static void ks_session_walk_drop(void *arg)
{
	struct ks_session_walk_arg *a = arg;

	ks_walk_result_fini(a->res);
}

struct ks_error *ks_session_walk(struct ks_session *s, uint64_t tid,
				 struct kstack_thread_context *ctx, struct ks_walk_result *res)
{
	struct ks_session_walk_arg a = { s, res };

	memset(res, 0, sizeof(*res));
	return ks_session_quiet(s, tid, ctx, ks_session_walk_take, ks_session_walk_drop, &a);
}
