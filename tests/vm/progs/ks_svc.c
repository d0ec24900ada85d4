// SPDX-License-Identifier: GPL-2.0
/*
 * ks_svc: the service of the hang-triage session (issue 25), 258 threads.
 * Busybox has an applet named svc: tests copy this program to a file
 * named svc elsewhere (its module name, its process name) and run that:
 *
 *   1   main thread, in pause()
 *   200 "worker"   idle on a condition variable (pthread_cond_wait)
 *   40  "db-pool"  stuck in db_query() on a mutex (pthread_mutex_lock)
 *   1   "db-owner" holding that mutex, asleep (nanosleep)
 *   5   "spawner"  blocked in vfork() (D) while their children pause
 *   10  "io"       in epoll_wait
 *   1   "busy"     on a CPU in bursts (spins 5 ms, sleeps 5 ms: a busy
 *                  thread that leaves a 2-vCPU TCG guest usable)
 *
 * svc -o FILE: "TID KIND" lines (and each vfork child: "PID vfork-child")
 * written to FILE once every thread is in place (temp file + rename).
 * Built static with CFI (.eh_frame): every user stack walks whole.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WORKERS	200
#define DB_POOL	40
#define SPAWNERS 5
#define IO	10

static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static int started, epfd;
static volatile int sink;

static void record(const char *kind)
{
	prctl(PR_SET_NAME, kind);
	pthread_mutex_lock(&out_lock);
	fprintf(out, "%ld %s\n", (long)syscall(SYS_gettid), kind);
	started++;
	pthread_mutex_unlock(&out_lock);
}

static void *worker(void *a)
{
	(void)a;
	record("worker");
	pthread_mutex_lock(&idle_lock);
	for (;;)
		pthread_cond_wait(&idle_cond, &idle_lock);
	return NULL;
}

/* the query waits for the connection's lock, which its owner never gives up */
__attribute__((noinline, noclone)) static int db_query(int n)
{
	pthread_mutex_lock(&db_lock);
	sink += n;
	pthread_mutex_unlock(&db_lock);
	return sink;
}

static void *db_pool(void *a)
{
	(void)a;
	record("db-pool");
	for (;;)
		sink += db_query(1);
	return NULL;
}

static void *db_owner(void *a)
{
	struct timespec ts = { .tv_sec = 100000 };

	(void)a;
	pthread_mutex_lock(&db_lock);
	record("db-owner");
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

/* a thread blocked in vfork(): in D until its child execs or exits, which it never does */
static void *spawner(void *a)
{
	long me = (long)syscall(SYS_gettid);
	pid_t c;

	(void)a;
	prctl(PR_SET_NAME, "spawner");
	c = vfork();
	if (c == 0) {
		/* the child, in the parent's memory: its parent's id and its own */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pthread_mutex_lock(&out_lock);
		fprintf(out, "%ld spawner\n%ld vfork-child\n", me, (long)getpid());
		started++;
		pthread_mutex_unlock(&out_lock);
		for (;;)
			pause();
	}
	return NULL;
}

static void *io(void *a)
{
	struct epoll_event ev;

	(void)a;
	record("io");
	for (;;)
		epoll_wait(epfd, &ev, 1, -1);
	return NULL;
}

static void *busy(void *a)
{
	struct timespec nap = { .tv_nsec = 5000000 }, t0, t;

	(void)a;
	record("busy");
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			sink++;
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 5000000L);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static void spawn(void *(*fn)(void *))
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, fn, NULL)) {
		fprintf(stderr, "svc: pthread_create failed\n");
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

int main(int argc, char **argv)
{
	char tmp[4096];
	int i;

	if (argc != 3 || strcmp(argv[1], "-o")) {
		fprintf(stderr, "usage: svc -o FILE\n");
		return 2;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	out = fopen(tmp, "w");
	epfd = epoll_create1(0);
	if (!out || epfd < 0) {
		perror("svc");
		return 1;
	}
	spawn(db_owner);
	wait_started(1);
	for (i = 0; i < WORKERS; i++)
		spawn(worker);
	for (i = 0; i < DB_POOL; i++)
		spawn(db_pool);
	for (i = 0; i < IO; i++)
		spawn(io);
	spawn(busy);
	for (i = 0; i < SPAWNERS; i++)
		spawn(spawner);
	wait_started(1 + WORKERS + DB_POOL + IO + 1 + SPAWNERS);
	/* every thread recorded itself just before it blocks: let them get there */
	sleep(1);
	fclose(out);
	rename(tmp, argv[2]);
	for (;;)
		pause();
}
