// SPDX-License-Identifier: GPL-2.0
/*
 * spinner: threads that run on a CPU, with known call chains, for the
 * running-thread tests (tests/vm/guest/35-running.sh) and the benchmark:
 *   -m user    main -> spin_here: a busy loop in user code (the default)
 *   -m kernel  main -> read_loop -> read(/dev/zero, 1 MiB): busy in the kernel
 *   -m alt     main -> alternate: spin_for ~20 ms (a busy loop), then nanosleep 20 ms,
 *              over and over
 *   -m sleep   main -> sleep_here -> pause(): a sleeping main thread
 *   -n N       N more threads "hog" -> spin_here
 *   -p CPU     every thread pinned to that CPU
 * Writes "ready PID" to FILE once every thread runs. The functions are
 * global and not inlined, so their names are the frames' names.
 *
 *   spinner -o FILE [-m user|kernel|alt|sleep] [-n N] [-p CPU]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* keeps calls from becoming tail calls, and loops from being optimized out */
#define KEEP() __asm__ volatile("" ::: "memory")

static volatile unsigned long counter;
static volatile int stop;

void spin_here(void);
void spin_for(unsigned long n);
void read_loop(void);
void alternate(void);
void sleep_here(void);
void *hog(void *arg);

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

__attribute__((noinline)) void spin_here(void)
{
	while (!stop)
		counter++;
	KEEP();
}

/* n turns of a busy loop: no call, no vDSO, only user code */
__attribute__((noinline)) void spin_for(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n && !stop; i++)
		counter++;
	KEEP();
}

/* how many turns of spin_for take about ns */
static unsigned long calibrate(long ns)
{
	unsigned long n = 1000;
	long t0;

	for (;;) {
		t0 = now_ns();
		spin_for(n);
		if (now_ns() - t0 >= ns / 4)
			return (unsigned long)((double)n * ns / (double)(now_ns() - t0));
		n *= 2;
	}
}

__attribute__((noinline)) void read_loop(void)
{
	static char buf[1 << 20];
	int fd = open("/dev/zero", O_RDONLY);

	while (!stop && fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		counter++;
	KEEP();
}

static unsigned long alt_turns;

__attribute__((noinline)) void alternate(void)
{
	struct timespec ts = { .tv_nsec = 20000000 };

	while (!stop) {
		spin_for(alt_turns);
		nanosleep(&ts, NULL);
	}
	KEEP();
}

__attribute__((noinline)) void sleep_here(void)
{
	while (!stop)
		pause();
	KEEP();
}

__attribute__((noinline)) void *hog(void *arg)
{
	spin_here();
	KEEP();
	return arg;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *mode = "user";
	int opt, hogs = 0, cpu = -1, i;
	FILE *f;

	while ((opt = getopt(argc, argv, "o:m:n:p:")) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'n':
			hogs = atoi(optarg);
			break;
		case 'p':
			cpu = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: spinner -o FILE [-m user|kernel|alt|sleep] [-n N] [-p CPU]\n");
			return 64;
		}
	}
	if (!out)
		return 64;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		/* before the threads: they inherit it */
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("sched_setaffinity");
			return 1;
		}
	}
	for (i = 0; i < hogs; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, hog, NULL)) {
			perror("pthread_create");
			return 1;
		}
		pthread_setname_np(t, "hog");
	}
	if (!strcmp(mode, "alt"))
		alt_turns = calibrate(20000000);
	f = fopen(out, "a");
	if (!f)
		return 1;
	fprintf(f, "ready %d\n", (int)getpid());
	fclose(f);
	if (!strcmp(mode, "kernel"))
		read_loop();
	else if (!strcmp(mode, "alt"))
		alternate();
	else if (!strcmp(mode, "sleep"))
		sleep_here();
	else
		spin_here();
	KEEP();
	return 0;
}
