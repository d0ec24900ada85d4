// SPDX-License-Identifier: GPL-2.0
/*
 * runrss LABEL CMD...: run CMD (stdout/stderr to /dev/null) and print its
 * wall time and peak RSS. A process of its own, started from the shell:
 * a child forked from a big process inherits that process's peak RSS
 * (Linux keeps it across exec), so kbench cannot measure this itself.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t p;

	if (argc < 3) {
		fprintf(stderr, "usage: runrss LABEL CMD...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = fork();
	if (p == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (p < 0 || wait4(p, &status, 0, &ru) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* args: the options alone (no pids), so that runs can be told apart */
	printf("BENCH N=%s command=\"%s\" args=\"", argv[1], argv[2]);
	for (int i = 3, n = 0; i < argc; i++)
		if (argv[i][0] == '-')
			printf("%s%s", n++ ? " " : "", argv[i]);
	printf("\" wall_ms=%.1f peak_rss_kib=%ld exit=%d\n",
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
