// SPDX-License-Identifier: GPL-2.0
/*
 * The threads kstack --watch is tested on (tests/vm/guest/45-watch.sh):
 *
 *   watch_zoo -o FILE [-w SECONDS] [-c]
 *
 * writes "TID ROLE" lines to FILE once every thread is in place:
 *   vfork    a thread blocked in vfork() (D) while its child sleeps: stuck
 *   sleeper  nanosleep(100 ms) in a loop: never stuck
 *   cond     pthread_cond_wait() until main signals it after SECONDS
 *            (default 6), then nanosleep(100 ms) in a loop: stuck once,
 *            then unstuck once
 * and then "ready". -c adds a churner: a thread that creates and joins a
 * short-lived thread every millisecond, so that a watch meets new thread
 * ids all the time (the long run's memory must not grow with them).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int woken, in_place;
static FILE *out;

static void record(const char *role)
{
	pthread_mutex_lock(&lock);
	fprintf(out, "%ld %s\n", (long)syscall(SYS_gettid), role);
	in_place++;
	pthread_mutex_unlock(&lock);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The child borrows the address space and makes raw syscalls only; the parent waits in D. */
static void *t_vfork(void *a)
{
	struct timespec ts = { .tv_sec = 100000 };

	(void)a;
	record("vfork");
	if (vfork() == 0) {
		for (;;)
			syscall(SYS_nanosleep, &ts, NULL);
	}
	abort();
}

static void *t_sleeper(void *a)
{
	(void)a;
	record("sleeper");
	for (;;)
		nap_ms(100);
	return NULL;
}

static void *t_cond(void *a)
{
	(void)a;
	pthread_mutex_lock(&lock);
	fprintf(out, "%ld cond\n", (long)syscall(SYS_gettid));
	in_place++;
	while (!woken)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	for (;;)
		nap_ms(100);
	return NULL;
}

static void *t_short(void *a)
{
	return a;
}

static void *t_churn(void *a)
{
	(void)a;
	record("churn");
	for (;;) {
		pthread_t t;

		if (!pthread_create(&t, NULL, t_short, NULL))
			pthread_join(t, NULL);
		nap_ms(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int secs = 6, churn = 0, opt, want = 3, n;
	pthread_t t;

	while ((opt = getopt(argc, argv, "o:w:c")) != -1) {
		switch (opt) {
		case 'o':
			path = optarg;
			break;
		case 'w':
			secs = atoi(optarg);
			break;
		case 'c':
			churn = 1;
			break;
		default:
			fprintf(stderr, "usage: watch_zoo -o FILE [-w SECONDS] [-c]\n");
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "watch_zoo: -o FILE\n");
		return 2;
	}
	out = fopen(path, "w");
	if (!out)
		return 1;
	pthread_create(&t, NULL, t_vfork, NULL);
	pthread_create(&t, NULL, t_sleeper, NULL);
	pthread_create(&t, NULL, t_cond, NULL);
	if (churn) {
		pthread_create(&t, NULL, t_churn, NULL);
		want++;
	}
	do {
		nap_ms(10);
		pthread_mutex_lock(&lock);
		n = in_place;
		pthread_mutex_unlock(&lock);
	} while (n < want);
	nap_ms(100);	/* the vfork child is there, the parent thread in D */
	pthread_mutex_lock(&lock);
	fprintf(out, "ready\n");
	fflush(out);
	pthread_mutex_unlock(&lock);
	nap_ms(secs * 1000L);
	pthread_mutex_lock(&lock);
	woken = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	for (;;)
		pause();
}
