// SPDX-License-Identifier: GPL-2.0
/*
 * ksmm_test: address spaces as the driver reports them. SNAPSHOT's mm_id
 * (KSTACK_CAP_SNAP_MM_ID) names them as the kernel shares them: every
 * thread of this process has one id; vfork children (until they exec) and
 * a CLONE_VM child have the same; a forked child has another; kernel
 * threads have none (0); whole-system and per-process SNAPSHOTs agree.
 * USER_MAPS (KSTACK_CAP_USER_MAPS) gives the mappings of /proc/PID/maps a
 * walker needs, field for field: every file's and named one, and of the
 * anonymous ones exactly those holding an address asked about; bad
 * requests and buffers are refused. Prints PASS/FAIL lines.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "test_util.h"

#define THREADS 6
#define VFORKS 2

int tu_failures;	/* test_util.h: FAIL lines so far */

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

/* One /proc/self/maps line, parsed: start, end, offset, dev, ino, path. */
struct pmap {
	uint64_t start, end, off, ino;
	unsigned int maj, min;
	char perms[8], path[512];
};

static int proc_maps(struct pmap *v, int max)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	int n = 0;

	while (f && n < max && fgets(line, sizeof(line), f)) {
		struct pmap *m = &v[n];
		int at = 0;

		m->path[0] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &m->start, &m->end, m->perms, &m->off, &m->maj, &m->min, &m->ino, &at) < 7)
			continue;
		snprintf(m->path, sizeof(m->path), "%s", line + at);
		m->path[strcspn(m->path, "\n")] = '\0';
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

static int user_maps(int fd, uint64_t pid, const uint64_t *addrs, uint32_t naddrs,
		     struct kstack_user_map *v, uint32_t max, char *names, uint32_t names_size,
		     struct kstack_user_maps *q)
{
	TU_HDR(*q);
	q->pid = pid;
	q->addrs = (uintptr_t)addrs;
	q->nr_addrs = naddrs;
	q->buffer = (uintptr_t)v;
	q->max = max;
	q->names = (uintptr_t)names;
	q->names_size = names_size;
	return ioctl(fd, KSTACK_IOCTL_USER_MAPS, q);
}

/* USER_MAPS of ourselves against /proc/self/maps, and its refusals. */
static void test_user_maps(int fd, pid_t kid)
{
	static struct kstack_user_map v[512];
	static struct pmap pm[1024];
	static char names[65536];
	struct kstack_user_maps q;
	char *anon = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t addrs[2] = { (uint64_t)(uintptr_t)(anon + 4096), 0 };
	int n, i, ok, files = 0, anon_seen = 0, bad = -1;
	uint32_t k = 0;

	mprotect(anon + 8192, 4096, PROT_READ);	/* a mapping of its own, not asked about */
	if (user_maps(fd, 0 + getpid(), addrs, 1, v, 512, names, sizeof(names), &q)) {
		tu_result(0, "user_maps: USER_MAPS of this process", "%s", strerror(errno));
		return;
	}
	n = proc_maps(pm, 1024);
	/* every /proc line that is a file's or named, and the asked anonymous one: in order, equal */
	ok = 1;
	for (i = 0; i < n && ok; i++) {
		const struct kstack_user_map *e;
		bool file = pm[i].ino != 0, named = !file && pm[i].path[0] == '[';
		bool asked = !file && !named && ((addrs[0] >= pm[i].start && addrs[0] < pm[i].end) ||
						 pm[i].perms[2] == 'x');
		const char *name;

		if (!file && !named && !asked)
			continue;
		if (k >= q.nr) {
			ok = 0;
			bad = i;
			break;
		}
		e = &v[k++];
		name = e->name_off == KSTACK_UMAP_NO_NAME ? "" : names + e->name_off;
		if (e->start != pm[i].start || e->end != pm[i].end ||
		    !!(e->flags & KSTACK_UMAP_READ) != (pm[i].perms[0] == 'r') ||
		    !!(e->flags & KSTACK_UMAP_EXEC) != (pm[i].perms[2] == 'x') ||
		    (file && (e->offset != pm[i].off || e->ino != pm[i].ino ||
			      e->dev_major != pm[i].maj || e->dev_minor != pm[i].min ||
			      !(e->flags & KSTACK_UMAP_FILE))) ||
		    ((file || named) && strcmp(name, pm[i].path))) {
			ok = 0;
			bad = i;
		}
		files += file;
		anon_seen += asked;
	}
	tu_result(ok && k == q.nr && files > 0 && anon_seen >= 1,
		  "user_maps: equal to /proc/self/maps (files, named, anonymous code, the one anonymous asked about)",
		  "/proc line %d (%s), %u of %u entries matched, %d files, %d anonymous", bad,
		  bad >= 0 ? pm[bad].path : "-", k, q.nr, files, anon_seen);
	/* too small: ENOSPC with what is needed */
	ok = user_maps(fd, getpid(), addrs, 1, v, 1, names, sizeof(names), &q) == -1 &&
	     errno == ENOSPC && q.nr > 1;
	tu_result(ok, "user_maps: a buffer of one entry: ENOSPC with the count", "nr %u", q.nr);
	ok = user_maps(fd, getpid(), addrs, 1, v, 512, names, 4, &q) == -1 && errno == ENOSPC &&
	     q.names_used > 4;
	tu_result(ok, "user_maps: names too small: ENOSPC with the bytes needed", "used %u",
		  q.names_used);
	/* bad requests */
	ok = user_maps(fd, getpid(), addrs, 1, v, 0, names, sizeof(names), &q) == -1 &&
	     errno == EINVAL &&
	     user_maps(fd, getpid(), addrs, KSTACK_USER_MAPS_ADDRS_MAX + 1, v, 512, names,
		       sizeof(names), &q) == -1 && errno == EINVAL;
	tu_result(ok, "user_maps: max 0 or too many addresses: EINVAL", "%s", strerror(errno));
	ok = user_maps(fd, 2, NULL, 0, v, 512, names, sizeof(names), &q) == -1 && errno == ESRCH;
	tu_result(ok, "user_maps: a kernel thread (no address space): ESRCH", "%s", strerror(errno));
	ok = user_maps(fd, 999999999, NULL, 0, v, 512, names, sizeof(names), &q) == -1 &&
	     errno == ESRCH;
	tu_result(ok, "user_maps: no such process: ESRCH", "%s", strerror(errno));
	/* a forked child's: its own copy of the same layout */
	ok = !user_maps(fd, (uint64_t)kid, NULL, 0, v, 512, names, sizeof(names), &q) && q.nr > 0;
	tu_result(ok, "user_maps: a forked child's mappings", "%s", strerror(errno));
	/* buffers that end at an unmapped page or are read-only: EFAULT, never a partial success */
	if (ok) {
		uint32_t nr = q.nr, used = q.names_used;
		size_t len = (size_t)nr * sizeof(*v);
		struct kstack_user_map *edge = tu_edge_alloc(len - 1, 0), *ro = tu_edge_alloc(len, 1);
		char *nedge = tu_edge_alloc(used - 1, 0);

		ok = edge && ro && nedge &&
		     user_maps(fd, (uint64_t)kid, NULL, 0, edge, nr, names, sizeof(names), &q) == -1 &&
		     errno == EFAULT &&
		     user_maps(fd, (uint64_t)kid, NULL, 0, ro, nr, names, sizeof(names), &q) == -1 &&
		     errno == EFAULT &&
		     user_maps(fd, (uint64_t)kid, NULL, 0, v, 512, nedge, used, &q) == -1 &&
		     errno == EFAULT &&
		     user_maps(fd, (uint64_t)kid, (void *)8, 1, v, 512, names, sizeof(names), &q) ==
		     -1 && errno == EFAULT;
		tu_result(ok, "user_maps: entries, names or addresses at an unmapped or read-only page: EFAULT",
			  "%s", strerror(errno));
		if (edge)
			tu_edge_free(edge, len - 1, 0);
		if (ro)
			tu_edge_free(ro, len, 1);
		if (nedge)
			tu_edge_free(nedge, used - 1, 0);
	}
	munmap(anon, 3 * 4096);
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
	if (v.caps & KSTACK_CAP_USER_MAPS)
		test_user_maps(fd, fkid);
	else
		tu_result(0, "user_maps: VERSION has KSTACK_CAP_USER_MAPS", "caps 0x%x", v.caps);
	for (i = 0; i < VFORKS; i++)
		kill(vkids[i], SIGKILL);
	kill(fkid, SIGKILL);
	kill(ckid, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return tu_failures ? 1 : 0;
}
