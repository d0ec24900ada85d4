// SPDX-License-Identifier: GPL-2.0
/*
 * triage_bench: the triage figures of `make bench`, inside the VM.
 *   triage_bench group N REPS   kstack --all and kstack --all --group,
 *                               alternately REPS times each: medians, ratio
 *   triage_bench sample N       kstack --sample --all --interval 10ms
 *                               --duration 5s, --kernel and with both
 *                               halves: snapshots/s, achieved interval,
 *                               the tool's CPU share
 * Each command is a fresh process, stdout to /dev/null, as a user runs it.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Run argv; wall ms, CPU ms (user + system); 0 when it exited 0 or 1 (a
 * partial answer: a thread that ran, a binary without CFI), else its exit
 * status or -1.
 */
static int run(char *const argv[], double *wall, double *cpu)
{
	struct rusage ru;
	double t0 = now_ms();
	int status;
	pid_t p = fork();

	if (p == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (p < 0 || wait4(p, &status, 0, &ru) < 0)
		return -1;
	*wall = now_ms() - t0;
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 1 ? 0 : WEXITSTATUS(status);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int bench_group(const char *n, int reps)
{
	char *plain[] = { "kstack", "--all", NULL };
	char *group[] = { "kstack", "--all", "--group", NULL };
	double *a = calloc((size_t)reps, sizeof(double)), *b = calloc((size_t)reps, sizeof(double));
	double cpu, ma, mb;
	int i, ra = 0, rb = 0;

	if (!a || !b)
		return 1;
	for (i = 0; i < reps; i++) {
		/* alternate, so a noisy host slows both alike */
		ra |= run(plain, &a[i], &cpu);
		rb |= run(group, &b[i], &cpu);
	}
	ma = median(a, reps);
	mb = median(b, reps);
	printf("BENCH N=%s triage: kstack --all %.1f ms, kstack --all --group %.1f ms (medians of %d): "
	       "--group/plain %.2fx (goal <= 1.2x)%s\n", n, ma, mb, reps, mb / ma,
	       ra || rb ? " FAILED (a run exited non-zero)" : "");
	return 0;
}

/*
 * kernel: --kernel, the kernel half alone (the goal's figure); else both
 * halves, --sample's default since issue 25 (a user stack copy and walk
 * per thread a round: reported, no goal)
 */
static int bench_sample(const char *n, bool kernel)
{
	const char *path = "/tmp/triage-bench-sample.json";
	char *argv[] = { "kstack", "--sample", "--all", "--interval", "10ms", "--duration", "5s",
			 "--format", "json", "-o", (char *)path, kernel ? "--kernel" : NULL, NULL };
	char buf[1 << 12], *p;
	double wall, cpu, rounds = 0, achieved = 0, duration = 0;
	int rc = run(argv, &wall, &cpu);
	FILE *f = fopen(path, "r");
	size_t len = 0;

	/* the "sampling" object sits before the groups: the file's head has it */
	if (f) {
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[len] = '\0';
	if ((p = strstr(buf, "\"rounds\":")))
		rounds = strtod(p + 9, NULL);
	if ((p = strstr(buf, "\"achieved_interval_ns\":")))
		achieved = strtod(p + 23, NULL);
	if ((p = strstr(buf, "\"duration_ns\":")))
		duration = strtod(p + 14, NULL);
	/* exit 1: some sample cut short (a thread that ran through its capture), said */
	printf("BENCH N=%s triage: kstack --sample --all --interval 10ms --duration 5s%s: %.0f snapshots "
	       "in %.2f s = %.1f snapshots/s%s, achieved interval %.2f ms, tool CPU %.0f%% "
	       "of one CPU (%.0f ms CPU in %.0f ms)%s\n", n, kernel ? " --kernel" : " (both halves)",
	       rounds, duration / 1e9,
	       duration > 0 ? rounds / (duration / 1e9) : 0.0, kernel ? " (goal >= 50)" : "",
	       achieved / 1e6, wall > 0 ? 100.0 * cpu / wall : 0.0, cpu, wall,
	       rc > 1 || !rounds ? " FAILED" : "");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "group"))
		return bench_group(argv[2], atoi(argv[3]) > 0 ? atoi(argv[3]) : 1);
	if (argc == 3 && !strcmp(argv[1], "sample"))
		return bench_sample(argv[2], true) || bench_sample(argv[2], false);
	fprintf(stderr, "usage: triage_bench group N REPS | sample N\n");
	return 2;
}
