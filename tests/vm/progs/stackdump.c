// SPDX-License-Identifier: GPL-2.0
/*
 * stackdump PID...: for every thread of each process, the kernel stack from
 * the driver's STACK ioctl (the in-kernel unwinder), symbolized, next to
 * /proc/PID/task/TID/stack. Used by `make demo` to show the driver at work.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "kstack/kstack_ioctl.h"
#include "ksyms_mini.h"

static void dump_thread(int fd, int pid, int tid)
{
	uint64_t frames[KSTACK_FRAMES_MAX];
	struct kstack_thread_context c = { .hdr = { sizeof(c), KSTACK_PROTO_VERSION } };
	struct kstack_stack st = { .hdr = { sizeof(st), KSTACK_PROTO_VERSION } };
	char path[96], line[256], sym[128];
	char procl[64][128];
	int np = 0, r;
	FILE *f;

	c.tid = tid;
	st.tid = tid;
	st.max_frames = KSTACK_FRAMES_MAX;
	st.frames = (uintptr_t)frames;
	if (ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, &c)) {
		printf("%d: THREAD_CONTEXT: %s\n\n", tid, strerror(errno));
		return;
	}
	r = ioctl(fd, KSTACK_IOCTL_STACK, &st);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	f = fopen(path, "r");
	while (f && np < 64 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		snprintf(procl[np++], sizeof(procl[0]), "%.120s", strchr(line, ']') ? strchr(line, ']') + 2 : line);
	}
	if (f)
		fclose(f);
	printf("%d %s state=%#x ctxsw=%" PRIu64 "/%" PRIu64 "%s\n", tid, c.comm, c.state,
	       c.nvcsw, c.nivcsw, (c.flags & KSTACK_TF_KTHREAD) ? " [kernel thread]" : "");
	printf("  %-56s | %s\n", "driver STACK (in-kernel unwinder)", "/proc/PID/task/TID/stack");
	if (r)
		printf("  STACK: %s\n", strerror(errno));
	for (uint32_t i = 0; i < (r ? 0 : st.nr_frames) || (int)i < np; i++) {
		sym[0] = 0;
		if (!r && i < st.nr_frames) {
			char s[100];

			ksym_format_ret(frames[i], s, sizeof(s));
			snprintf(sym, sizeof(sym), "%016" PRIx64 " %.70s", frames[i], s);
		}
		printf("  %-56s | %s\n", sym, (int)i < np ? procl[i] : "");
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	int fd = open(KSTACK_DEVICE_LINUX, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "stackdump: open %s: %s (is kstack.ko loaded? insmod kstack.ko)\n",
			KSTACK_DEVICE_LINUX, strerror(errno));
		return 1;
	}
	if (ksyms_load()) {
		fprintf(stderr, "stackdump: cannot read /proc/kallsyms\n");
		return 1;
	}
	for (int a = 1; a < argc; a++) {
		int pid = atoi(argv[a]);
		char path[64];
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		dir = opendir(path);
		if (!dir) {
			fprintf(stderr, "stackdump: no process %s\n", argv[a]);
			continue;
		}
		while ((d = readdir(dir)))
			if (d->d_name[0] != '.')
				dump_thread(fd, pid, atoi(d->d_name));
		closedir(dir);
	}
	return 0;
}
