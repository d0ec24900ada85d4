// SPDX-License-Identifier: GPL-2.0
/*
 * names_jit: a thread blocked under hand-made JIT code, for the perf-map
 * tests (tests/vm/guest/35-names.sh):
 *   main -> [JIT page] -> jit_callee -> read(pipe)
 * The JIT code lives in an anonymous executable page (no ELF file behind
 * it, no CFI) and keeps a frame pointer, as JIT compilers do, so unwinders
 * step through it with the frame-pointer rule. Writes "ready PID ADDR
 * SIZE" to FILE (ADDR: the code's address, hex; SIZE: its length, hex);
 * with -m NAME it first writes its own perf map, /tmp/perf-PID.map (PID
 * as its pid namespace numbers it), naming the code NAME, as a runtime
 * does.
 *
 *   names_jit -o FILE [-m NAME]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int pipe_fd[2];

void jit_callee(void);

/* called from the JIT code: blocks for good */
__attribute__((noinline)) void jit_callee(void)
{
	char c;

	while (read(pipe_fd[0], &c, 1) != 0)
		;
	__asm__ volatile("" ::: "memory");
}

/*
 * push %rbp; mov %rsp,%rbp; call *%rdi; pop %rbp; ret -- a function of
 * one argument that calls it, with a frame-pointer frame of its own
 */
static const unsigned char code[] = {
	0x55, 0x48, 0x89, 0xe5, 0xff, 0xd7, 0x5d, 0xc3,
};

int main(int argc, char **argv)
{
	const char *out = NULL, *name = NULL;
	unsigned char *page;
	FILE *f;
	int opt;

	while ((opt = getopt(argc, argv, "o:m:")) != -1) {
		if (opt == 'o')
			out = optarg;
		else if (opt == 'm')
			name = optarg;
		else
			return 64;
	}
	if (!out || pipe(pipe_fd))
		return 64;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* a little way into the page, as JIT code is */
	memcpy(page + 0x40, code, sizeof(code));
	if (name) {
		char path[64];

		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
		f = fopen(path, "w");
		if (!f) {
			perror(path);
			return 1;
		}
		fprintf(f, "%lx %zx %s\n", (unsigned long)(page + 0x40), sizeof(code), name);
		fclose(f);
	}
	f = fopen(out, "w");
	if (!f)
		return 1;
	fprintf(f, "ready %d %lx %zx\n", (int)getpid(), (unsigned long)(page + 0x40), sizeof(code));
	fclose(f);
	((void (*)(void (*)(void)))(page + 0x40))(jit_callee);
	return 0;
}
