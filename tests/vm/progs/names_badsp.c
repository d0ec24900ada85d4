// SPDX-License-Identifier: GPL-2.0
/*
 * names_badsp: a thread whose stack pointer is in no mapping while it
 * blocks in the kernel, for the first-frame test (tests/vm/guest/35-names.sh):
 * badsp_block sets rsp to 0x1000 and makes a blocking read(2) (nothing is
 * ever written). Its user registers are known, its stack is not: the ip
 * alone names frame 0 (eu-stack: "#0 0x... badsp_block"). Writes "ready
 * PID" to FILE once the thread is started.
 *
 *   names_badsp -o FILE
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pipe_fd[2];

void badsp_block(int fd);

__attribute__((noinline)) void badsp_block(int fd)
{
	char c;
	long ret;

	/* rsp stays 0x1000 for the whole syscall; restored from r12 after */
	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "mov $0x1000, %%rsp\n\t"
			 "syscall\n\t"
			 "mov %%r12, %%rsp"
			 : "=a"(ret)
			 : "a"((long)SYS_read), "D"((long)fd), "S"(&c), "d"(1L)
			 : "rcx", "r11", "r12", "memory");
	(void)ret;
}

static void *thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "badsp");
	badsp_block(pipe_fd[0]);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	FILE *f;

	if (argc != 3 || strcmp(argv[1], "-o") || pipe(pipe_fd))
		return 64;
	if (pthread_create(&t, NULL, thread, NULL))
		return 1;
	usleep(100000);
	f = fopen(argv[2], "w");
	if (!f)
		return 1;
	fprintf(f, "ready %d\n", (int)getpid());
	fclose(f);
	pthread_join(t, NULL);
	return 0;
}
