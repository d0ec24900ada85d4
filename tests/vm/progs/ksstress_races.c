// SPDX-License-Identifier: GPL-2.0
/*
 * ksstress races: walks of single threads, of processes and of the whole
 * system in every mode while threads and processes come and go, a
 * process execs itself over and over and two threads switch all the
 * time; the errors allowed, and every record checked whole and honest.
 */
#define _GNU_SOURCE
#include "ksstress.h"

static void push_tid(pid_t tid)
{
	unsigned int i = atomic_fetch_add(&sh->ring_pos, 1);

	atomic_store(&sh->ring[i % RING], tid);
}

static pid_t pick_tid(unsigned int *seed)
{
	return atomic_load(&sh->ring[rand_r(seed) % RING]);
}


/* ---- churners ---- */

static void *short_thread(void *arg)
{
	push_tid(tu_gettid());
	usleep((useconds_t)(uintptr_t)arg);
	return NULL;
}

/* Threads created and exiting, 8 at a time, until `want` were made. */
static void thread_churn(long want)
{
	unsigned int seed = (unsigned int)getpid();

	while (atomic_load(&sh->threads) < want && !atomic_load(&sh->stop)) {
		pthread_t th[8];
		int i, n = 0;

		for (i = 0; i < 8; i++)
			if (!pthread_create(&th[n], NULL, short_thread,
					    (void *)(uintptr_t)(rand_r(&seed) % 2000)))
				n++;
		for (i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		atomic_fetch_add(&sh->threads, n);
	}
}

/* Processes forked and exiting at once, 4 at a time, until `want` were made. */
static void proc_churn(long want)
{
	while (atomic_load(&sh->procs) < want && !atomic_load(&sh->stop)) {
		int i, n = 0;

		for (i = 0; i < 4; i++) {
			pid_t p = fork();

			if (p == 0) {
				push_tid(getpid());
				usleep(500);
				_exit(0);
			}
			n += p > 0;
		}
		while (n-- > 0 && wait(NULL) > 0)
			atomic_fetch_add(&sh->procs, 1);
	}
}

/* Chains of 20 execs of ourselves, each image with a second thread. */
static void exec_churn(void)
{
	if (nice(5) < 0)
		return;
	while (!atomic_load(&sh->stop)) {
		pid_t p = fork();

		if (p == 0) {
			execl(prog, prog, "execchain", "20", (char *)NULL);
			_exit(127);
		}
		if (p < 0)
			continue;
		atomic_store(&sh->exec_pid, p);
		waitpid(p, NULL, 0);
		atomic_fetch_add(&sh->execs, 20);
	}
}

static void *exec_helper(void *arg)
{
	(void)arg;
	for (;;)
		pause();	/* killed by the next exec (de_thread) */
	return NULL;
}

int cmd_execchain(long n)
{
	pthread_t th;
	char next[32];

	if (n <= 0)
		return 0;
	pthread_create(&th, NULL, exec_helper, NULL);
	usleep(2000);
	snprintf(next, sizeof(next), "%ld", n - 1);
	execl("/proc/self/exe", "ksstress", "execchain", next, (char *)NULL);
	return 127;
}

/* Two threads handing a token back and forth: they switch all the time. */
static int pp[2][2];

static void *pong(void *arg)
{
	char c;

	(void)arg;
	atomic_store(&sh->pong_tid, tu_gettid());
	while (read(pp[0][0], &c, 1) == 1 && write(pp[1][1], &c, 1) == 1)
		;
	return NULL;
}

static void pingpong(void)
{
	pthread_t th;
	char c = 'x';

	/* below the churn: it may switch all the time, not take all the CPU */
	if (nice(10) < 0 || pipe(pp[0]) || pipe(pp[1]) || pthread_create(&th, NULL, pong, NULL))
		_exit(1);
	while (!atomic_load(&sh->stop)) {
		if (write(pp[0][1], &c, 1) != 1 || read(pp[1][0], &c, 1) != 1)
			break;
		atomic_fetch_add(&sh->switches, 1);
	}
	_exit(0);
}

/* ---- checks ---- */

static void count_err(int e, const char *what, bool stack_read)
{
	switch (e) {
	case ESRCH:
		atomic_fetch_add(&sh->esrch, 1);
		break;
	case EAGAIN:
		atomic_fetch_add(&sh->eagain, 1);
		break;
	case EBUSY:
		atomic_fetch_add(&sh->ebusy, 1);
		break;
	case EPERM:
		if (stack_read) {	/* the range is no longer a live stack */
			atomic_fetch_add(&sh->eperm_gone, 1);
			break;
		}
		/* fall through */
	default:
		note_bad(&sh->unexpected, "%s: errno %d (%s)", what, e, strerror(e));
	}
}

static bool frames_ok(const uint64_t *f, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (f[i] < KADDR_MIN)
			return false;
	return true;
}

/* Every record whole and honest: a quiet capture has unchanged counts. */
static void check_snapshot(const char *buf, const struct kstack_snapshot *s, uint64_t pid,
			   uint32_t mode, const char *what)
{
	uint64_t off = 0;
	long n = 0;

	while (off < s->bytes_used) {
		const struct kstack_snap_thread *r = (const void *)(buf + off);

		if (r->rec_size < sizeof(*r) || r->rec_size % 8 || off + r->rec_size > s->bytes_used) {
			note_bad(&sh->wrong, "%s: malformed record at %" PRIu64, what, off);
			return;
		}
		n++;
		if (pid && r->tgid != pid)
			note_bad(&sh->wrong, "%s: tid %" PRIu64 " of tgid %" PRIu64 " in a snapshot of %" PRIu64,
				 what, r->tid, r->tgid, pid);
		if (r->flags & KSTACK_SNAP_F_RUNNING) {
			atomic_fetch_add(&sh->running_flagged, 1);
			if (r->raw_len || r->nr_frames)
				note_bad(&sh->wrong, "%s: running thread with data", what);
		} else if (r->flags & KSTACK_SNAP_F_RAN) {
			atomic_fetch_add(&sh->ran_flagged, 1);
		} else if (r->nvcsw_before != r->nvcsw_after ||
			   r->nivcsw_before != r->nivcsw_after) {
			note_bad(&sh->wrong, "%s: tid %" PRIu64 " switched during its capture, not flagged",
				 what, r->tid);
		} else if (mode == KSTACK_SNAP_RAW &&
			   (r->sp < r->stack_base || r->sp + r->raw_len != r->stack_base + r->stack_size ||
			    r->rec_size < sizeof(*r) + r->raw_len)) {
			note_bad(&sh->wrong, "%s: raw record of tid %" PRIu64 " not sp..top", what, r->tid);
		} else if (mode != KSTACK_SNAP_RAW &&
			   (r->nr_frames > KSTACK_FRAMES_MAX ||
			    r->rec_size < sizeof(*r) + r->nr_frames * 8 ||
			    !frames_ok((const uint64_t *)(r + 1), r->nr_frames))) {
			note_bad(&sh->wrong, "%s: frames of tid %" PRIu64 " malformed", what, r->tid);
		}
		off += r->rec_size;
	}
	if (n != (long)s->nr_threads)
		note_bad(&sh->wrong, "%s: %ld records, nr_threads %u", what, n, s->nr_threads);
	atomic_fetch_add(&sh->records, n);
}


static void walk_snapshot(int fd, char *buf, size_t size, uint64_t pid, uint32_t mode)
{
	struct kstack_snapshot s;
	int r = tu_snap(fd, pid, mode, buf, size, &s);

	atomic_fetch_add(&sh->calls, 1);
	if (r) {
		count_err(errno, pid ? "SNAPSHOT of a process" : "SNAPSHOT of the system", false);
		return;
	}
	atomic_fetch_add(&sh->ok, 1);
	check_snapshot(buf, &s, pid, mode, pid ? "SNAPSHOT of a process" : "SNAPSHOT of the system");
}

static void walk_thread(int fd, pid_t tid)
{
	uint64_t frames[KSTACK_FRAMES_MAX], buf[8];
	struct kstack_thread_context c;
	struct kstack_stack st;

	atomic_fetch_add(&sh->calls, 1);
	if (tu_context(fd, tid, &c)) {
		count_err(errno, "THREAD_CONTEXT", false);
	} else {
		atomic_fetch_add(&sh->ok, 1);
		if (c.sp < c.stack_base || c.sp >= c.stack_base + c.stack_size)
			note_bad(&sh->wrong, "THREAD_CONTEXT of %d: sp outside its stack", tid);
		atomic_fetch_add(&sh->calls, 1);
		if (tu_read_mem(fd, c.stack_base + c.stack_size - sizeof(buf), buf, sizeof(buf)))
			count_err(errno, "READ_MEMORY of a stack", true);
		else
			atomic_fetch_add(&sh->ok, 1);
	}
	atomic_fetch_add(&sh->calls, 1);
	if (tu_stack(fd, tid, frames, KSTACK_FRAMES_MAX, &st)) {
		count_err(errno, "STACK", false);
		return;
	}
	atomic_fetch_add(&sh->ok, 1);
	if (!(st.flags & KSTACK_SF_RAN) &&
	    (st.nvcsw_before != st.nvcsw_after || st.nivcsw_before != st.nivcsw_after))
		note_bad(&sh->wrong, "STACK of %d: switched during the walk, not flagged", tid);
	if (st.flags & KSTACK_SF_RAN)
		atomic_fetch_add(&sh->ran_flagged, 1);
	if (st.nr_frames > KSTACK_FRAMES_MAX || !frames_ok(frames, st.nr_frames))
		note_bad(&sh->wrong, "STACK of %d: malformed frames", tid);
}

/* A thread taken where it is (CATCH_RUNNING), as it comes and goes. */
static void walk_catch(int fd, pid_t tid, unsigned int *seed)
{
	static uint8_t rec[KSTACK_CATCH_RECORD_SIZE(KSTACK_FRAMES_MAX, 16384)];
	struct kstack_catch_running c;
	uint32_t bytes = rand_r(seed) % 2 ? 16384 : 0;
	const char *why;

	atomic_fetch_add(&sh->calls, 1);
	if (tu_catch(fd, (uint64_t)tid, rec, sizeof(rec), KSTACK_FRAMES_MAX, bytes, &c)) {
		count_err(errno, "CATCH_RUNNING", false);
		return;
	}
	atomic_fetch_add(&sh->ok, 1);
	why = catch_check(&c, rec, KSTACK_FRAMES_MAX, bytes);
	if (why)
		note_bad(&sh->wrong, "CATCH_RUNNING of %d: %s", tid, why);
	if (c.how == KSTACK_CATCH_KERNEL || c.how == KSTACK_CATCH_USER)
		atomic_fetch_add(&sh->caught, 1);
}

/* kind 0: single threads; 1: processes; 2: the whole system */
static void walker(int kind)
{
	static char buf[32 << 20];
	unsigned int seed = (unsigned int)getpid() * 7 + (unsigned int)kind;
	int fd = tu_open(), i = 0;

	if (fd < 0)
		_exit(1);
	/* the churn must keep making threads: walkers take what CPU is left */
	if (nice(10) < 0)
		_exit(1);
	while (!atomic_load(&sh->stop)) {
		uint32_t mode = modes[i++ % 3];

		if (kind == 0) {
			walk_thread(fd, pick_tid(&seed));
			walk_thread(fd, atomic_load(&sh->pong_tid));	/* switches all the time */
			walk_catch(fd, pick_tid(&seed), &seed);
			walk_catch(fd, atomic_load(&sh->pong_tid), &seed);
			walk_catch(fd, atomic_load(&sh->exec_pid), &seed);
		} else if (kind == 1) {
			walk_snapshot(fd, buf, sizeof(buf), atomic_load(&sh->churn_pid), mode);
			walk_snapshot(fd, buf, sizeof(buf), atomic_load(&sh->exec_pid), mode);
			walk_snapshot(fd, buf, sizeof(buf), atomic_load(&sh->pingpong_pid), mode);
		} else {
			walk_snapshot(fd, buf, sizeof(buf), 0, mode);
			usleep(1000);
		}
	}
	close(fd);
	_exit(0);
}

static pid_t spawn(void (*fn)(int), int arg)
{
	pid_t p = fork();

	if (p == 0) {
		fn(arg);
		_exit(0);
	}
	return p;
}

static void run_thread_churn(int want) { thread_churn(want); }
static void run_proc_churn(int want) { proc_churn(want); }
static void run_exec_churn(int unused) { (void)unused; exec_churn(); }
static void run_pingpong(int unused) { (void)unused; pingpong(); }

int cmd_races(long threads, long procs)
{
	pid_t churn, pchurn, execer, ping, w[3];
	long t0 = now_ms(), limit_ms = 300000;	/* keeps make stress under 10 min */
	int i, st;

	churn = spawn(run_thread_churn, (int)threads);
	atomic_store(&sh->churn_pid, churn);
	pchurn = spawn(run_proc_churn, (int)procs);
	execer = spawn(run_exec_churn, 0);
	ping = spawn(run_pingpong, 0);
	atomic_store(&sh->pingpong_pid, ping);
	usleep(200000);
	for (i = 0; i < 3; i++)
		w[i] = spawn(walker, i);
	/* until both churners made their count (bounded: TCG can be slow) */
	while ((waitpid(churn, &st, WNOHANG) == 0 || waitpid(pchurn, &st, WNOHANG) == 0) &&
	       now_ms() - t0 < limit_ms)
		usleep(100000);
	atomic_store(&sh->stop, 1);
	for (i = 0; i < 3; i++)
		waitpid(w[i], NULL, 0);
	kill(churn, SIGKILL);
	kill(pchurn, SIGKILL);
	kill(execer, SIGKILL);
	kill(ping, SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("figures: races: %ld threads and %ld processes created and exited, %ld execs, %ld switches of the ping-pong pair, in %.1f s\n",
	       atomic_load(&sh->threads), atomic_load(&sh->procs), atomic_load(&sh->execs),
	       atomic_load(&sh->switches), (double)(now_ms() - t0) / 1000);
	printf("figures: races: %ld calls: %ld served, %ld ESRCH, %ld EAGAIN, %ld EBUSY, %ld EPERM (stack gone), %ld other errors; %ld records checked (%ld flagged ran, %ld running), %ld caught running on a CPU, %ld wrong results\n",
	       atomic_load(&sh->calls), atomic_load(&sh->ok), atomic_load(&sh->esrch),
	       atomic_load(&sh->eagain), atomic_load(&sh->ebusy), atomic_load(&sh->eperm_gone),
	       atomic_load(&sh->unexpected), atomic_load(&sh->records),
	       atomic_load(&sh->ran_flagged), atomic_load(&sh->running_flagged),
	       atomic_load(&sh->caught), atomic_load(&sh->wrong));
	tu_result(atomic_load(&sh->threads) >= threads && atomic_load(&sh->procs) >= procs,
		  "races: the churn ran to its count", "%ld/%ld threads, %ld/%ld processes",
		  atomic_load(&sh->threads), threads, atomic_load(&sh->procs), procs);
	tu_result(atomic_load(&sh->execs) > 0, "races: the target exec'd while walked", "no exec");
	tu_result(atomic_load(&sh->ok) > 1000 && atomic_load(&sh->records) > 1000,
		  "races: the walkers were served", "%ld served, %ld records", atomic_load(&sh->ok),
		  atomic_load(&sh->records));
	tu_result(!atomic_load(&sh->unexpected),
		  "races: errors only ESRCH/EAGAIN/EBUSY (and EPERM for a gone thread's stack)", "%s",
		  sh->why);
	tu_result(!atomic_load(&sh->wrong),
		  "races: no record or stack claims a quiet capture while its thread switched", "%s",
		  sh->why);
	tu_result(atomic_load(&sh->ran_flagged) > 0,
		  "races: threads that switched during their capture were flagged (the check fires)",
		  "none flagged in %ld records", atomic_load(&sh->records));
	return 0;
}
