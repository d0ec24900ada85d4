// SPDX-License-Identifier: GPL-2.0
/*
 * zoo: park threads in many different kernel blocking states, so tests and
 * the benchmark have known stacks to walk. Writes "TID STATE" per thread to
 * the output file once every thread has started, then waits forever.
 *
 *   zoo [-n PER_STATE] [-o FILE] [-s STATE] [-v VFORKS]
 *
 * (default 2 threads per state). -v adds VFORKS threads that each vfork() a
 * child which sleeps forever: every such child is a process of its own that
 * shares zoo's address space (CLONE_VM), as vfork children of big servers
 * do; the parent thread waits in the kernel until the child execs or exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int idle_pipe[2];	/* never written: reads on it block forever */
static int listen_fd;
static int epoll_fd;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static volatile int futex_word;

static void record(const char *state)
{
	pthread_mutex_lock(&out_lock);
	fprintf(out, "%ld %s\n", (long)syscall(SYS_gettid), state);
	pthread_mutex_unlock(&out_lock);
}

static void *st_nanosleep(void *a)
{
	struct timespec ts = { .tv_sec = 100000 };

	record(a);
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;	/* not reached */
}

static void *st_futex(void *a)
{
	record(a);
	for (;;)
		syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;	/* not reached */
}

static void *st_pipe_read(void *a)
{
	char c;

	record(a);
	for (;;)
		if (read(idle_pipe[0], &c, 1) < 0 && errno != EINTR)
			abort();
	return NULL;	/* not reached */
}

static void *st_poll(void *a)
{
	struct pollfd p = { .fd = idle_pipe[0], .events = POLLIN };

	record(a);
	for (;;)
		poll(&p, 1, -1);
	return NULL;	/* not reached */
}

static void *st_select(void *a)
{
	record(a);
	for (;;) {
		fd_set r;

		FD_ZERO(&r);
		FD_SET(idle_pipe[0], &r);
		select(idle_pipe[0] + 1, &r, NULL, NULL, NULL);
	}
	return NULL;	/* not reached */
}

static void *st_epoll(void *a)
{
	struct epoll_event ev;

	record(a);
	for (;;)
		epoll_wait(epoll_fd, &ev, 1, -1);
	return NULL;	/* not reached */
}

static void *st_accept(void *a)
{
	record(a);
	for (;;)
		accept(listen_fd, NULL, NULL);
	return NULL;	/* not reached */
}

static void *st_mutex(void *a)
{
	record(a);
	pthread_mutex_lock(&held);	/* main holds it forever */
	abort();
}

static void *st_sigwait(void *a)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	record(a);
	for (;;)
		sigwaitinfo(&set, NULL);
	return NULL;	/* not reached */
}

/*
 * Children are forked up front, while zoo is small: a fork from a process
 * that already has thousands of thread stacks copies all their page tables,
 * and a few hundred such children exhaust the VM's memory.
 */
static pid_t *wait_children;
static int wait_next;

static pid_t fork_sleeper(void)
{
	struct timespec ts = { .tv_sec = 100000 };
	pid_t child = fork();

	if (child == 0) {
		for (;;)
			nanosleep(&ts, NULL);
	}
	return child;
}

static void *st_waitpid(void *a)
{
	pid_t child = wait_children[__atomic_fetch_add(&wait_next, 1, __ATOMIC_SEQ_CST)];

	record(a);
	for (;;)
		waitpid(child, NULL, 0);
	return NULL;	/* not reached */
}

/* SIGUSR1 handler blocks in a syscall: a stack with a signal frame in it */
static void in_handler(int sig)
{
	char c;

	(void)sig;
	for (;;)
		read(idle_pipe[0], &c, 1);
}

static volatile int sig_ready;	/* sighandler threads that recorded */

static void *st_sighandler(void *a)
{
	record(a);
	__atomic_add_fetch(&sig_ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();	/* main sends SIGUSR1 to us */
	return NULL;	/* not reached */
}

struct state {
	const char *name;
	void *(*fn)(void *);
};

static const struct state states[] = {
	{ "nanosleep", st_nanosleep }, { "futex", st_futex },
	{ "pipe_read", st_pipe_read }, { "poll", st_poll },
	{ "select", st_select }, { "epoll_wait", st_epoll },
	{ "accept", st_accept }, { "mutex", st_mutex },
	{ "sigwait", st_sigwait }, { "waitpid", st_waitpid },
	{ "sighandler", st_sighandler },
};

/*
 * vfork(): the child borrows this thread's stack and zoo's whole address
 * space, and only makes raw syscalls (nothing that touches the parent's
 * memory); the parent thread stays blocked in vfork until the child ends.
 */
static void *st_vfork(void *a)
{
	struct timespec ts = { .tv_sec = 100000 };

	record(a);
	if (vfork() == 0) {
		for (;;)
			syscall(SYS_nanosleep, &ts, NULL);
	}
	abort();	/* the child never ends */
}

/* A stopped child (SIGSTOP) is a process, not a thread of ours. */
static void record_stopped(pid_t child)
{
	kill(child, SIGSTOP);
	pthread_mutex_lock(&out_lock);
	fprintf(out, "%d sigstop\n", child);
	pthread_mutex_unlock(&out_lock);
}

static int setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	if (pipe(idle_pipe))
		return -1;
	/* abstract socket: nothing to clean up in the file system */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "kstack-zoo-%d", getpid());
	listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (void *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 1))
		return -1;
	epoll_fd = epoll_create1(0);
	ev.data.fd = idle_pipe[0];
	if (epoll_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, idle_pipe[0], &ev))
		return -1;
	signal(SIGUSR1, in_handler);
	/* SIGUSR2 only for sigwaitinfo: block it everywhere (inherited) */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return pthread_mutex_lock(&held);
}

int main(int argc, char **argv)
{
	const char *path = "/tmp/zoo.txt", *only = NULL;
	char tmp[4096];
	pthread_attr_t attr;
	pid_t *stopped;
	int per = 2, vforks = 0, opt;

	while ((opt = getopt(argc, argv, "n:o:s:v:h")) != -1) {
		switch (opt) {
		case 'n': per = atoi(optarg); break;
		case 'v': vforks = atoi(optarg); break;
		case 'o': path = optarg; break;
		case 's': only = optarg; break;
		default:
			fprintf(stderr, "usage: zoo [-n PER_STATE] [-o FILE] [-s STATE] [-v VFORKS]\n");
			return 2;
		}
	}
	if (per < 1 || per > 10000 || vforks < 0 || vforks > 10000) {
		fprintf(stderr, "zoo: -n must be 1..10000, -v 0..10000\n");
		return 2;
	}
	/* write to a temp file, rename when complete: readers never see half */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = fopen(tmp, "w");
	if (!out || setup()) {
		perror("zoo: setup");
		return 1;
	}
	wait_children = calloc(per, sizeof(*wait_children));
	stopped = calloc(per, sizeof(*stopped));
	if (!wait_children || !stopped)
		return 1;
	for (int i = 0; i < per; i++) {
		if (!only || !strcmp(only, "waitpid"))
			wait_children[i] = fork_sleeper();
		if (!only || !strcmp(only, "sigstop"))
			stopped[i] = fork_sleeper();
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		if (only && strcmp(only, states[s].name))
			continue;
		for (int i = 0; i < per; i++) {
			pthread_t t;

			if (pthread_create(&t, &attr, states[s].fn, (void *)states[s].name)) {
				fprintf(stderr, "zoo: pthread_create failed\n");
				return 1;
			}
			if (states[s].fn == st_sighandler) {
				/* signal only after it recorded: the handler never returns */
				while (__atomic_load_n(&sig_ready, __ATOMIC_SEQ_CST) <= i)
					usleep(1000);
				pthread_kill(t, SIGUSR1);
			}
		}
	}
	for (int i = 0; i < vforks; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, st_vfork, "vfork")) {
			fprintf(stderr, "zoo: pthread_create failed\n");
			return 1;
		}
	}
	if (!only || !strcmp(only, "sigstop"))
		for (int i = 0; i < per; i++)
			record_stopped(stopped[i]);
	usleep(300 * 1000);	/* let every thread reach its blocking call */
	fflush(out);
	fclose(out);
	rename(tmp, path);
	for (;;)
		pause();
}
