// SPDX-License-Identifier: GPL-2.0
/*
 * waitfor_zoo: threads blocked on locks whose holders the program knows,
 * for kstack's "who holds it" tests (45-waitfor.sh). Once every waiter is
 * asleep on its lock it writes its own record of who holds what to OUT:
 *
 *   W WAITER_TID KIND BASE SIZE HOLDER_TID
 *       the waiter waits for an object of KIND at [BASE, BASE + SIZE)
 *       (hex; SIZE 0: an address the program cannot know, a kernel
 *       lock's), held by HOLDER_TID (0: no owner is recorded)
 *   C TID TID ...   a deadlock cycle, in wait-for order
 *   P PID           a process of the scenario (besides the first)
 *   READY
 *
 * and waits to be killed (SIGTERM: a stalled page fault is served and the
 * other processes of the scenario are killed first).
 *
 *   waitfor_zoo abba OUT       two threads, two normal mutexes, ABBA
 *   waitfor_zoo cycle3 OUT     three processes, process-shared mutexes
 *   waitfor_zoo pi OUT         a PI mutex held, one waiter
 *   waitfor_zoo rwlock OUT     a rwlock write-held, a writer and a reader wait
 *   waitfor_zoo noowner OUT    a condvar waiter and a semaphore waiter
 *   waitfor_zoo kernel OUT     a thread stalled in a userfaultfd page fault
 *                              while it writes that page to a tmpfs file
 *                              (holding the inode's i_rwsem) and another
 *                              into a pipe (holding the pipe's mutex); a
 *                              second writer of each waits
 *   waitfor_zoo driver OUT     the kernel scenario, then the driver's
 *                              LOCK_WAIT asked directly (PASS/FAIL lines):
 *                              any kind, the wrong kind, nothing waited
 *                              for, no such thread, bad requests
 *   waitfor_zoo flock OUT      flock(2) and fcntl(F_SETLKW) locks held by
 *                              one process, waited for by another
 *   waitfor_zoo crowd OUT      four threads wait for one mutex (one group)
 *   waitfor_zoo churn OUT      threads that keep taking two mutexes in
 *                              order: contended, never deadlocked
 *
 * Build: static (tests/vm/progs/Makefile); also for i386 (waitfor_zoo32).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kstack/kstack_ioctl.h"

static FILE *out;
static pid_t others[8];
static int nothers;
static int uffd = -1;
static char *uffd_area;
static long page;

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Field n (1-based) of /proc/PID/task/TID/stat: the state is 3. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* The syscall a blocked task is in (/proc/PID/task/TID/syscall's first field), or -2. */
static long task_syscall(pid_t pid, pid_t tid)
{
	char path[64], buf[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -2;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* futex(2) as a blocked task's syscall line shows it (i386: futex_time64 too) */
#define NR_FUTEX	(-3L)

static int syscall_is(long got, long nr)
{
#ifdef SYS_futex_time64
	if (nr == NR_FUTEX)
		return got == SYS_futex || got == SYS_futex_time64;
#else
	if (nr == NR_FUTEX)
		return got == SYS_futex;
#endif
	return nr < 0 || got == nr;
}

/* Wait until task tid of pid is asleep (state, and in syscall nr unless -1). */
static void wait_asleep(pid_t pid, pid_t tid, char state, long nr)
{
	int i;

	for (i = 0; i < 6000; i++) {
		if (task_state(pid, tid) == state && syscall_is(task_syscall(pid, tid), nr)) {
			/* and stays so a moment: not just passing through */
			usleep(20000);
			if (task_state(pid, tid) == state)
				return;
		}
		usleep(10000);
	}
	fprintf(stderr, "waitfor_zoo: task %d/%d never slept in state %c (syscall %ld)\n", pid,
		tid, state, nr);
	exit(1);
}

static void waiter(pid_t tid, const char *kind, const void *base, size_t size, pid_t holder)
{
	fprintf(out, "W %d %s %lx %zx %d\n", tid, kind, (unsigned long)(uintptr_t)base, size,
		holder);
}

static void ready(void)
{
	fprintf(out, "READY\n");
	fclose(out);
}

static void on_term(int sig)
{
	int i;

	(void)sig;
	for (i = 0; i < nothers; i++)
		kill(others[i], SIGKILL);
	/* serve the stalled faults: the writers finish, the locks are released */
	if (uffd >= 0) {
		struct uffdio_zeropage z = { .range = { (uintptr_t)uffd_area, 2 * page } };

		ioctl(uffd, UFFDIO_ZEROPAGE, &z);
	}
	_exit(0);
}

static void forever(void)
{
	for (;;)
		pause();
}

/* --- abba: two normal mutexes taken in opposite orders --- */

static pthread_mutex_t ma = PTHREAD_MUTEX_INITIALIZER, mb = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t bar;
static volatile pid_t tids[16];

static void *abba_one(void *arg)
{
	long i = (long)arg;

	tids[i] = gettid_();
	pthread_mutex_lock(i ? &mb : &ma);
	pthread_barrier_wait(&bar);
	pthread_mutex_lock(i ? &ma : &mb);	/* never returns */
	return NULL;
}

static void abba(void)
{
	pthread_t t[2];
	long i;

	pthread_barrier_init(&bar, NULL, 2);
	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, abba_one, (void *)i))
			die("pthread_create");
	while (!tids[0] || !tids[1])
		usleep(1000);
	wait_asleep(getpid(), tids[0], 'S', NR_FUTEX);
	wait_asleep(getpid(), tids[1], 'S', NR_FUTEX);
	waiter(tids[0], "pthread_mutex", &mb, sizeof(mb), tids[1]);
	waiter(tids[1], "pthread_mutex", &ma, sizeof(ma), tids[0]);
	fprintf(out, "C %d %d\n", tids[0], tids[1]);
	ready();
	forever();
}

/* --- cycle3: three processes over process-shared mutexes --- */

struct shared3 {
	pthread_mutex_t m[3];
	pthread_barrier_t bar;
	volatile pid_t pid[3];
};

static void cycle3(void)
{
	struct shared3 *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t ma3;
	pthread_barrierattr_t ba;
	int i;

	if (sh == MAP_FAILED)
		die("mmap");
	pthread_mutexattr_init(&ma3);
	pthread_mutexattr_setpshared(&ma3, PTHREAD_PROCESS_SHARED);
	pthread_barrierattr_init(&ba);
	pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
	for (i = 0; i < 3; i++)
		pthread_mutex_init(&sh->m[i], &ma3);
	pthread_barrier_init(&sh->bar, &ba, 3);
	for (i = 0; i < 3; i++) {
		pid_t p = fork();

		if (p < 0)
			die("fork");
		if (!p) {
			sh->pid[i] = getpid();
			pthread_mutex_lock(&sh->m[i]);
			pthread_barrier_wait(&sh->bar);
			pthread_mutex_lock(&sh->m[(i + 1) % 3]);	/* never returns */
			_exit(0);
		}
		others[nothers++] = p;
	}
	for (i = 0; i < 3; i++) {
		while (!sh->pid[i])
			usleep(1000);
		wait_asleep(sh->pid[i], sh->pid[i], 'S', NR_FUTEX);
	}
	for (i = 0; i < 3; i++) {
		waiter(sh->pid[i], "pthread_mutex", &sh->m[(i + 1) % 3], sizeof(sh->m[0]),
		       sh->pid[(i + 1) % 3]);
		fprintf(out, "P %d\n", sh->pid[i]);
	}
	fprintf(out, "C %d %d %d\n", sh->pid[0], sh->pid[1], sh->pid[2]);
	ready();
	forever();
}

/* --- pi: a priority-inheritance mutex held, one waiter --- */

static pthread_mutex_t mpi;

static void *pi_holder(void *arg)
{
	(void)arg;
	tids[0] = gettid_();
	pthread_mutex_lock(&mpi);
	forever();
	return NULL;
}

static void *pi_waiter(void *arg)
{
	(void)arg;
	tids[1] = gettid_();
	pthread_mutex_lock(&mpi);
	return NULL;
}

static void pi(void)
{
	pthread_mutexattr_t a;
	pthread_t t;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&mpi, &a);
	if (pthread_create(&t, NULL, pi_holder, NULL))
		die("pthread_create");
	while (!tids[0])
		usleep(1000);
	wait_asleep(getpid(), tids[0], 'S', -1);
	if (pthread_create(&t, NULL, pi_waiter, NULL))
		die("pthread_create");
	while (!tids[1])
		usleep(1000);
	wait_asleep(getpid(), tids[1], 'S', NR_FUTEX);
	waiter(tids[1], "pi_futex", &mpi, sizeof(mpi), tids[0]);
	ready();
	forever();
}

/* --- rwlock: write-held; a writer and a reader wait --- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void *rw_thread(void *arg)
{
	long i = (long)arg;

	tids[i] = gettid_();
	if (i == 0) {
		pthread_rwlock_wrlock(&rw);
		forever();
	}
	if (i == 1)
		pthread_rwlock_wrlock(&rw);
	else
		pthread_rwlock_rdlock(&rw);
	return NULL;
}

static void rwlock(void)
{
	pthread_t t;
	long i;

	for (i = 0; i < 3; i++) {
		if (pthread_create(&t, NULL, rw_thread, (void *)i))
			die("pthread_create");
		while (!tids[i])
			usleep(1000);
		wait_asleep(getpid(), tids[i], 'S', i ? NR_FUTEX : -1);
	}
	waiter(tids[1], "pthread_rwlock", &rw, sizeof(rw), tids[0]);
	waiter(tids[2], "pthread_rwlock", &rw, sizeof(rw), tids[0]);
	ready();
	forever();
}

/* --- noowner: a condvar waiter and a semaphore waiter --- */

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;

static void *cond_waiter(void *arg)
{
	(void)arg;
	tids[0] = gettid_();
	pthread_mutex_lock(&cm);
	for (;;)
		pthread_cond_wait(&cv, &cm);
	return NULL;
}

static void *sem_waiter(void *arg)
{
	(void)arg;
	tids[1] = gettid_();
	for (;;)
		sem_wait(&sem);
	return NULL;
}

static void noowner(void)
{
	pthread_t t;

	sem_init(&sem, 0, 0);
	if (pthread_create(&t, NULL, cond_waiter, NULL) ||
	    pthread_create(&t, NULL, sem_waiter, NULL))
		die("pthread_create");
	while (!tids[0] || !tids[1])
		usleep(1000);
	wait_asleep(getpid(), tids[0], 'S', NR_FUTEX);
	wait_asleep(getpid(), tids[1], 'S', NR_FUTEX);
	waiter(tids[0], "futex", &cv, sizeof(cv), 0);
	waiter(tids[1], "futex", &sem, sizeof(sem), 0);
	ready();
	forever();
}

/* --- kernel: an rwsem and a mutex held by a thread stalled in a page fault --- */

static int file_fd, file_fd2, pipe_fds[2];

static int wchan_is(pid_t tid, const char *fn)
{
	char path[64], buf[128];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", getpid(), tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return !strcmp(buf, fn);
}

static void *k_thread(void *arg)
{
	long i = (long)arg;
	char buf[16] = "second writer";

	tids[i] = gettid_();
	switch (i) {
	case 0:	/* holds the file's i_rwsem, stalled copying the page in */
		if (write(file_fd, uffd_area, 64) < 0)
			perror("write file");
		break;
	case 1:	/* waits for it */
		if (write(file_fd2, buf, sizeof(buf)) < 0)
			perror("write file 2");
		break;
	case 2:	/* holds the pipe's mutex, stalled */
		if (write(pipe_fds[1], uffd_area + page, 64) < 0)
			perror("write pipe");
		break;
	case 3:	/* waits for it */
		if (write(pipe_fds[1], buf, sizeof(buf)) < 0)
			perror("write pipe 2");
		break;
	}
	forever();
	return NULL;
}

static void wait_wchan(pid_t tid, const char *fn)
{
	int i;

	for (i = 0; i < 6000 && !wchan_is(tid, fn); i++)
		usleep(10000);
	if (!wchan_is(tid, fn)) {
		fprintf(stderr, "waitfor_zoo: %d never slept in %s\n", tid, fn);
		exit(1);
	}
}

/* LOCK_WAIT for tid: 0 or an errno; *r filled. */
static int lock_wait(int fd, uint64_t tid, uint32_t kind, uint32_t reserved,
		     struct kstack_lock_wait *r)
{
	memset(r, 0, sizeof(*r));
	r->hdr.size = sizeof(*r);
	r->hdr.version = KSTACK_PROTO_VERSION;
	r->tid = tid;
	r->kind = kind;
	r->reserved = reserved;
	return ioctl(fd, KSTACK_IOCTL_LOCK_WAIT, r) ? errno : 0;
}

static int failures;

static void result(int ok, const char *what, const char *detail)
{
	if (!ok)
		failures++;
	printf("%s: waitfor: driver LOCK_WAIT%s: %s%s%s\n", ok ? "PASS" : "FAIL",
	       sizeof(long) == 4 ? " (i386 client)" : "", what, ok ? "" : ": ", ok ? "" : detail);
}

/* tids[0] holds the file's i_rwsem (stalled), [1] waits for it; [2], [3] the pipe's mutex. */
static void driver_checks(void)
{
	struct kstack_lock_wait r;
	char d[160];
	int fd = open(KSTACK_DEVICE_LINUX, O_RDONLY), e;

	if (fd < 0) {
		result(0, "open", strerror(errno));
		return;
	}
	e = lock_wait(fd, tids[3], KSTACK_LOCK_ANY, 0, &r);
	snprintf(d, sizeof(d), "err %d kind %u flags %#x owner %llu lock %#llx", e, r.kind, r.flags,
		 (unsigned long long)r.owner_tid, (unsigned long long)r.lock);
	result(!e && r.kind == KSTACK_LOCK_MUTEX && (r.flags & KSTACK_LW_OWNER) &&
	       r.owner_tid == (uint64_t)tids[2] && r.lock && r.waiter,
	       "a pipe writer's mutex and its holder, kind asked: any", d);
	e = lock_wait(fd, tids[1], KSTACK_LOCK_RWSEM, 0, &r);
	snprintf(d, sizeof(d), "err %d kind %u flags %#x owner %llu", e, r.kind, r.flags,
		 (unsigned long long)r.owner_tid);
	result(!e && r.kind == KSTACK_LOCK_RWSEM && (r.flags & KSTACK_LW_WRITE) &&
	       r.owner_tid == (uint64_t)tids[0],
	       "a file writer's i_rwsem, written to, and its writer", d);
	e = lock_wait(fd, tids[1], KSTACK_LOCK_SEMAPHORE, 0, &r);
	snprintf(d, sizeof(d), "err %d kind %u", e, r.kind);
	result(e == ENOENT, "the wrong kind asked: ENOENT", d);
	e = lock_wait(fd, tids[0], KSTACK_LOCK_ANY, 0, &r);
	snprintf(d, sizeof(d), "err %d kind %u lock %#llx", e, r.kind, (unsigned long long)r.lock);
	result(e == ENOENT, "a thread stalled in a page fault waits for no lock: ENOENT", d);
	e = lock_wait(fd, 0x3fffffff, KSTACK_LOCK_ANY, 0, &r);
	snprintf(d, sizeof(d), "err %d", e);
	result(e == ESRCH, "no such thread: ESRCH", d);
	e = lock_wait(fd, tids[1], KSTACK_LOCK_FILE + 1, 0, &r);
	snprintf(d, sizeof(d), "err %d", e);
	result(e == EINVAL, "an unknown kind: EINVAL", d);
	e = lock_wait(fd, tids[1], KSTACK_LOCK_ANY, 1, &r);
	snprintf(d, sizeof(d), "err %d", e);
	result(e == EINVAL, "reserved not 0: EINVAL", d);
	e = lock_wait(fd, tids[3], KSTACK_LOCK_MUTEX, 0, &r);
	snprintf(d, sizeof(d), "err %d checked %#x", e, r.checked);
	result(!e && r.checked == (1u << KSTACK_LOCK_MUTEX | 1u << KSTACK_LOCK_RWSEM |
				   1u << KSTACK_LOCK_SEMAPHORE | 1u << KSTACK_LOCK_FILE),
	       "every kind's layout passed its check at load", d);
	close(fd);
}

static void kernel(bool checks)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	pthread_t t;
	long i;

	page = sysconf(_SC_PAGESIZE);
	mkdir("/tmp/wfz", 0755);
	if (mount("none", "/tmp/wfz", "tmpfs", 0, NULL) && errno != EBUSY)
		die("mount tmpfs");
	file_fd = open("/tmp/wfz/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	file_fd2 = open("/tmp/wfz/f", O_RDWR);
	if (file_fd < 0 || file_fd2 < 0 || pipe(pipe_fds))
		die("open");
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	uffd_area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (uffd_area == MAP_FAILED)
		die("mmap");
	reg.range.start = (uintptr_t)uffd_area;
	reg.range.len = 2 * page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	/* nobody serves the faults: the writers stall in handle_userfault */
	for (i = 0; i < 4; i++) {
		if (pthread_create(&t, NULL, k_thread, (void *)i))
			die("pthread_create");
		while (!tids[i])
			usleep(1000);
		if (i % 2 == 0)
			wait_wchan(tids[i], "handle_userfault");
		else
			wait_asleep(getpid(), tids[i], 'D', SYS_write);
	}
	waiter(tids[1], "rwsem", NULL, 0, tids[0]);
	waiter(tids[3], "mutex", NULL, 0, tids[2]);
	if (checks) {
		driver_checks();
		fflush(stdout);
	}
	ready();
	forever();
}

/* --- flock: flock(2) and fcntl(2) locks across processes --- */

static void flocks(void)
{
	int ready_pipe[2];
	pid_t h, w1, w2;
	char c;

	if (pipe(ready_pipe))
		die("pipe");
	close(open("/tmp/wfz-flock", O_RDWR | O_CREAT, 0644));
	close(open("/tmp/wfz-posix", O_RDWR | O_CREAT, 0644));
	h = fork();
	if (!h) {	/* the holder of both */
		int a = open("/tmp/wfz-flock", O_RDWR), b = open("/tmp/wfz-posix", O_RDWR);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		if (flock(a, LOCK_EX) || fcntl(b, F_SETLK, &fl))
			die("holder lock");
		if (write(ready_pipe[1], "x", 1) != 1)
			die("write");
		forever();
	}
	others[nothers++] = h;
	if (read(ready_pipe[0], &c, 1) != 1)
		die("read");
	w1 = fork();
	if (!w1) {
		int a = open("/tmp/wfz-flock", O_RDWR);

		flock(a, LOCK_EX);
		forever();
	}
	others[nothers++] = w1;
	w2 = fork();
	if (!w2) {
		int b = open("/tmp/wfz-posix", O_RDWR);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		fcntl(b, F_SETLKW, &fl);
		forever();
	}
	others[nothers++] = w2;
	wait_asleep(w1, w1, 'S', SYS_flock);
	wait_asleep(w2, w2, 'S', -1);	/* fcntl, or fcntl64 on i386 */
	waiter(w1, "flock", NULL, 0, h);
	waiter(w2, "posix_lock", NULL, 0, h);
	fprintf(out, "P %d\nP %d\nP %d\n", h, w1, w2);
	ready();
	forever();
}

/* --- crowd: four threads wait for one mutex its holder keeps --- */

static void *crowd_one(void *arg)
{
	long i = (long)arg;

	tids[i] = gettid_();
	pthread_mutex_lock(&ma);
	if (i == 0)
		forever();
	return NULL;
}

static void crowd(void)
{
	pthread_t t;
	long i;

	for (i = 0; i < 5; i++) {
		if (pthread_create(&t, NULL, crowd_one, (void *)i))
			die("pthread_create");
		while (!tids[i])
			usleep(1000);
		wait_asleep(getpid(), tids[i], 'S', i ? NR_FUTEX : -1);
	}
	for (i = 1; i < 5; i++)
		waiter(tids[i], "pthread_mutex", &ma, sizeof(ma), tids[0]);
	ready();
	forever();
}

/* --- churn: two mutexes, always in order: contended, never deadlocked --- */

static void *churn_one(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&ma);
		pthread_mutex_lock(&mb);
		sched_yield();
		pthread_mutex_unlock(&mb);
		pthread_mutex_unlock(&ma);
		pthread_mutex_lock(&mb);
		sched_yield();
		pthread_mutex_unlock(&mb);
	}
	return NULL;
}

static void churn(void)
{
	pthread_t t;
	int i;

	for (i = 0; i < 6; i++)
		if (pthread_create(&t, NULL, churn_one, NULL))
			die("pthread_create");
	ready();
	forever();
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };

	if (argc != 3) {
		fprintf(stderr, "usage: waitfor_zoo abba|cycle3|pi|rwlock|noowner|kernel|driver|flock|crowd|churn OUT\n");
		return 64;
	}
	sigaction(SIGTERM, &sa, NULL);
	out = fopen(argv[2], "w");
	if (!out)
		die(argv[2]);
	if (!strcmp(argv[1], "abba"))
		abba();
	else if (!strcmp(argv[1], "cycle3"))
		cycle3();
	else if (!strcmp(argv[1], "pi"))
		pi();
	else if (!strcmp(argv[1], "rwlock"))
		rwlock();
	else if (!strcmp(argv[1], "noowner"))
		noowner();
	else if (!strcmp(argv[1], "kernel"))
		kernel(false);
	else if (!strcmp(argv[1], "driver"))
		kernel(true);
	else if (!strcmp(argv[1], "flock"))
		flocks();
	else if (!strcmp(argv[1], "crowd"))
		crowd();
	else if (!strcmp(argv[1], "churn"))
		churn();
	fprintf(stderr, "waitfor_zoo: unknown scenario %s\n", argv[1]);
	return 64;
}
