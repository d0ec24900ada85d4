// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Per thread: kernel part from the driver (before suspending, so the
 * driver sees the thread's real wait and not our suspend APC), then
 * suspend, user context + StackWalk64, resume, and only then symbolize
 * and print, so a thread stays suspended for as short a time as possible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "escape.h"
#include "kernel_part.h"
#include "privilege.h"
#include "report.h"
#include "suspend.h"
#include "threads.h"
#include "walk.h"

struct run {
	const struct ks_options *opt;
	struct ks_walker w;
	struct ks_device dev;
	struct ks_symbols syms;
	const char *kernel_off;		/* one line for the whole run, or NULL */
	int user_width;			/* hex digits of a user address */
	int kernel_width;		/* ... and of a kernel address */
	unsigned shown, failed, kernel_missing;
};

static void print_frames(struct run *r, const struct ks_frames *f, int width)
{
	char sym[2048 + 64];	/* MAX_SYM_NAME is 2000 */
	struct ks_esc_buf e;
	unsigned i;

	for (i = 0; i < f->nr; i++) {
		ks_symbols_format(&r->syms, f->pc[i], i > 0, sym, sizeof(sym));
		/* module and symbol names come from the target's files */
		printf("  0x%0*llx : %s\n", width, (unsigned long long)f->pc[i],
		       ks_esc(&e, sym));
	}
}

static HANDLE open_thread(DWORD tid, DWORD *err)
{
	HANDLE h = OpenThread(THREAD_GET_CONTEXT | THREAD_SUSPEND_RESUME |
			      THREAD_QUERY_INFORMATION, FALSE, tid);

	*err = h ? 0 : GetLastError();
	return h;
}

static void report_thread(struct run *r, const struct ks_thread_info *ti)
{
	static struct ks_kernel_part kp;	/* large: not on the stack */
	static struct ks_frames user;
	DWORD err, exit_code;
	int suspended = 0, want_kernel = !r->kernel_off;
	char why[512], desc[512];
	struct ks_esc_buf e;

	r->w.thread = open_thread(ti->tid, &err);
	printf("thread %lu: state %s", (unsigned long)ti->tid,
	       ks_thread_state_name(ti->state));
	if (ti->state == 5)	/* Waiting */
		printf(", wait reason %s", ks_wait_reason_name(ti->wait_reason));
	/* Set by the target (SetThreadDescription): anything at all. */
	if (r->w.thread && !ks_thread_description(r->w.thread, desc, sizeof(desc)) &&
	    desc[0])
		printf(", description \"%s\"", ks_esc(&e, desc));
	printf("\n");
	/* Out before the thread is suspended: if kstack dies mid-walk, the
	 * output still says which thread it was on. */
	fflush(stdout);

	if (!r->w.thread) {
		printf("  user: not shown: cannot open thread: %s\n",
		       err == ERROR_INVALID_PARAMETER ? "it has exited" : ks_strerror(err));
		r->failed++;
		return;
	}

	kp.frames.max = r->opt->max_frames;
	user.max = r->opt->max_frames;
	if (want_kernel)
		ks_kernel_part_before(&r->w, ti->tid, &kp);

	if (!r->opt->no_suspend) {
		err = ks_suspend_begin(r->w.thread);
		if (err && err != ERROR_OPERATION_ABORTED) {
			printf("  user: not shown: cannot suspend the thread: %s\n",
			       GetExitCodeThread(r->w.thread, &exit_code) &&
			       exit_code != STILL_ACTIVE ? "it has exited" : ks_strerror(err));
			CloseHandle(r->w.thread);
			r->failed++;
			return;
		}
		if (err) {	/* Ctrl+C before we suspended it */
			CloseHandle(r->w.thread);
			return;
		}
		suspended = 1;
	}
	if (want_kernel)
		ks_kernel_part_suspended(&r->w, ti->tid, &kp);
	err = ks_walk_user(&r->w, &user);
	if (suspended) {
		ks_suspend_test_hook();
		ks_suspend_end();
	}
	CloseHandle(r->w.thread);
	r->w.thread = NULL;

	if (want_kernel && kp.have_frames) {
		/* Kernel images are loaded into dbghelp only once a run has
		 * kernel frames to name: EnumDeviceDrivers + ~200 modules. */
		if (kp.frames.nr)
			ks_symbols_load_kernel(&r->syms);
		print_frames(r, &kp.frames, r->kernel_width);
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
		ks_kernel_part_why(&r->w, &kp, why, sizeof(why));
		printf("  %s\n", why);
		r->kernel_missing++;
	}
	if (err) {
		printf("  user: not shown: cannot get the thread context: %s\n",
		       ks_strerror(err));
		r->failed++;
		return;
	}
	if (!user.nr)
		printf("  user: no frames (the thread has no user-mode context)\n");
	print_frames(r, &user, r->user_width);
	if (user.truncated)
		fprintf(stderr, "kstack: thread %lu: user stack truncated at %u frame%s "
			"(-n raises the limit)\n", (unsigned long)ti->tid, user.nr,
			user.nr == 1 ? "" : "s");
	r->shown++;
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

/* Reports the run's threads; a KS_EXIT_* code from what was shown. */
static int report_threads(struct run *r, const struct ks_process_info *pi)
{
	struct ks_esc_buf e;
	unsigned i;

	printf("process %lu (%s): %u thread%s\n", (unsigned long)pi->pid,
	       ks_esc(&e, pi->name), pi->nr_threads, pi->nr_threads == 1 ? "" : "s");
	if (r->kernel_off)
		printf("%s\n", r->kernel_off);
	for (i = 0; i < pi->nr_threads && !ks_interrupted(); i++)
		report_thread(r, &pi->threads[i]);
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
	if (!r.kernel_off && pi.nr_threads)
		r.kernel_off = ks_kernel_probe(&r.w, pi.threads[0].tid);
	rc = report_threads(&r, &pi);
out:
	/* each is a no-op on what was never set up (zeroed above) */
	ks_symbols_cleanup(&r.syms);
	ks_device_close(&r.dev);
	if (r.w.process)
		CloseHandle(r.w.process);
	ks_process_info_free(&pi);
	return rc;
}
