// SPDX-License-Identifier: GPL-2.0
/*
 * ksstress catch N (issue 24): N CATCH_RUNNING requests, each thread
 * taken where it is: threads spinning in user code and in the kernel
 * (interrupted on their CPU), one alternating between running and
 * sleeping, one asleep, this thread itself, and short-lived threads that
 * exit around the request (ESRCH), with the user stack copy at its largest
 * and at none. Every answer is checked whole: its kind, its record's
 * layout, kernel frames in the kernel, the copy inside its record.
 */
#define _GNU_SOURCE
#include "ksstress.h"

static volatile int catch_stop;
static volatile unsigned long spins;
static atomic_int short_tid;

static void *user_spin(void *arg)
{
	*(volatile pid_t *)arg = tu_gettid();
	while (!catch_stop)
		spins++;
	return NULL;
}

static void *kernel_spin(void *arg)
{
	static char buf[256 << 10];
	int fd = open("/dev/zero", O_RDONLY);

	*(volatile pid_t *)arg = tu_gettid();
	while (!catch_stop && fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static void *alternate(void *arg)
{
	*(volatile pid_t *)arg = tu_gettid();
	while (!catch_stop) {
		unsigned long i;

		for (i = 0; i < 200000 && !catch_stop; i++)
			spins++;
		usleep(500);
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	*(volatile pid_t *)arg = tu_gettid();
	while (!catch_stop)
		pause();
	return NULL;
}

static void *short_lived(void *arg)
{
	atomic_store(&short_tid, tu_gettid());
	usleep((useconds_t)(uintptr_t)arg);
	return NULL;
}

/* Threads born and gone all the time, their ids in short_tid. */
static void *churn(void *arg)
{
	unsigned int seed = 7;

	(void)arg;
	while (!catch_stop) {
		pthread_t t;

		if (!pthread_create(&t, NULL, short_lived, (void *)(uintptr_t)(rand_r(&seed) % 300)))
			pthread_join(t, NULL);
	}
	return NULL;
}

const char *catch_check(const struct kstack_catch_running *c, const uint8_t *rec,
			uint32_t max_frames, uint32_t stack_bytes)
{
	const struct kstack_snap_thread *r = (const void *)rec;
	const struct kstack_snap_tail *t;
	const struct kstack_snap_catch *k;
	size_t after;
	uint32_t i;

	if (c->rec_size < sizeof(*r) || c->rec_size % 8 || r->rec_size != c->rec_size ||
	    c->rec_size > KSTACK_CATCH_RECORD_SIZE(max_frames, stack_bytes))
		return "record size";
	if (r->tid != c->tid || !(r->flags & KSTACK_SNAP_F_TAIL) || r->nr_frames > max_frames ||
	    sizeof(*r) + 8ul * r->nr_frames + sizeof(*t) > r->rec_size)
		return "record header";
	for (i = 0; i < r->nr_frames; i++)
		if (((const uint64_t *)(r + 1))[i] < KADDR_MIN)
			return "a frame outside the kernel";
	t = (const void *)(rec + r->rec_size - sizeof(*t));
	after = r->rec_size - sizeof(*r) - 8ul * r->nr_frames;
	if (!(r->flags & KSTACK_SNAP_F_CATCH))
		return c->how == KSTACK_CATCH_ASLEEP && !(r->flags & KSTACK_SNAP_F_RUNNING) ?
		       NULL : "kind without its catch";
	if (t->nr_ret_fixups || after < sizeof(*t) + sizeof(*k))
		return "catch overruns";
	k = (const struct kstack_snap_catch *)t - 1;
	if (k->how != c->how || k->stack_len > stack_bytes ||
	    (k->stack_len + 7u) / 8 * 8 > after - sizeof(*t) - sizeof(*k))
		return "catch fields";
	switch (c->how) {
	case KSTACK_CATCH_KERNEL:
		if (!r->nr_frames || ((const uint64_t *)(r + 1))[0] != k->ip || k->ip < KADDR_MIN)
			return "kernel mode: first frame";
		break;
	case KSTACK_CATCH_USER:
		if (r->nr_frames || !(r->flags & KSTACK_SNAP_F_USER_REGS) || t->user.ip != k->ip)
			return "user mode: registers";
		break;
	case KSTACK_CATCH_ASLEEP:
		if (!k->stack_len || (r->flags & KSTACK_SNAP_F_RUNNING))
			return "asleep: copy";
		break;
	case KSTACK_CATCH_SELF:
	case KSTACK_CATCH_MISSED:
		if (!(r->flags & KSTACK_SNAP_F_RUNNING) || r->nr_frames || k->stack_len)
			return "not caught: data";
		break;
	default:
		return "unknown kind";
	}
	return NULL;
}

int cmd_catch(long n)
{
	static uint8_t rec[KSTACK_CATCH_RECORD_SIZE(KSTACK_FRAMES_MAX, KSTACK_CATCH_STACK_MAX)];
	volatile pid_t tids[4] = { 0 };
	void *(*fns[4])(void *) = { user_spin, kernel_spin, alternate, sleeper };
	long kinds[5] = { 0 }, esrch = 0, bad = 0, calls = 0, i;
	struct kstack_catch_running c;
	const char *why = NULL;
	pthread_t th[5];
	int fd = tu_open(), k;

	if (fd < 0)
		return 1;
	for (k = 0; k < 4; k++)
		if (pthread_create(&th[k], NULL, fns[k], (void *)&tids[k]))
			return 1;
	if (pthread_create(&th[4], NULL, churn, NULL))
		return 1;
	for (k = 0; k < 4; k++)
		while (!tids[k])
			usleep(1000);
	usleep(100000);
	for (i = 0; i < n; i++) {
		/* the four threads, this one, a short-lived one; the largest copy, and none */
		pid_t tid = i % 6 < 4 ? tids[i % 6] : i % 6 == 4 ? tu_gettid() :
			    atomic_load(&short_tid);
		uint32_t frames = i % 3 ? KSTACK_FRAMES_MAX : 1 + (uint32_t)(i % 7);
		uint32_t bytes = i % 2 ? KSTACK_CATCH_STACK_MAX : 0;
		const char *w;

		calls++;
		if (tu_catch(fd, (uint64_t)tid, rec, sizeof(rec), frames, bytes, &c)) {
			if (errno == ESRCH && i % 6 == 5) {
				esrch++;
				continue;
			}
			bad++;
			if (!why)
				why = strerror(errno);
			continue;
		}
		w = catch_check(&c, rec, frames, bytes);
		if (w) {
			bad++;
			if (!why)
				why = w;
			continue;
		}
		kinds[c.how < 5 ? c.how : 4]++;
	}
	catch_stop = 1;
	for (k = 0; k < 5; k++)
		if (k != 3)
			pthread_join(th[k], NULL);
	printf("figures: catch: %ld requests: %ld caught in kernel mode, %ld in user mode, %ld asleep, %ld the caller itself, %ld not caught, %ld gone (ESRCH), %ld wrong\n",
	       calls, kinds[KSTACK_CATCH_KERNEL], kinds[KSTACK_CATCH_USER],
	       kinds[KSTACK_CATCH_ASLEEP], kinds[KSTACK_CATCH_SELF], kinds[KSTACK_CATCH_MISSED],
	       esrch, bad);
	tu_result(!bad, "catch: every CATCH_RUNNING answered whole", "%ld wrong (first: %s)", bad,
		  why ? why : "-");
	tu_result(kinds[KSTACK_CATCH_KERNEL] && kinds[KSTACK_CATCH_USER] &&
		  kinds[KSTACK_CATCH_ASLEEP] && kinds[KSTACK_CATCH_SELF],
		  "catch: threads caught in kernel mode, in user mode, asleep, and the caller itself",
		  "kernel %ld user %ld asleep %ld self %ld", kinds[KSTACK_CATCH_KERNEL],
		  kinds[KSTACK_CATCH_USER], kinds[KSTACK_CATCH_ASLEEP], kinds[KSTACK_CATCH_SELF]);
	close(fd);
	return 0;
}
