// SPDX-License-Identifier: GPL-2.0
/*
 * ksstress clients: processes running "kstack --all" in a loop while
 * others open and close the device; ksstress walks: N walks in every mode,
 * for the module's allocation and task-reference counters.
 */
#define _GNU_SOURCE
#include "ksstress.h"

/* ---- clients ---- */

int cmd_clients(int n, int secs, int openers)
{
	long t0 = now_ms(), runs = 0, bad = 0, opens = 0, open_bad = 0;
	int i, st, pfd[2];
	pid_t kids[64];

	if (n > 32 || openers > 32 || pipe(pfd))
		return 1;
	fflush(stdout);
	for (i = 0; i < n + openers; i++) {
		kids[i] = fork();
		if (kids[i] != 0)
			continue;
		long r = 0, b = 0;

		while (now_ms() - t0 < secs * 1000L) {
			if (i < n) {
				pid_t p = fork();

				if (p == 0) {
					int devnull = open("/dev/null", O_WRONLY);

					dup2(devnull, 1);
					dup2(devnull, 2);
					execlp("kstack", "kstack", "--all", (char *)NULL);
					_exit(127);
				}
				waitpid(p, &st, 0);
				/* 0: all shown; 1: some ran or exited meanwhile */
				if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
					b++;
			} else {
				struct kstack_version v;
				int fd = tu_open();

				TU_HDR(v);
				if (fd < 0 || ioctl(fd, KSTACK_IOCTL_VERSION, &v))
					b++;
				if (fd >= 0)
					close(fd);
			}
			r++;
		}
		dprintf(pfd[1], "%d %ld %ld\n", i < n, r, b);
		_exit(0);
	}
	close(pfd[1]);
	for (i = 0; i < n + openers; i++)
		waitpid(kids[i], NULL, 0);
	{
		FILE *f = fdopen(pfd[0], "r");
		int kind;
		long r, b;

		while (f && fscanf(f, "%d %ld %ld", &kind, &r, &b) == 3) {
			if (kind) {
				runs += r;
				bad += b;
			} else {
				opens += r;
				open_bad += b;
			}
		}
		if (f)
			fclose(f);
	}
	printf("figures: clients: %d clients ran kstack --all %ld times in %d s (%ld failed), %d openers opened and closed the device %ld times (%ld failed)\n",
	       n, runs, secs, bad, openers, opens, open_bad);
	tu_result(runs >= n && !bad, "clients: every kstack --all run succeeded",
		  "%ld of %ld failed", bad, runs);
	tu_result(opens > 0 && !open_bad, "clients: every open/VERSION/close succeeded",
		  "%ld of %ld failed", open_bad, opens);
	return 0;
}

/* ---- walks for the allocation counter ---- */

static void *idle_thread(void *arg)
{
	*(volatile pid_t *)arg = tu_gettid();
	for (;;)
		pause();
	return NULL;
}

int cmd_walks(long n)
{
	static char buf[8 << 20];
	static char names[4][KSTACK_SYM_LEN];
	uint64_t frames[KSTACK_FRAMES_MAX], mem[8];
	struct kstack_thread_context c;
	struct kstack_kernel_info ki;
	struct kstack_snapshot s;
	struct kstack_stack st;
	volatile pid_t tid = 0;
	pthread_t th;
	int fd = tu_open();
	long i, bad = 0, calls = 0;

	if (fd < 0 || pthread_create(&th, NULL, idle_thread, (void *)&tid))
		return 1;
	while (!tid)
		usleep(1000);
	usleep(100000);		/* into pause() */
	TU_HDR(ki);
	if (ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki))
		return 1;
	for (i = 0; i < n; i++) {
		int r[8], k;

		r[0] = tu_context(fd, tid, &c);
		r[1] = tu_stack(fd, tid, frames, KSTACK_FRAMES_MAX, &st);
		r[2] = tu_read_mem(fd, ki.text_start + (uint64_t)(i % 64) * 4096, mem, sizeof(mem));
		r[3] = tu_snap(fd, getpid(), modes[i % 3], buf, sizeof(buf), &s);
		r[4] = tu_symbolize(fd, &ki.text_start, 1, names);
		r[5] = i % 10 ? 0 : tu_snap(fd, 0, modes[i % 3], buf, sizeof(buf), &s);
		r[6] = tu_read_mem(fd, 0x1000, mem, sizeof(mem)) == -1 && errno == EPERM ? 0 : -1;
		r[7] = tu_stack(fd, 999999, frames, 1, &st) == -1 && errno == ESRCH ? 0 : -1;
		for (k = 0; k < 8; k++)
			bad += r[k] != 0;
		calls += i % 10 ? 7 : 8;
	}
	printf("figures: walks: %ld calls in every mode (%ld walks of each per-thread/per-process mode, %ld of the system), %ld failed\n",
	       calls, n, n / 10, bad);
	tu_result(!bad, "walks: every call answered as expected", "%ld failed", bad);
	close(fd);
	return 0;
}
