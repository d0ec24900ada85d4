// SPDX-License-Identifier: GPL-2.0
/*
 * ksmm_test: SNAPSHOT's mm_id (KSTACK_CAP_SNAP_MM_ID) names address spaces
 * as the kernel shares them: every thread of this process has one id;
 * vfork children (until they exec) and a CLONE_VM child have the same;
 * a forked child has another; kernel threads have none (0). Whole-system
 * and per-process SNAPSHOTs agree on the ids. Prints PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "test_util.h"

#define THREADS 6
#define VFORKS 2

static volatile int vforked;

static void sleep_forever(void)
{
	struct timespec ts = { .tv_sec = 100000 };

	for (;;)
		syscall(SYS_nanosleep, &ts, NULL);
}

/* a thread that vforks: the child sleeps in our address space, the thread waits in vfork */
static void *vfork_thread(void *arg)
{
	pid_t *child = arg;
	pid_t p;

	/* the parent is suspended until the child ends: publish the pid from the child */
	p = vfork();
	if (p == 0) {
		*child = (pid_t)syscall(SYS_getpid);
		__atomic_add_fetch(&vforked, 1, __ATOMIC_SEQ_CST);
		sleep_forever();
	}
	return NULL;	/* not reached while the child lives */
}

static void *sleeper(void *arg)
{
	(void)arg;
	sleep_forever();
	return NULL;
}

static int clone_main(void *arg)
{
	(void)arg;
	sleep_forever();
	return 0;
}

/* the mm_id of each of the given tids in a SNAPSHOT of pid (0: system); 0 if absent */
static int ids_of(int fd, uint64_t pid, const pid_t *tids, int n, uint64_t *ids,
		  uint64_t *kthread_with_id)
{
	static char buf[32 << 20];
	struct kstack_snapshot s;
	uint64_t off = 0;

	TU_HDR(s);
	s.pid = pid;
	s.mode = KSTACK_SNAP_FRAMES;
	s.max_frames = 1;
	s.buffer = (uintptr_t)buf;
	s.buffer_size = sizeof(buf);
	s.flags = KSTACK_SNAP_WANT_TAIL;
	if (ioctl(fd, KSTACK_IOCTL_SNAPSHOT, &s))
		return -1;
	memset(ids, 0, n * sizeof(*ids));
	*kthread_with_id = 0;
	while (off < s.bytes_used) {
		const struct kstack_snap_thread *r = (const void *)(buf + off);
		const struct kstack_snap_tail *t = (const void *)(buf + off + r->rec_size - sizeof(*t));

		for (int i = 0; i < n; i++)
			if (r->tid == (uint64_t)tids[i])
				ids[i] = t->mm_id;
		if ((r->flags & KSTACK_TF_KTHREAD) && t->mm_id)
			*kthread_with_id = r->tid;
		off += r->rec_size;
	}
	return 0;
}

int main(void)
{
	pid_t tids[THREADS + 1], vkids[VFORKS], fkid, ckid, all[THREADS + 1 + VFORKS + 2];
	static char cstack[64 << 10] __attribute__((aligned(16)));
	uint64_t ids[THREADS + 1 + VFORKS + 2], kt, one[1];
	struct kstack_version v;
	pthread_t th;
	int fd = tu_open(), n = 0, i, ok;

	TU_HDR(v);
	if (fd < 0 || ioctl(fd, KSTACK_IOCTL_VERSION, &v)) {
		tu_result(0, "mm_id: open /dev/kstack", "%s", strerror(errno));
		return 1;
	}
	tu_result(!!(v.caps & KSTACK_CAP_SNAP_MM_ID), "mm_id: VERSION has KSTACK_CAP_SNAP_MM_ID",
		  "caps 0x%x", v.caps);
	tids[0] = getpid();
	for (i = 0; i < THREADS; i++) {
		pthread_create(&th, NULL, sleeper, NULL);
		tids[i + 1] = 0;
	}
	for (i = 0; i < VFORKS; i++) {
		vkids[i] = 0;
		pthread_create(&th, NULL, vfork_thread, &vkids[i]);
	}
	fkid = fork();
	if (fkid == 0)
		sleep_forever();
	ckid = clone(clone_main, cstack + sizeof(cstack), CLONE_VM | SIGCHLD, NULL);
	while (__atomic_load_n(&vforked, __ATOMIC_SEQ_CST) < VFORKS)
		usleep(1000);
	usleep(200 * 1000);
	all[n++] = tids[0];
	for (i = 0; i < VFORKS; i++)
		all[n++] = vkids[i];
	all[n++] = ckid;
	all[n++] = fkid;
	if (ids_of(fd, 0, all, n, ids, &kt)) {
		tu_result(0, "mm_id: whole-system SNAPSHOT", "%s", strerror(errno));
		return 1;
	}
	tu_result(ids[0] != 0, "mm_id: this process has an id", "0");
	ok = 1;
	for (i = 1; i <= VFORKS; i++)
		ok &= ids[i] == ids[0];
	tu_result(ok, "mm_id: vfork children share their parent's id", "%" PRIx64 " vs %" PRIx64,
		  ids[1], ids[0]);
	tu_result(ids[VFORKS + 1] == ids[0], "mm_id: a CLONE_VM child shares its parent's id",
		  "%" PRIx64 " vs %" PRIx64, ids[VFORKS + 1], ids[0]);
	tu_result(ids[VFORKS + 2] && ids[VFORKS + 2] != ids[0],
		  "mm_id: a forked child has an id of its own", "%" PRIx64 " vs %" PRIx64,
		  ids[VFORKS + 2], ids[0]);
	tu_result(!kt, "mm_id: kernel threads have none", "thread %" PRIu64, kt);
	/* a SNAPSHOT of one process gives the same ids as the system's */
	ok = !ids_of(fd, (uint64_t)vkids[0], &vkids[0], 1, one, &kt) && one[0] == ids[0];
	tu_result(ok, "mm_id: per-process SNAPSHOT agrees with the system's",
		  "%" PRIx64 " vs %" PRIx64, one[0], ids[0]);
	for (i = 0; i < VFORKS; i++)
		kill(vkids[i], SIGKILL);
	kill(fkid, SIGKILL);
	kill(ckid, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return tu_failures ? 1 : 0;
}
