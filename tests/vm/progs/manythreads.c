// SPDX-License-Identifier: GPL-2.0
/*
 * manythreads N FILE: N threads ("mt-worker") each blocked in pause(), on
 * the smallest stacks pthreads allows (PTHREAD_STACK_MIN, no guard page), so
 * that a VM of a few GB holds more than SNAPSHOT's bound of threads
 * (KSTACK_SNAP_MAX_THREADS) in two processes. FILE gets the number started
 * (temp file + rename: readers never see half), then the process waits.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void *mt_worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "mt-worker");
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	char tmp[4096];
	pthread_attr_t attr;
	pthread_t t;
	FILE *f;
	int n, i, e = 0;

	if (argc != 3 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: manythreads N FILE\n");
		return 64;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	pthread_attr_setguardsize(&attr, 0);
	for (i = 0; i < n; i++) {
		e = pthread_create(&t, &attr, mt_worker, NULL);
		if (e)
			break;
	}
	if (e)
		fprintf(stderr, "manythreads: thread %d: %s\n", i, strerror(e));
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", i) < 0 || fclose(f) || rename(tmp, argv[2]))
		return 1;
	for (;;)
		pause();
}
