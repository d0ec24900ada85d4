// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "output.h"
#include "vec.h"
#include "verify.h"

struct ks_error *ks_proc_stack_read(const char *proc, uint64_t tgid, uint64_t tid,
				    char ***lines_ret, size_t *n_ret)
{
	char path[256], line[512], esc[KS_ESCAPE_SIZE(512)];
	char **lines = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%llu/task/%llu/stack", proc ? proc : "/proc",
		 (unsigned long long)tgid, (unsigned long long)tid);
	f = fopen(path, "re");
	if (!f)
		return ks_error_format(errno == ENOENT ? ESRCH : errno, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(p, "[<", 2)) {	/* "[<0>] " or "[<addr>] " */
			char *close = strstr(p, ">] ");

			if (close)
				p = close + 3;
		}
		/* escaped as our own names are (escape.h): compared, then printed */
		ks_escape_str(esc, sizeof(esc), p);
		if (!ks_vec_grow(&lines, &cap, n + 1, sizeof(*lines), 16) ||
		    !(lines[n] = strdup(esc))) {
			fclose(f);
			while (n)
				free(lines[--n]);
			free(lines);
			return &ks_error_nomem;
		}
		n++;
	}
	fclose(f);
	*lines_ret = lines;
	*n_ret = n;
	return NULL;
}

/* Frames the kernel's walk would also report: every one but scan guesses. */
static size_t ks_walk_kernel_frames(const struct ks_walk_result *w)
{
	size_t n = 0;

	while (n < w->nr && w->frames[n].how != KS_HOW_SCAN)
		n++;
	return n;
}

bool ks_verify_cut_by_limit(const struct ks_walk_result *w)
{
	return w->stop == KS_STOP_MAX_FRAMES;
}

bool ks_verify_cmp_kernel(const struct ks_walk_result *w, const uint64_t *k, size_t nk,
			  size_t *diff_ret)
{
	size_t nw = ks_walk_kernel_frames(w), i;

	for (i = 0; i < nw && i < nk; i++)
		if (w->frames[i].ip != k[i])
			break;
	*diff_ret = i;
	/* a walk cut at the frame limit: the kernel's may go on past our last frame */
	if (ks_verify_cut_by_limit(w))
		return i == nw;
	return i == nw && i == nk;
}

/*
 * Our name of a frame equals /proc's line. kallsyms gives no size for the
 * last symbol of an owner (a BPF program or trampoline: /proc prints the
 * kernel's, bpf_trampoline_N+0x36/0x1000); then name and offset must match.
 */
static bool ks_same_proc_name(const char *ours, const char *proc)
{
	const char *slash;

	if (!strcmp(ours, proc))
		return true;
	slash = strchr(proc, '/');
	return slash && !strchr(ours, '/') && strlen(ours) == (size_t)(slash - proc) &&
	       !strncmp(ours, proc, (size_t)(slash - proc));
}

/* names NULL: each frame named from kallsyms (ks_format_proc()), sizes it cannot know let be */
static bool ks_verify_cmp(const struct ks_ksyms *ks, const struct ks_walk_result *w,
			  char *const *names, char *const *proc, size_t nproc, size_t *diff_ret)
{
	size_t nw = ks_walk_kernel_frames(w), i, j = 0;
	char buf[256];

	for (i = 0; i < nw && j < KS_PROC_STACK_MAX; i++) {
		bool same;

		if (ks_ksyms_in_sched(ks, w->frames[i].ip))
			continue;	/* stack_trace_save_tsk() drops these */
		if (j < nproc && names) {
			same = !strcmp(names[i], proc[j]);
		} else if (j < nproc) {
			ks_format_proc(buf, sizeof(buf), ks, w->frames[i].ip);
			same = ks_same_proc_name(buf, proc[j]);
		} else {
			same = false;
		}
		if (!same) {
			*diff_ret = j;
			return false;
		}
		j++;
	}
	*diff_ret = j;
	/* cut at the frame limit: every frame we have matched; /proc may go on */
	return j == nproc || ks_verify_cut_by_limit(w);
}

bool ks_verify_cmp_proc(const struct ks_ksyms *ks, const struct ks_walk_result *w,
			char *const *proc, size_t nproc, size_t *diff_ret)
{
	return ks_verify_cmp(ks, w, NULL, proc, nproc, diff_ret);
}

bool ks_verify_cmp_proc_names(const struct ks_ksyms *ks, const struct ks_walk_result *w,
			      char *const *names, char *const *proc, size_t nproc,
			      size_t *diff_ret)
{
	return ks_verify_cmp(ks, w, names, proc, nproc, diff_ret);
}

static void ks_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

struct ks_error *ks_verify_name_as_proc(struct ks_driver *drv, const struct ks_walk_result *w,
					char ***names_ret)
{
	size_t n = w->nr, i, done = 0;
	char (*sym)[KSTACK_SYM_LEN] = NULL;
	uint64_t *addrs = NULL;
	struct ks_error *err = NULL;
	char **names;

	*names_ret = NULL;
	if (!(drv->version.caps & KSTACK_CAP_SYMBOLIZE))
		return ks_error_format(ENOTSUP, "the driver has no SYMBOLIZE");
	names = calloc(n ? n : 1, sizeof(*names));
	addrs = malloc((n ? n : 1) * sizeof(*addrs));
	sym = malloc((n < KSTACK_SYM_MAX ? (n ? n : 1) : KSTACK_SYM_MAX) * sizeof(*sym));
	if (!names || !addrs || !sym) {
		err = &ks_error_nomem;
		goto out;
	}
	for (i = 0; i < n; i++)
		addrs[i] = w->frames[i].ip;
	/* /proc prints every frame with %pB: as a return address */
	while (!err && done < n) {
		uint32_t k = (uint32_t)(n - done < KSTACK_SYM_MAX ? n - done : KSTACK_SYM_MAX);

		err = ks_driver_symbolize(drv, addrs + done, k, true, sym);
		for (i = 0; !err && i < k; i++) {
			char hex[24];
			const char *text = sym[i];
			size_t len;

			sym[i][KSTACK_SYM_LEN - 1] = '\0';
			if (!text[0]) {	/* no symbol: %pB prints the address */
				snprintf(hex, sizeof(hex), "%#" PRIx64, addrs[done + i]);
				text = hex;
			}
			len = ks_escape_str(NULL, 0, text);
			names[done + i] = malloc(len + 1);
			if (!names[done + i])
				err = &ks_error_nomem;
			else
				ks_escape_str(names[done + i], len + 1, text);
		}
		done += k;
	}
out:
	free(addrs);
	free(sym);
	if (err) {
		ks_names_free(names, n);
		return err;
	}
	*names_ret = names;
	return NULL;
}

struct ks_verify_arg {
	struct ks_session *s;
	uint64_t tgid, tid;
	struct ks_verify *v;
};

/* Our walk, STACK and /proc, all inside one quiet moment (ks_session_quiet). */
static struct ks_error *ks_verify_take(void *arg, const struct kstack_thread_context *ctx,
				       bool *ran)
{
	struct ks_verify_arg *a = arg;
	struct ks_verify *v = a->v;
	struct kstack_stack st;
	struct ks_error *err;
	bool late = false;

	err = ks_session_walk_at(a->s, a->tid, ctx, &v->walk, &late);
	if (!err)
		err = ks_driver_stack(&a->s->drv, a->tid, v->kernel, KSTACK_FRAMES_MAX, &st);
	if (!err)
		err = ks_proc_stack_read(NULL, a->tgid, a->tid, &v->proc, &v->nproc);
	if (err) {
		ks_verify_fini(v);
		return err;
	}
	v->nkernel = st.nr_frames;
	v->kernel_flags = st.flags;
	*ran = late || (st.flags & KSTACK_SF_RAN) || st.nvcsw_before != ctx->nvcsw ||
	       st.nivcsw_before != ctx->nivcsw;
	return NULL;
}

static void ks_verify_drop(void *arg)
{
	ks_verify_fini(((struct ks_verify_arg *)arg)->v);
}

struct ks_error *ks_verify_thread(struct ks_session *s, uint64_t tgid, uint64_t tid,
				  struct ks_verify *v)
{
	struct ks_verify_arg a = { s, tgid, tid, v };
	struct ks_error *err;

	memset(v, 0, sizeof(*v));
	err = ks_session_quiet(s, tid, &v->ctx, ks_verify_take, ks_verify_drop, &a);
	if (err)
		return err;
	v->eq_kernel = ks_verify_cmp_kernel(&v->walk, v->kernel, v->nkernel, &v->kernel_diff);
	/* names as the kernel forms them; a driver without SYMBOLIZE: from kallsyms */
	err = ks_verify_name_as_proc(&s->drv, &v->walk, &v->proc_names);
	if (err && err->code != ENOTSUP) {
		ks_verify_fini(v);
		return err;
	}
	ks_error_destroy(err);
	v->eq_proc = ks_verify_cmp_proc_names(&s->ksyms, &v->walk, v->proc_names, v->proc,
					      v->nproc, &v->proc_diff);
	return NULL;
}

void ks_verify_fini(struct ks_verify *v)
{
	size_t i;

	ks_names_free(v->proc_names, v->walk.nr);
	v->proc_names = NULL;
	ks_walk_result_fini(&v->walk);
	for (i = 0; i < v->nproc; i++)
		free(v->proc[i]);
	free(v->proc);
	v->proc = NULL;
	v->nproc = 0;
}
