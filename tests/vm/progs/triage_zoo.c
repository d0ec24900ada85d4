// SPDX-License-Identifier: GPL-2.0
/*
 * triage_zoo: known populations for kstack's triage tests (--group,
 * --state, --sample). Writes "ID KIND" lines to FILE once all are in
 * place (temp file + rename: readers never see half), then waits.
 *
 *   triage_zoo three N FILE     3 x N threads: N in nanosleep ("tz-sleep"),
 *                               N in read(pipe) ("tz-pipe"), N in futex
 *                               wait ("tz-futex"); one stack per kind
 *   triage_zoo vfork N FILE     N processes each blocked in vfork() (the
 *                               parent waits for its child in D state)
 *   triage_zoo alternate N FILE N threads ("alt-worker") alternating 2 s in
 *                               nanosleep and 2 s in read(pipe), each woken
 *                               by its own helper thread ("alt-helper")
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int idle_pipe[2];	/* never written */
static int futex_word;
static int started;

static void record(const char *kind)
{
	prctl(PR_SET_NAME, kind);
	pthread_mutex_lock(&out_lock);
	fprintf(out, "%ld %s\n", (long)syscall(SYS_gettid), kind);
	started++;
	pthread_mutex_unlock(&out_lock);
}

static void *t_sleep(void *a)
{
	struct timespec ts = { .tv_sec = 100000 };

	(void)a;
	record("tz-sleep");
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

static void *t_pipe(void *a)
{
	char c;

	(void)a;
	record("tz-pipe");
	for (;;)
		if (read(idle_pipe[0], &c, 1) < 0)
			return NULL;
	return NULL;
}

static void *t_futex(void *a)
{
	(void)a;
	record("tz-futex");
	for (;;)
		syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

struct pair {
	int go[2], back[2];
};

/* worker: 2 s asleep, then 2 s in read(pipe) until its helper writes */
static void *t_worker(void *a)
{
	struct pair *p = a;
	struct timespec two = { .tv_sec = 2 };
	char c = 0;

	record("alt-worker");
	for (;;) {
		nanosleep(&two, NULL);
		if (write(p->go[1], &c, 1) != 1 || read(p->back[0], &c, 1) != 1)
			return NULL;
	}
	return NULL;
}

static void *t_helper(void *a)
{
	struct pair *p = a;
	struct timespec two = { .tv_sec = 2 };
	char c;

	record("alt-helper");
	for (;;) {
		if (read(p->go[0], &c, 1) != 1)
			return NULL;
		nanosleep(&two, NULL);
		if (write(p->back[1], &c, 1) != 1)
			return NULL;
	}
	return NULL;
}

static void spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, fn, arg)) {
		fprintf(stderr, "triage_zoo: pthread_create failed\n");
		exit(1);
	}
}

static void wait_started(int n)
{
	for (;;) {
		pthread_mutex_lock(&out_lock);
		if (started >= n) {
			pthread_mutex_unlock(&out_lock);
			return;
		}
		pthread_mutex_unlock(&out_lock);
		usleep(10000);
	}
}

/* One process blocked in vfork(): its child stays alive without exec. */
static pid_t vfork_parent(void)
{
	pid_t p = fork();

	if (p == 0) {
		pid_t c = vfork();

		if (c == 0) {
			/*
			 * The parent stays in D until this child execs or exits;
			 * killing the parent takes the child with it.
			 */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		_exit(0);
	}
	return p;
}

int main(int argc, char **argv)
{
	char tmp[4096];
	int n, i;

	if (argc != 4 || (n = atoi(argv[2])) < 1 || n > 5000) {
		fprintf(stderr, "usage: triage_zoo three|vfork|alternate N FILE\n");
		return 2;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[3]);
	out = fopen(tmp, "w");
	if (!out || pipe(idle_pipe)) {
		perror("triage_zoo");
		return 1;
	}
	if (!strcmp(argv[1], "three")) {
		for (i = 0; i < n; i++) {
			spawn(t_sleep, NULL);
			spawn(t_pipe, NULL);
			spawn(t_futex, NULL);
		}
		wait_started(3 * n);
	} else if (!strcmp(argv[1], "vfork")) {
		for (i = 0; i < n; i++)
			fprintf(out, "%d vfork-parent\n", (int)vfork_parent());
		/* each parent is in vfork() once its child shows up */
		sleep(1);
	} else if (!strcmp(argv[1], "alternate")) {
		for (i = 0; i < n; i++) {
			struct pair *p = malloc(sizeof(*p));

			if (!p || pipe(p->go) || pipe(p->back))
				return 1;
			spawn(t_helper, p);
			spawn(t_worker, p);
		}
		wait_started(2 * n);
	} else {
		fprintf(stderr, "triage_zoo: unknown population %s\n", argv[1]);
		return 2;
	}
	fclose(out);
	rename(tmp, argv[3]);
	for (;;)
		pause();
}
