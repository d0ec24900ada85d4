// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Per thread: kernel part from the driver (before suspending, so the
 * driver sees the thread's real wait and not our suspend APC), then
 * suspend, user context + StackWalk64, resume, and only then symbolize
 * into the thread's record (record.h), so a thread stays suspended for as
 * short a time as possible. The record then goes to a writer: the text
 * at once (report_text.c), or, once all are walked, JSON or --group's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "escape.h"
#include "kernel_part.h"
#include "privilege.h"
#include "report.h"
#include "report_out.h"
#include "suspend.h"
#include "threads.h"
#include "waitchain.h"
#include "walk.h"
#include <psapi.h>

struct run {
	const struct ks_options *opt;
	struct ks_walker w;
	struct ks_device dev;
	struct ks_symbols syms;
	const char *kernel_off;		/* one line for the whole run, or NULL */
	const struct ks_process_info *pi;	/* the target */
	struct ks_wct wct;		/* who holds it (session NULL: not available) */
	int user_width;			/* hex digits of a user address */
	int kernel_width;		/* ... and of a kernel address */
	int streamed;			/* plain text: each thread printed as it is walked */
	unsigned shown, failed, kernel_missing;
	int kernel_syms_said;		/* the kernel modules dbghelp did not load: said */
};

/* A holder's process name: the target's, else asked of the process (raw). */
static void holder_name(const struct run *r, DWORD pid, char *buf, DWORD size)
{
	char path[MAX_PATH], *base;
	HANDLE h;

	if (pid == r->pi->pid) {
		snprintf(buf, size, "%s", r->pi->name);
		return;
	}
	snprintf(buf, size, "-");
	h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
	if (!h)
		return;
	/* its image's path, to the last separator (GetModuleBaseName is not NT 5.1's psapi) */
	if (GetModuleFileNameExA(h, NULL, path, sizeof(path))) {
		base = strrchr(path, '\\');
		snprintf(buf, size, "%s", base ? base + 1 : path);
	}
	CloseHandle(h);
}

/* What the thread waits for (Wait Chain Traversal), asked before it is suspended. */
static void capture_wait(struct run *r, DWORD tid, struct ks_wait_rec *out)
{
	struct ks_wct_wait wt;

	if (!r->wct.session || ks_wct_thread(&r->wct, tid, &wt) || !wt.waits)
		return;
	out->waits = 1;
	out->kind = wt.kind;
	out->holder_tid = wt.holder_tid;
	out->reason = wt.reason;
	if (wt.holder_tid)
		holder_name(r, wt.holder_pid, out->holder, sizeof(out->holder));
}

/*
 * Kernel modules into dbghelp, once a run has kernel frames; one stderr
 * line, once, when some of them could not be loaded (their frames are
 * then named from what their image has, marked).
 */
static void load_kernel_symbols(struct run *r)
{
	struct ks_esc_buf e;

	ks_symbols_load_kernel(&r->syms);
	if (!r->syms.kernel_failed || r->kernel_syms_said)
		return;
	r->kernel_syms_said = 1;
	fprintf(stderr, "kstack: kernel symbols: %u of %u modules not loaded, e.g. %s%s%s\n",
		r->syms.kernel_failed, r->syms.kernel_failed + r->syms.kernel_modules,
		ks_esc(&e, r->syms.kernel_failed_example),
		r->syms.kernel_failed_err ? ": " : "",
		r->syms.kernel_failed_err ? ks_strerror(r->syms.kernel_failed_err) : "");
}

static HANDLE open_thread(DWORD tid, DWORD *err)
{
	HANDLE h = OpenThread(THREAD_GET_CONTEXT | THREAD_SUSPEND_RESUME |
			      THREAD_QUERY_INFORMATION, FALSE, tid);

	*err = h ? 0 : GetLastError();
	return h;
}

/*
 * Names the walked frames into p: after the thread was resumed, as dbghelp
 * may read symbol files for a while. Out of memory: the frames kept so far,
 * marked truncated.
 */
static void symbolize(struct run *r, const struct ks_frames *f, struct ks_part_rec *p)
{
	char sym[2048 + 64];	/* MAX_SYM_NAME is 2000 */
	unsigned i;

	p->truncated = f->truncated;
	p->f = calloc(f->nr ? f->nr : 1, sizeof(*p->f));
	for (i = 0; p->f && i < f->nr; i++) {
		ks_symbols_format(&r->syms, f->pc[i], i > 0, sym, sizeof(sym));
		p->f[i].pc = f->pc[i];
		p->f[i].name = strdup(sym);
		if (!p->f[i].name)
			break;
		p->nr++;
	}
	if (p->nr < f->nr) {
		fprintf(stderr, "kstack: out of memory naming frames\n");
		p->truncated = 1;
	}
}

/*
 * Walks one thread into *t. Returns 1 when Ctrl+C came before it was
 * suspended (the record then holds only its header), else 0.
 */
static int capture_thread(struct run *r, const struct ks_thread_info *ti,
			  struct ks_thread_rec *t)
{
	static struct ks_kernel_part kp;	/* large: not on the stack */
	static struct ks_frames user;
	DWORD err, exit_code;
	int suspended = 0, want_kernel = !r->kernel_off;

	memset(t, 0, sizeof(*t));
	t->tid = ti->tid;
	t->state = ti->state;
	t->wait_reason = ti->wait_reason;
	r->w.thread = open_thread(ti->tid, &err);
	if (r->w.thread)
		ks_thread_description(r->w.thread, t->desc, sizeof(t->desc));
	/* before it is suspended: its own wait, not ours */
	capture_wait(r, ti->tid, &t->wait);
	if (r->streamed) {
		ks_text_head(t);
		/* Out before the thread is suspended: if kstack dies mid-walk,
		 * the output still says which thread it was on. */
		fflush(stdout);
	}

	if (!r->w.thread) {
		t->stop = KS_REC_NO_OPEN;
		snprintf(t->stop_why, sizeof(t->stop_why), "cannot open thread: %s",
			 err == ERROR_INVALID_PARAMETER ? "it has exited" : ks_strerror(err));
		r->failed++;
		return 0;
	}

	kp.want = r->opt->kernel_via;
	kp.frames.max = r->opt->max_frames;
	user.max = r->opt->max_frames;
	t->kernel_wanted = want_kernel;
	if (want_kernel)
		ks_kernel_part_before(&r->w, ti->tid, &kp);

	if (!r->opt->no_suspend) {
		err = ks_suspend_begin(r->w.thread);
		if (err && err != ERROR_OPERATION_ABORTED) {
			t->stop = KS_REC_NO_SUSPEND;
			snprintf(t->stop_why, sizeof(t->stop_why), "cannot suspend the thread: %s",
				 GetExitCodeThread(r->w.thread, &exit_code) &&
				 exit_code != STILL_ACTIVE ? "it has exited" : ks_strerror(err));
			CloseHandle(r->w.thread);
			r->failed++;
			return 0;
		}
		if (err) {	/* Ctrl+C before we suspended it */
			CloseHandle(r->w.thread);
			return 1;
		}
		suspended = 1;
	}
	err = ks_walk_user(&r->w, &user);
	if (suspended) {
		ks_suspend_test_hook();
		ks_suspend_end();
	}
	CloseHandle(r->w.thread);
	r->w.thread = NULL;

	/* resumed: only now the slow part, naming the frames */
	if (want_kernel && kp.have_frames) {
		/* Kernel images are loaded into dbghelp only once a run has
		 * kernel frames to name: EnumDeviceDrivers + ~200 modules. */
		if (kp.frames.nr)
			load_kernel_symbols(r);
		t->kernel_shown = 1;
		t->kernel_flags = kp.stack_flags;
		t->kernel_via = ks_kernel_part_via(&kp);
		symbolize(r, &kp.frames, &t->kernel);
		if (kp.stack_flags & KSTACK_SF_RAN)
			fprintf(stderr, "kstack: thread %lu: it kept running during the kernel "
				"walk; frames may mix two moments\n", (unsigned long)ti->tid);
		if (kp.stack_flags & KSTACK_SF_UNRELIABLE)
			fprintf(stderr, "kstack: thread %lu: the driver's unwinder reported "
				"an error; the kernel part may be incomplete\n",
				(unsigned long)ti->tid);
		if (kp.frames.truncated)
			fprintf(stderr, "kstack: thread %lu: kernel stack truncated at %u frames\n",
				(unsigned long)ti->tid, kp.frames.nr);
	} else if (want_kernel) {
		ks_kernel_part_why(&r->w, &kp, t->kernel_why, sizeof(t->kernel_why));
		r->kernel_missing++;
	}
	if (err) {
		t->stop = KS_REC_NO_CONTEXT;
		snprintf(t->stop_why, sizeof(t->stop_why), "cannot get the thread context: %s",
			 ks_strerror(err));
		r->failed++;
		return 0;
	}
	symbolize(r, &user, &t->user);
	if (user.truncated)
		fprintf(stderr, "kstack: thread %lu: user stack truncated at %u frame%s "
			"(-n raises the limit)\n", (unsigned long)ti->tid, user.nr,
			user.nr == 1 ? "" : "s");
	r->shown++;
	return 0;
}

/* Plain text: each thread printed as soon as it is walked, then forgotten. */
static void report_thread(struct run *r, const struct ks_run_info *ri,
			  const struct ks_thread_info *ti)
{
	struct ks_thread_rec t;

	if (!capture_thread(r, ti, &t))
		ks_text_body(ri, &t);
	ks_rec_free(&t);
}

static void run_info(const struct run *r, struct ks_run_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->pid = r->pi->pid;
	ri->name = r->pi->name;
	ri->nr_threads = r->pi->nr_threads;
	ri->kernel_off = r->kernel_off;
	ri->user_width = r->user_width;
	ri->kernel_width = r->kernel_width;
	ri->waits_asked = r->wct.session != NULL;
}

/* Opens the target; prints why not and returns NULL. */
static HANDLE open_target(const struct ks_process_info *pi, DWORD priv_err)
{
	HANDLE h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pi->pid);
	struct ks_esc_buf e;
	DWORD err, code;

	if (!h) {
		err = GetLastError();
		if (err == ERROR_INVALID_PARAMETER)
			fprintf(stderr, "kstack: process %lu has exited\n", (unsigned long)pi->pid);
		else if (err == ERROR_ACCESS_DENIED)
			fprintf(stderr, "kstack: cannot open process %lu (%s): access denied "
				"(a protected process%s)\n", (unsigned long)pi->pid,
				ks_esc(&e, pi->name), priv_err ? ", or kstack is not elevated" : "");
		else
			fprintf(stderr, "kstack: cannot open process %lu: %s\n",
				(unsigned long)pi->pid, ks_strerror(err));
		return NULL;
	}
	if (GetExitCodeProcess(h, &code) && code != STILL_ACTIVE) {
		fprintf(stderr, "kstack: process %lu has exited (exit code %lu)\n",
			(unsigned long)pi->pid, (unsigned long)code);
		CloseHandle(h);
		return NULL;
	}
	return h;
}

/* Can this build walk that process? Sets r->w.target_wow64 and the width. */
static int check_bitness(struct run *r, const struct ks_process_info *pi)
{
	BOOL self_wow = FALSE, target_wow = FALSE;
	struct ks_esc_buf e;

	IsWow64Process(GetCurrentProcess(), &self_wow);
	IsWow64Process(r->w.process, &target_wow);
	if (self_wow && !target_wow) {
		fprintf(stderr, "kstack: process %lu (%s) is a 64-bit process: use the "
			"x64 build of kstack\n", (unsigned long)pi->pid, ks_esc(&e, pi->name));
		return -1;
	}
	r->w.target_wow64 = sizeof(void *) == 8 && target_wow;
	r->user_width = (sizeof(void *) == 8 && !target_wow) ? 16 : 8;
	/* 64-bit Windows has 64-bit kernel addresses, whatever the target. */
	r->kernel_width = (sizeof(void *) == 8 || self_wow) ? 16 : 8;
	return 0;
}

/*
 * --deadlocks: each thread's wait chain, and of those Wait Chain
 * Traversal flags as cycles, one "deadlock:" line each (its smallest
 * thread id first, each cycle once); then the report of those threads of
 * the process. KS_EXIT_DEADLOCK when there was one.
 */
static int report_deadlocks(struct run *r, struct ks_process_info *pi)
{
	static DWORD seen[1024];
	struct ks_thread_info *keep;
	unsigned i, j, k, nseen = 0, nkeep = 0, ncycles = 0;
	struct ks_wct_wait wt;
	struct ks_run_info ri;

	if (!r->wct.session) {
		fprintf(stderr, "kstack: --deadlocks: %s\n", r->wct.why);
		return KS_EXIT_FAILED;
	}
	keep = calloc(pi->nr_threads ? pi->nr_threads : 1, sizeof(*keep));
	if (!keep)
		return KS_EXIT_FAILED;
	for (i = 0; i < pi->nr_threads; i++) {
		DWORD first;

		if (ks_wct_thread(&r->wct, pi->threads[i].tid, &wt) || !wt.cycle || !wt.ncycle)
			continue;
		/* once per cycle: known by its smallest member */
		first = wt.cycle_tids[0];
		for (j = 1; j < wt.ncycle; j++)
			if (wt.cycle_tids[j] < first)
				first = wt.cycle_tids[j];
		for (k = 0; k < nseen && seen[k] != first; k++)
			;
		if (k < nseen)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = first;
		ncycles++;
		for (k = 0; wt.cycle_tids[k] != first; k++)
			;
		printf("deadlock:");
		for (j = 0; j < wt.ncycle; j++)
			printf(" %lu ->", (unsigned long)wt.cycle_tids[(k + j) % wt.ncycle]);
		printf(" %lu\n", (unsigned long)first);
		for (j = 0; j < wt.ncycle; j++)
			for (k = 0; k < pi->nr_threads && nkeep < pi->nr_threads; k++)
				if (pi->threads[k].tid == wt.cycle_tids[j])
					keep[nkeep++] = pi->threads[k];
	}
	if (!ncycles)
		printf("no deadlock: %u threads\n", pi->nr_threads);
	/* the threads of the cycles, as the report shows them */
	free(pi->threads);
	pi->threads = keep;
	pi->nr_threads = nkeep;
	if (!nkeep)
		return KS_EXIT_OK;
	printf("\n");
	run_info(r, &ri);
	r->streamed = 1;
	for (i = 0; i < pi->nr_threads && !ks_interrupted(); i++)
		report_thread(r, &ri, &pi->threads[i]);
	fflush(stdout);
	return ks_interrupted() ? KS_EXIT_INTERRUPTED : KS_EXIT_DEADLOCK;
}

/* The process line, and the kernel part's line when it is one for the run. */
static void print_process(const struct run *r)
{
	const struct ks_process_info *pi = r->pi;
	struct ks_esc_buf e;

	printf("process %lu (%s): %u thread%s\n", (unsigned long)pi->pid,
	       ks_esc(&e, pi->name), pi->nr_threads, pi->nr_threads == 1 ? "" : "s");
	if (r->kernel_off)
		printf("%s\n", r->kernel_off);
}

/*
 * --format json, --group: every thread captured first, then written
 * whole (a group is known only once all its threads are). Interrupted:
 * what was captured until then.
 */
static int report_gathered(struct run *r, const struct ks_run_info *ri)
{
	const struct ks_process_info *pi = r->pi;
	struct ks_thread_rec *recs;
	struct ks_groups g = { NULL, 0, NULL };
	unsigned i, n = 0;
	int err = 0;

	recs = calloc(pi->nr_threads ? pi->nr_threads : 1, sizeof(*recs));
	if (!recs) {
		fprintf(stderr, "kstack: out of memory\n");
		return -1;
	}
	for (i = 0; i < pi->nr_threads && !ks_interrupted(); i++) {
		if (capture_thread(r, &pi->threads[i], &recs[n])) {
			ks_rec_free(&recs[n]);
			break;
		}
		n++;
	}
	if (r->opt->group && ks_group_threads(recs, n, &g)) {
		fprintf(stderr, "kstack: out of memory\n");
		err = -1;
	} else if (r->opt->format == KS_FORMAT_JSON) {
		err = ks_json_report(stdout, ri, recs, n, r->opt->group ? &g : NULL);
	} else {
		print_process(r);
		ks_group_text(ri, &g);
	}
	ks_groups_free(&g);
	for (i = 0; i < n; i++)
		ks_rec_free(&recs[i]);
	free(recs);
	return err;
}

/* Reports the run's threads; a KS_EXIT_* code from what was shown. */
static int report_threads(struct run *r, const struct ks_process_info *pi)
{
	struct ks_run_info ri;
	unsigned i;

	run_info(r, &ri);
	if (r->opt->format == KS_FORMAT_TEXT && !r->opt->group) {
		r->streamed = 1;
		print_process(r);
		for (i = 0; i < pi->nr_threads && !ks_interrupted(); i++)
			report_thread(r, &ri, &pi->threads[i]);
	} else if (report_gathered(r, &ri)) {
		return KS_EXIT_FAILED;
	}
	fflush(stdout);

	if (ks_interrupted()) {
		fprintf(stderr, "kstack: interrupted; every suspended thread was resumed\n");
		return KS_EXIT_INTERRUPTED;
	}
	if (!r->shown)
		return KS_EXIT_FAILED;
	if (r->failed || r->kernel_missing || (r->kernel_off && !r->opt->no_kernel))
		return KS_EXIT_PARTIAL;
	return KS_EXIT_OK;
}

/* ks_kernel_read_fn over the driver's READ_MEMORY (all or nothing). */
static int read_kernel(void *ctx, ULONG64 addr, void *buf, size_t len)
{
	if (len > KSTACK_READ_MAX)
		return -1;
	return ks_device_read(ctx, addr, buf, (DWORD)len) ? -1 : 0;
}

/* Every early return goes through out:, which releases what was taken. */
int ks_report(const struct ks_options *opt)
{
	struct ks_process_info pi;
	struct run r;
	DWORD err, priv_err;
	int rc = KS_EXIT_FAILED;

	memset(&r, 0, sizeof(r));
	memset(&pi, 0, sizeof(pi));
	r.opt = opt;
	r.dev.h = INVALID_HANDLE_VALUE;
	ks_suspend_setup();
	priv_err = ks_enable_debug_privilege();

	err = ks_query_process(opt->pid, opt->tid, &pi);
	if (err == ERROR_NOT_FOUND) {
		if (opt->tid && opt->pid)
			fprintf(stderr, "kstack: process %lu has no thread %lu\n",
				(unsigned long)opt->pid, (unsigned long)opt->tid);
		else if (opt->tid)
			fprintf(stderr, "kstack: no thread with id %lu\n", (unsigned long)opt->tid);
		else
			fprintf(stderr, "kstack: no process with id %lu\n", (unsigned long)opt->pid);
		goto out;
	}
	if (err) {
		fprintf(stderr, "kstack: cannot list processes: %s\n", ks_strerror(err));
		goto out;
	}
	/* Walking ourselves would suspend the walker: refuse clearly. */
	if (pi.pid == GetCurrentProcessId()) {
		fprintf(stderr, "kstack: process %lu is kstack itself\n", (unsigned long)pi.pid);
		goto out;
	}
	r.w.process = open_target(&pi, priv_err);
	if (!r.w.process || check_bitness(&r, &pi))
		goto out;

	if (!opt->no_kernel)
		ks_device_open(&r.dev);
	r.w.dev = &r.dev;
	r.w.syms = &r.syms;
	r.w.kernel_start = ks_kernel_start();
	err = ks_symbols_init(&r.syms, r.w.process, opt->symbol_path);
	if (err)	/* still walk: frames print as bare addresses */
		fprintf(stderr, "kstack: symbols unavailable: %s\n", ks_strerror(err));
	r.kernel_off = ks_kernel_unavailable(&r.dev, opt->no_kernel);
	/* A kernel module whose file cannot be read is named from its
	 * export directory in memory, through the driver. */
	if (!r.kernel_off)
		ks_symbols_set_kernel_reader(&r.syms, read_kernel, &r.dev);
	if (!r.kernel_off && pi.nr_threads)
		r.kernel_off = ks_kernel_probe(&r.w, pi.threads[0].tid, opt->kernel_via);
	r.pi = &pi;
	/* who holds it: said once where it cannot be known */
	if (ks_wct_open(&r.wct) && !opt->deadlocks)
		fprintf(stderr, "kstack: waiting for: %s\n", r.wct.why);
	rc = opt->deadlocks ? report_deadlocks(&r, &pi) : report_threads(&r, &pi);
out:
	/* each is a no-op on what was never set up (zeroed above) */
	ks_wct_close(&r.wct);
	ks_symbols_cleanup(&r.syms);
	ks_device_close(&r.dev);
	if (r.w.process)
		CloseHandle(r.w.process);
	ks_process_info_free(&pi);
	return rc;
}
