// SPDX-License-Identifier: GPL-2.0
/*
 * kstack: kernel-mode call stacks of Linux threads, through /dev/kstack
 * (kstack.ko). main() parses the command line once (options.c), sets up,
 * resolves once which path every thread takes and whether its user half
 * is taken, dispatches on the action and leaves through one exit path;
 * the work is in listing.c (with show.c, verify_cmd.c), triage.c (--group,
 * filters, formats, --sample) and lib/ (the capture pipeline:
 * lib/pipeline.h).
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
#include "cli.h"

/* Everything a run sets up, torn down in one place. */
struct run {
	const struct opts *o;
	struct ks_session s;
	bool session_open;
	struct ks_symcache names;
	struct ks_stack_text text;
	struct tally tally;
	enum ks_pipe_path path;		/* where every thread's kernel half comes from */
	bool user;			/* and its user half too */
};

/* Notes name modules and paths: escaped (escape.h). */
static void note(void *ctx, const char *msg)
{
	(void)ctx;
	fputs("kstack: note: ", stderr);
	ks_escape_write(stderr, msg, strlen(msg));
	fputc('\n', stderr);
}

/* Does the driver hand out FRAMES records with tails, and names? */
static bool frames_usable(const struct ks_driver *drv)
{
	uint32_t need = KSTACK_CAP_SNAPSHOT | KSTACK_CAP_SNAP_TAIL | KSTACK_CAP_SYMBOLIZE;

	return (drv->version.caps & need) == need;
}

/*
 * The path every thread takes (lib/pipeline.h), decided here once from
 * the options and what the driver gives: thread by thread where asked
 * (-S, --raw, --verify); else the driver's frames where it hands them out;
 * else an older driver's RAW SNAPSHOTs walked here (the reports always,
 * the listing where the driver has SNAPSHOT at all; -t needs frames),
 * else thread by thread.
 */
static enum ks_pipe_path cli_path(const struct opts *o, const struct ks_driver *drv)
{
	if ((o->action != CLI_SHOW && o->action != CLI_WATCH && o->action != CLI_DEADLOCKS) ||
	    o->no_snapshot)
		return KS_PIPE_THREADS;
	if (frames_usable(drv))
		return KS_PIPE_FRAMES;
	if (o->triage.used || o->action == CLI_WATCH)
		return KS_PIPE_RAW;
	if (o->target == CLI_TIDS || !(drv->version.caps & KSTACK_CAP_SNAPSHOT))
		return KS_PIPE_THREADS;
	return KS_PIPE_RAW;
}

/*
 * Whether each thread's user half is taken too (*on), one rule for the
 * listing, the reports and --sample: both halves by default, the kernel
 * half alone with --kernel or thread by thread. (--sample took the kernel
 * half alone by default, which merged threads that wait in the same
 * kernel place for different reasons, a mutex and a condition variable;
 * a round with user halves costs more, README's "--sample" says how much.)
 * It needs the driver's frames (their tails carry the user registers) and
 * /proc of our pid namespace (maps and files are found by the driver's
 * ids): without them --user fails and the default goes on with the
 * kernel half, with a note.
 */
static struct ks_error *cli_user_half(const struct opts *o, enum ks_pipe_path path, bool *on)
{
	struct ks_error *why;

	*on = false;
	if (path == KS_PIPE_THREADS || o->half == CLI_KERNEL)
		return NULL;
	if (o->half == CLI_USER && o->triage.group == KS_GROUP_KERNEL)
		return ks_error_format(EINVAL, "--user and --group=kernel exclude each other");
	why = path == KS_PIPE_FRAMES ? ks_proc_is_ours() :
	      ks_error_format(ENOTSUP, "the driver gives no user registers (SNAPSHOT tails)");
	if (why) {
		why = ks_error_wrap(why, "user half");
		if (o->half == CLI_USER)
			return why;
		note(NULL, why->message);
		ks_error_destroy(why);
		return NULL;
	}
	*on = true;
	return NULL;
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
	struct ks_error *err = ks_session_open_driver(&r->s, &so);

	if (err)
		return err;
	r->session_open = true;
	/*
	 * Names from kallsyms (--verify, --tables, -k): the walker's setup
	 * parses it now; else the pipeline sets the walker up where its path
	 * walks, and names come from the driver's SYMBOLIZE.
	 */
	if (so.need_ksyms || o->kallsyms)
		err = ks_session_walker(&r->s);
	ks_symcache_init(&r->names, &r->s.ksyms);
	ks_symcache_use_driver(&r->names, &r->s.drv);
	ks_stack_text_init(&r->text, &r->names, 0);
	r->path = cli_path(o, &r->s.drv);
	return err;
}

static void run_close(struct run *r)
{
	if (r->session_open) {
		ks_stack_text_fini(&r->text);
		ks_symcache_fini(&r->names);
		ks_session_close(&r->s);
	}
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

static int run(const struct opts *o)
{
	static struct run r;
	struct listing l = { .o = o, .tally = &r.tally };
	struct timespec t0, t1;
	struct ks_error *err;
	int rc;

	r.o = o;
	r.tally.strict = o->strict;
	r.tally.problems.verbose = o->verbose;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = run_open(&r);
	if (!err)
		err = cli_user_half(o, r.path, &r.user);
	if (err)
		goto out;
	if (o->action == CLI_WATCH) {
		err = watch_run(o, &r.s, &r.names, r.path, r.user, &r.tally);
	} else if (o->triage.used) {
		err = triage_run(o, &r.s, &r.names, r.path, r.user, &r.tally);
	} else if (o->action == CLI_TABLES) {
		err = run_tables(&r);
	} else if (o->action == CLI_DEADLOCKS) {
		err = deadlocks_run(o, &r.s, &r.names, &r.text, r.path, r.user, &r.tally);
	} else {
		l.s = &r.s;
		l.names = &r.names;
		l.text = &r.text;
		l.path = r.path;
		l.user = r.user;
		err = listing_run(&l);
	}
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
	/* what went wrong with threads: one line a kind (problems.c) */
	cli_problems_say(&r.tally.problems);
	cli_problems_fini(&r.tally.problems);
	rc = exit_status(&r.tally, o->action);
	run_close(&r);
	return rc;
}

/*
 * Everything printed reached its file: a full disk, a closed or failing
 * stdout is an error (exit 2), not a listing silently cut short. gnulib's
 * close_stdout() rule: an error flagged on the stream, or a close that
 * fails. A run that already failed (exit 2) has said why, a report's
 * write error included (lib/report/report.c): not twice.
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
