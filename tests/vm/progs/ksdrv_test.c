// SPDX-License-Identifier: GPL-2.0
/*
 * Driver tests for /dev/kstack, run inside the VM as root. Each check
 * prints "PASS: name" or "FAIL: name: why". Subcommands:
 *   basic                 VERSION, dispatch and request-validation errors
 *   readmem               READ_MEMORY happy path and every refusal
 *   context               THREAD_CONTEXT of a sleeping / running / gone thread
 *   stackcmp ZOOFILE      STACK of every zoo thread vs /proc/PID/task/TID/stack
 *   snapshot ZOOFILE      SNAPSHOT (frames and raw) vs STACK, ENOSPC, errors
 *   symbolize             SYMBOLIZE vs /proc/kallsyms
 *   fallback PID          SNAPSHOT of a thread whose stack holds a kretprobe
 *                         trampoline: the kernel's unwinder answers, as STACK
 *   tail                  SNAPSHOT records' tails: end reasons, user-mode
 *                         registers of a thread blocked in a known syscall
 *   traced TID LABEL      a thread sleeping under tracing that rewrites its
 *                         stack (LABEL says which): SNAPSHOT frames == the
 *                         kernel's unwinder == STACK == /proc, whole; RAW
 *                         records carry the replaced return addresses
 *   fastcmp LABEL         the fast walk vs the kernel's unwinder, whole system
 *   modorc                MODULE_ORC vs /sys/module/NAME/sections and the
 *                         tables themselves, read back; every refusal
 *   churn                 whole-system SNAPSHOTs while processes come and go
 *   selfsnap LABEL        SNAPSHOT of this process: ids as this pid namespace
 *                         numbers them (run it in a child namespace too)
 *   perm                  who may open the device
 *   holdfd READYFILE      open the device, create READYFILE, wait to be killed
 *
 * One program, a file a concern (ksdrv_test.h names them); this one holds
 * the helpers they share and main.
 */
#define _GNU_SOURCE
#include "ksdrv_test.h"

static int failures;

void result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s%s\n", sizeof(void *) == 4 ? "m32 " : "", name);
		return;
	}
	failures++;
	printf("FAIL: %s%s: ", sizeof(void *) == 4 ? "m32 " : "", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* expect ioctl to fail with errno want */
void expect_errno(int fd, unsigned long cmd, void *arg, int want, const char *name)
{
	int r = ioctl(fd, cmd, arg);

	result(r < 0 && errno == want, name, "ioctl returned %d errno %d (%s), want %s",
	       r, r < 0 ? errno : 0, r < 0 ? strerror(errno) : "-", strerror(want));
}

int open_dev(void)
{
	int fd = open(KSTACK_DEVICE_LINUX, O_RDONLY);

	if (fd < 0) {
		printf("FAIL: open %s: %s\n", KSTACK_DEVICE_LINUX, strerror(errno));
		exit(1);
	}
	return fd;
}

int read_mem(int fd, uint64_t addr, void *buf, uint32_t len, uint32_t *got)
{
	struct kstack_read_memory r;
	int ret;

	HDR(r);
	r.address = addr;
	r.buffer = (uintptr_t)buf;
	r.length = len;
	ret = ioctl(fd, KSTACK_IOCTL_READ_MEMORY, &r);
	if (got)
		*got = r.bytes_read;
	return ret;
}

pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void *sleeper(void *arg)
{
	struct timespec ts = { .tv_sec = 100000 };

	*(volatile pid_t *)arg = gettid_();
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

void *spinner(void *arg)
{
	*(volatile pid_t *)arg = gettid_();
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

/* wait until /proc says the thread sleeps (state S) */
int wait_sleeping(pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");

		if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[2] == 'S') {
			fclose(f);
			return 0;
		}
		if (f)
			fclose(f);
		usleep(10000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "basic"))
		cmd_basic();
	else if (argc >= 2 && !strcmp(argv[1], "readmem"))
		cmd_readmem();
	else if (argc >= 2 && !strcmp(argv[1], "context"))
		cmd_context();
	else if (argc >= 3 && !strcmp(argv[1], "stackcmp"))
		cmd_stackcmp(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "snapshot"))
		cmd_snapshot(argv[2]);
	else if (argc >= 2 && !strcmp(argv[1], "symbolize"))
		cmd_symbolize();
	else if (argc >= 2 && !strcmp(argv[1], "tail"))
		cmd_tail();
	else if (argc >= 3 && !strcmp(argv[1], "fastcmp")) {
		static char buf[64 << 20];
		char what[160];
		int fd = open_dev();

		snprintf(what, sizeof(what), "%s: SNAPSHOT fast walk equals the kernel's unwinder, whole system",
			 argv[2]);
		snapshot_fast_vs_kernel(fd, buf, sizeof(buf), KSTACK_FRAMES_MAX, what);
		close(fd);
	} else if (argc >= 4 && !strcmp(argv[1], "traced"))
		cmd_traced(argv[2], argv[3]);
	else if (argc >= 2 && !strcmp(argv[1], "modorc"))
		cmd_modorc(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "churn"))
		cmd_churn();
	else if (argc >= 2 && !strcmp(argv[1], "perm"))
		cmd_perm();
	else if (argc >= 3 && !strcmp(argv[1], "fallback"))
		cmd_fallback(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "selfsnap"))
		cmd_selfsnap(argv[2]);
	else if (argc >= 3 && !strcmp(argv[1], "holdfd"))
		cmd_holdfd(argv[2]);
	else {
		fprintf(stderr, "usage: ksdrv_test basic|readmem|context|stackcmp ZOOFILE|snapshot ZOOFILE|symbolize|fallback PID|tail|traced TID LABEL|fastcmp LABEL|modorc [MODULE...]|churn|selfsnap LABEL|perm|holdfd FILE\n");
		return 2;
	}
	return failures ? 1 : 0;
}
