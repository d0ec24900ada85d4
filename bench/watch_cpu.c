// SPDX-License-Identifier: GPL-2.0
/*
 * watch_cpu LABEL SECONDS CMD...: run CMD (a kstack --watch; stdout and
 * stderr to /dev/null) for SECONDS, end it with SIGTERM as systemd would,
 * and print the CPU it used (user + system, getrusage of the child: the
 * driver's work inside its ioctls included) against the wall time it ran,
 * and its peak RSS. A process of its own started from the shell, as
 * runrss.c is (a child of a big process inherits its peak RSS).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1, nap;
	struct rusage ru;
	double secs, cpu, wall;
	int status;
	pid_t p;

	if (argc < 4) {
		fprintf(stderr, "usage: watch_cpu LABEL SECONDS CMD...\n");
		return 2;
	}
	secs = atof(argv[2]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = fork();
	if (p == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	if (p < 0)
		return 1;
	nap.tv_sec = (time_t)secs;
	nap.tv_nsec = (long)((secs - (double)nap.tv_sec) * 1e9);
	while (nanosleep(&nap, &nap))
		;
	kill(p, SIGTERM);
	if (wait4(p, &status, 0, &ru) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cpu = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	wall = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("BENCH N=%s watch: cpu_ms=%.1f (user %.1f, system %.1f) wall_ms=%.1f cpu_pct=%.2f peak_rss_kib=%ld exit=%d\n",
	       argv[1], cpu, tv_ms(ru.ru_utime), tv_ms(ru.ru_stime), wall, 100.0 * cpu / wall,
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
