// SPDX-License-Identifier: GPL-2.0
/*
 * ustack: threads with known user-mode call chains, for the user-half tests
 * (tests/vm/guest/30-user.sh) and the benchmark:
 *   main -> a -> b -> c -> nanosleep          (the main thread)
 *   worker -> pthread_cond_wait               (-w N of them, default 1)
 *   reader -> read(pipe)
 *   counter                                   (-c: counts in a busy loop)
 *   sleeper -> nanosleep(20 us), over and over (-s N of them: threads whose
 *                                              context-switch counts move)
 * Writes "ready PID" to FILE once every thread is parked. SIGUSR1 is
 * counted; on SIGUSR2 it appends "signals N counter C ns T" to FILE (T: a
 * CLOCK_MONOTONIC time), so a test can see that nothing was lost or slowed.
 * The functions are global (built with -rdynamic they are in .dynsym, and
 * a stripped copy still names them).
 *
 *   ustack -o FILE [-w WORKERS] [-c] [-s SLEEPERS]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int pipe_fd[2];
static volatile unsigned long counter;
static volatile sig_atomic_t nsignals, report;
static const char *out_path;

/* keeps calls from becoming tail calls, and functions from merging */
#define KEEP() __asm__ volatile("" ::: "memory")

void c(void);
void b(void);
void a(void);
void *worker(void *arg);
void *reader(void *arg);
void *count_loop(void *arg);
void *sleeper(void *arg);

static void append(const char *line)
{
	FILE *f = fopen(out_path, "a");

	if (f) {
		fputs(line, f);
		fclose(f);
	}
}

__attribute__((noinline)) void c(void)
{
	struct timespec ts = { .tv_sec = 100000 };
	char line[128];

	for (;;) {
		nanosleep(&ts, NULL);	/* a signal ends it early: sleep again */
		if (report) {
			struct timespec now;

			report = 0;
			clock_gettime(CLOCK_MONOTONIC, &now);
			snprintf(line, sizeof(line), "signals %d counter %lu ns %lld\n",
				 (int)nsignals, counter,
				 (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
			append(line);
		}
	}
}

__attribute__((noinline)) void b(void)
{
	c();
	KEEP();
}

__attribute__((noinline)) void a(void)
{
	b();
	KEEP();
}

__attribute__((noinline)) void *worker(void *arg)
{
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	KEEP();
	return arg;
}

__attribute__((noinline)) void *reader(void *arg)
{
	char ch;

	for (;;)
		if (read(pipe_fd[0], &ch, 1) <= 0)
			sleep(1);
	KEEP();
	return arg;
}

__attribute__((noinline)) void *count_loop(void *arg)
{
	for (;;)
		counter++;
	return arg;
}

__attribute__((noinline)) void *sleeper(void *arg)
{
	struct timespec ts = { .tv_nsec = 20000 };

	for (;;)
		nanosleep(&ts, NULL);
	KEEP();
	return arg;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		nsignals++;
	else
		report = 1;
}

static void start(void *(*fn)(void *), const char *name)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, NULL)) {
		perror("pthread_create");
		exit(1);
	}
	pthread_setname_np(t, name);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int opt, workers = 1, count = 0, sleepers = 0, i;
	sigset_t set;
	char line[64];

	while ((opt = getopt(argc, argv, "o:w:cs:")) != -1) {
		switch (opt) {
		case 'o':
			out_path = optarg;
			break;
		case 'w':
			workers = atoi(optarg);
			break;
		case 'c':
			count = 1;
			break;
		case 's':
			sleepers = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: ustack -o FILE [-w WORKERS] [-c] [-s SLEEPERS]\n");
			return 64;
		}
	}
	if (!out_path || pipe(pipe_fd))
		return 64;
	/* signals go to the main thread only: the other threads block them */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < workers; i++)
		start(worker, "worker");
	start(reader, "reader");
	if (count)
		start(count_loop, "counter");
	for (i = 0; i < sleepers; i++)
		start(sleeper, "sleeper");
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	usleep(200000);		/* the threads park */
	snprintf(line, sizeof(line), "ready %d\n", (int)getpid());
	append(line);
	a();
	KEEP();
	return 0;
}
