// SPDX-License-Identifier: GPL-2.0
/*
 * procstates MODE FILE: put a process into a state the CLI must report
 * truthfully, write the ids to FILE, then wait forever (kill it to end).
 *   zombie       a child that exited and is never reaped: FILE gets its pid
 *   leader-exit  the main thread calls pthread_exit while a worker sleeps:
 *                FILE gets "PID WORKER_TID"
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *out;

static void put(const char *line)
{
	char tmp[256];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "w");
	if (!f || fputs(line, f) < 0 || fclose(f) || rename(tmp, out)) {
		perror("procstates");
		exit(1);
	}
}

static void *worker(void *arg)
{
	char line[64];
	struct timespec ts = { 1000, 0 };

	snprintf(line, sizeof(line), "%d %ld\n", (int)getpid(), (long)syscall(SYS_gettid));
	(void)arg;
	put(line);
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	char line[64];
	pthread_t t;
	pid_t p;

	if (argc != 3) {
		fprintf(stderr, "usage: procstates zombie|leader-exit FILE\n");
		return 2;
	}
	out = argv[2];
	if (!strcmp(argv[1], "zombie")) {
		p = fork();
		if (p < 0)
			return 1;
		if (p == 0)
			_exit(0);
		/* let it exit before saying so; never wait for it */
		usleep(200000);
		snprintf(line, sizeof(line), "%d\n", (int)p);
		put(line);
		for (;;)
			pause();
	}
	if (!strcmp(argv[1], "leader-exit")) {
		if (pthread_create(&t, NULL, worker, NULL))
			return 1;
		pthread_exit(NULL);
	}
	fprintf(stderr, "procstates: unknown mode %s\n", argv[1]);
	return 2;
}
