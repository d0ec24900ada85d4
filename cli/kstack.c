// SPDX-License-Identifier: GPL-2.0
/*
 * kstack: kernel-mode call stacks of Linux threads, through /dev/kstack
 * (kstack.ko). main() parses the command line once (options.c), sets up,
 * dispatches on the action and leaves through one exit path; the work is
 * in show.c, verify_cmd.c, triage.c (--group, filters, formats, --sample)
 * and lib/.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "output.h"
#include "user_half.h"
#include "cli.h"

/* Everything a run sets up, torn down in one place. */
struct run {
	const struct opts *o;
	struct ks_session s;
	bool session_open;
	struct ks_symcache names;
	struct ks_stack_text text;
	struct ks_tid_list tids;
	struct ks_snapshot snap;
	struct tally tally;
	struct ks_user_half user;	/* the user half of each thread (lib/user_half.h) */
	bool user_on;
};

/* Notes name modules and paths: escaped (escape.h). */
static void note(void *ctx, const char *msg)
{
	(void)ctx;
	fputs("kstack: note: ", stderr);
	ks_escape_write(stderr, msg, strlen(msg));
	fputc('\n', stderr);
}

static struct ks_error *run_open(struct run *r)
{
	const struct opts *o = r->o;
	struct ks_session_opts so = {
		.device = o->device,
		.kallsyms = o->kallsyms,
		/* --verify and --tables print kallsyms-based text */
		.need_ksyms = o->action == CLI_VERIFY || o->action == CLI_TABLES,
		/* --verify compares with STACK, which returns up to KSTACK_FRAMES_MAX */
		.max_frames = o->max_frames ? o->max_frames :
			      o->action == CLI_VERIFY ? KSTACK_FRAMES_MAX : KS_WALK_DEFAULT_MAX,
		.note = note,
	};
	/* the default path prints the driver's frames: no walker set up unless needed */
	bool driver_only = o->action == CLI_SHOW && !o->no_snapshot && !o->kallsyms;
	struct ks_error *err = driver_only ? ks_session_open_driver(&r->s, &so) :
					     ks_session_open(&r->s, &so);

	if (err)
		return err;
	r->session_open = true;
	ks_symcache_init(&r->names, &r->s.ksyms);
	ks_symcache_use_driver(&r->names, &r->s.drv);
	ks_stack_text_init(&r->text, &r->names, 0);
	return NULL;
}

static void run_close(struct run *r)
{
	if (r->session_open) {
		ks_stack_text_fini(&r->text);
		ks_symcache_fini(&r->names);
		ks_session_close(&r->s);
	}
	if (r->user_on)
		ks_user_half_fini(&r->user);
	ks_snapshot_fini(&r->snap);
	ks_tid_list_fini(&r->tids);
}

/*
 * The user half (default, --user) needs /proc of our pid namespace: its
 * maps and files are found by the ids the driver gives. Without it, or
 * with a driver without tails, --user fails and the default shows the
 * kernel half alone, with a note.
 */
static struct ks_error *user_half_open(struct run *r, bool frames)
{
	const struct opts *o = r->o;
	struct ks_error *why = NULL;
	uint32_t max = o->max_frames ? o->max_frames : KS_WALK_DEFAULT_MAX;

	if (o->half == CLI_KERNEL)
		return NULL;
	if (!frames)
		why = ks_error_format(ENOTSUP, "the driver gives no user registers (SNAPSHOT tails)");
	else
		why = proc_is_ours();
	if (why) {
		why = ks_error_wrap(why, "user half");
		if (o->half == CLI_USER)
			return why;
		note(NULL, why->message);
		ks_error_destroy(why);
		return NULL;
	}
	ks_user_half_init(&r->user, o->user_stack_bytes, max,
			  max < KSTACK_FRAMES_MAX ? max : KSTACK_FRAMES_MAX);
	cli_user_names(&r->user, o);
	r->user_on = true;
	return NULL;
}

static struct ks_error *run_tables(struct run *r)
{
	const struct ks_session *s = &r->s;
	size_t i;

	for (i = 0; i < s->orc.count; i++) {
		const struct ks_orc_table *t = s->orc.tables[i];
		char name[KS_ESCAPE_SIZE(64)];

		/* a module's name, from /sys/module: escaped */
		ks_escape_str(name, sizeof(name), t->name);
		printf("%-20s %8zu ORC entries for [%016" PRIx64 ", %016" PRIx64 ")\n",
		       name, t->n, t->start, t->end);
	}
	printf("layout: %s; %zu kernel symbols\n", ks_orc_layout_name(s->layout), s->ksyms.nsyms);
	r->tally.whole++;	/* the listing is the whole output */
	return NULL;
}

/*
 * PID.../--all/-t from SNAPSHOT: the driver's frames, one call per process
 * (or for the system); with a driver whose records have no tails, raw
 * stacks walked here (PID/--all only).
 */
static struct ks_error *run_snapshot(struct run *r)
{
	const struct opts *o = r->o;
	struct frames f = {
		.s = &r->s, .text = &r->text, .snap = &r->snap, .o = o, .tally = &r->tally,
	};
	bool frames = frames_usable(&r->s.drv);
	struct ks_error *err = NULL;
	size_t i;

	err = user_half_open(r, frames);
	if (err)
		return err;
	f.user = r->user_on ? &r->user : NULL;
	if (!frames) {
		err = ks_session_walker(&r->s);
		if (err)
			return err;
	}
	if (o->target == CLI_ALL) {
		err = frames ? frames_show_process(&f, 0) :
			       show_snapshot(&r->s, &r->text, 0, &r->tally, &r->snap);
		/* over one call's bound, before any output: process by process */
		if (err && err->code == E2BIG)
			err = show_per_process(&f, frames, err);
		/* --user asks for user halves: the threads without one, summed */
		if (!err && f.no_user)
			cli_message("%zu kernel %s left out: no user half (--user)", f.no_user,
				    f.no_user == 1 ? "thread" : "threads");
		return err;
	}
	for (i = 0; !err && i < o->nids; i++) {
		size_t shown = r->tally.whole + r->tally.cut + r->tally.running;

		if (o->target == CLI_TIDS) {
			err = frames_show_thread(&f, o->ids[i]);
			continue;
		}
		err = frames ? frames_show_process(&f, o->ids[i]) :
			       show_snapshot(&r->s, &r->text, o->ids[i], &r->tally, &r->snap);
		if (err && err->code == EPERM) {	/* not the caller's: say which, go on */
			tally_denied(&r->tally, err);
			ks_error_destroy(err);
			err = NULL;
		} else if (err && err->code == ESRCH) {	/* report, go on */
			ks_error_destroy(err);
			err = target_gone(o->ids[i], false, false, 0);
			tally_missing(&r->tally, err);
			ks_error_destroy(err);
			err = NULL;
		} else if (!err && !frames &&
			   r->tally.whole + r->tally.cut + r->tally.running == shown &&
			   r->snap.skipped) {
			/* found, with every thread gone: a zombie */
			err = target_gone(o->ids[i], false, true, r->snap.skipped);
			tally_missing(&r->tally, err);
			ks_error_destroy(err);
			err = NULL;
		}
	}
	return err;
}

/* Thread by thread: -t, -S, --verify, --raw (threads listed by the driver). */
static struct ks_error *run_threads(struct run *r)
{
	const struct opts *o = r->o;
	struct ks_error *err;
	size_t i;

	if (o->action == CLI_VERIFY) {
		/* /proc's stacks are compared by thread id: they must be ours */
		err = proc_is_ours();
		if (err)
			return ks_error_wrap(err, "--verify compares with /proc/PID/task/TID/stack");
	}
	err = ks_session_walker(&r->s);
	if (!err)
		err = targets_list(&r->s.drv, o, &r->tids, &r->tally);
	if (err)
		return err;
	for (i = 0; i < r->tids.n; i++) {
		const struct ks_tid *t = &r->tids.v[i];

		switch (o->action) {
		case CLI_VERIFY:
			verify_thread(&r->s, t, &r->tally, o);
			break;
		case CLI_RAW:
			raw_thread(&r->s, &r->text, t, &r->tally);
			break;
		default:
			show_thread(&r->s, &r->text, t, &r->tally, o->target == CLI_TIDS);
			break;
		}
	}
	return NULL;
}

static int run(const struct opts *o)
{
	static struct run r;
	struct timespec t0, t1;
	struct ks_error *err;
	int rc;

	r.o = o;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = run_open(&r);
	if (err)
		goto out;
	if (o->triage.used)
		err = triage_run(o, &r.s, &r.names, &r.tally);
	else if (o->action == CLI_TABLES)
		err = run_tables(&r);
	else if (o->action == CLI_SHOW && !o->no_snapshot &&
		 (o->target == CLI_TIDS ? frames_usable(&r.s.drv) :
					  (r.s.drv.version.caps & KSTACK_CAP_SNAPSHOT)))
		err = run_snapshot(&r);
	else if (o->half == CLI_USER)
		err = ks_error_format(ENOTSUP,
				      "--user: the driver gives no SNAPSHOT records with user registers");
	else
		err = run_threads(&r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err && o->action == CLI_VERIFY)
		verify_summary(&r.tally, (double)(t1.tv_sec - t0.tv_sec) +
					 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
out:
	if (err) {
		cli_message("%s", err->message);
		ks_error_destroy(err);
		/* what was printed before the error still counts */
		r.tally.failed++;
	}
	rc = exit_status(&r.tally, o->action);
	run_close(&r);
	return rc;
}

/*
 * Everything printed reached its file: a full disk, a closed or failing
 * stdout is an error (exit 2), not a listing silently cut short. gnulib's
 * close_stdout() rule: an error flagged on the stream, or a close that
 * fails. A run that already failed (exit 2) has said why, a report's
 * write error included (lib/report.c): not twice.
 */
static int close_stdout(int rc)
{
	bool failed_before = ferror(stdout);
	int e;

	errno = 0;
	if ((fclose(stdout) == 0 && !failed_before) || rc == EXIT_NOTHING)
		return rc;
	e = errno;
	if (failed_before && e == 0)
		cli_message("writing standard output failed");
	else
		cli_message("writing standard output: %s", strerror(e));
	return EXIT_NOTHING;
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct opts o;
	int rc;

	/*
	 * A closed stdout would be taken by the next open() (the driver's fd)
	 * and the listing written into it: refuse it before anything opens.
	 */
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0) {
		cli_message("standard output is closed");
		return EXIT_NOTHING;
	}
	/* into a pipe or file, many short lines go out in large blocks */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = opts_parse(argc, argv, &o);
	if (rc < 0) {
		rc = run(&o);
		opts_fini(&o);
	}
	return close_stdout(rc);
}
