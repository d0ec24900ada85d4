// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability under races, load and bad buffers (issue 14), inside the VM
 * (booted with panic_on_warn=1 oops=panic) as root. Prints PASS:/FAIL:
 * lines and "figures: ..." lines with the counts. Subcommands:
 *
 *   races THREADS PROCS   walks of single threads (THREAD_CONTEXT, STACK,
 *                         READ_MEMORY of their stacks), of processes and of
 *                         the whole system (SNAPSHOT frames, raw, kernel
 *                         unwinder) while THREADS short-lived threads and
 *                         PROCS short-lived processes are created and exit,
 *                         a process execs itself over and over (killing its
 *                         other thread each time), and two threads switch
 *                         all the time. Errors only ESRCH, EAGAIN, EBUSY (on
 *                         a CPU), and EPERM for a stack whose thread is gone;
 *                         no record or STACK result claims a quiet capture
 *                         while the thread's switch counts moved.
 *   clients N SECS OPENERS  N processes running "kstack --all" in a loop
 *                         for SECS seconds while OPENERS processes open and
 *                         close the device in a loop
 *   badbuf                every ioctl with variable-length output (and every
 *                         request struct) on buffers that end exactly at an
 *                         unmapped page or sit on a read-only page: EFAULT
 *   walks N               N walks in every mode (for the allocation counter)
 *   execchain N           (internal) exec itself N times, with a second thread
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include "test_util.h"

#define KADDR_MIN 0xffff800000000000ull	/* x86_64 kernel half */
#define RING 1024

/* Shared by the churners and walkers (one MAP_SHARED page set). */
struct shared {
	atomic_int stop;
	atomic_long threads, procs, execs, switches;
	atomic_int ring[RING];		/* recent tids of short-lived threads */
	atomic_uint ring_pos;
	atomic_int churn_pid, exec_pid, pingpong_pid, pong_tid;
	/* walkers' figures */
	atomic_long calls, ok, esrch, eagain, ebusy, eperm_gone, unexpected, wrong;
	atomic_long records, ran_flagged, running_flagged;
	char why[256];			/* first unexpected/wrong result */
};

static struct shared *sh;
static char prog[256];

static void note_bad(atomic_long *ctr, const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	atomic_fetch_add(ctr, 1);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!sh->why[0])
		snprintf(sh->why, sizeof(sh->why), "%s", buf);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

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

static int cmd_execchain(long n)
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

static const uint32_t modes[] = { KSTACK_SNAP_FRAMES, KSTACK_SNAP_RAW, KSTACK_SNAP_FRAMES_KERNEL };

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

static int cmd_races(long threads, long procs)
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
	printf("figures: races: %ld calls: %ld served, %ld ESRCH, %ld EAGAIN, %ld EBUSY, %ld EPERM (stack gone), %ld other errors; %ld records checked (%ld flagged ran, %ld running), %ld wrong results\n",
	       atomic_load(&sh->calls), atomic_load(&sh->ok), atomic_load(&sh->esrch),
	       atomic_load(&sh->eagain), atomic_load(&sh->ebusy), atomic_load(&sh->eperm_gone),
	       atomic_load(&sh->unexpected), atomic_load(&sh->records),
	       atomic_load(&sh->ran_flagged), atomic_load(&sh->running_flagged),
	       atomic_load(&sh->wrong));
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

/* ---- clients ---- */

static int cmd_clients(int n, int secs, int openers)
{
	long t0 = now_ms(), runs = 0, bad = 0, opens = 0, open_bad = 0;
	int i, st, pfd[2];
	pid_t kids[64];

	if (n > 32 || openers > 32 || pipe(pfd))
		return 1;
	fflush(stdout);
	for (i = 0; i < n + openers; i++) {
		kids[i] = fork();
		if (kids[i] != 0)
			continue;
		long r = 0, b = 0;

		while (now_ms() - t0 < secs * 1000L) {
			if (i < n) {
				pid_t p = fork();

				if (p == 0) {
					int devnull = open("/dev/null", O_WRONLY);

					dup2(devnull, 1);
					dup2(devnull, 2);
					execlp("kstack", "kstack", "--all", (char *)NULL);
					_exit(127);
				}
				waitpid(p, &st, 0);
				/* 0: all shown; 1: some ran or exited meanwhile */
				if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
					b++;
			} else {
				struct kstack_version v;
				int fd = tu_open();

				TU_HDR(v);
				if (fd < 0 || ioctl(fd, KSTACK_IOCTL_VERSION, &v))
					b++;
				if (fd >= 0)
					close(fd);
			}
			r++;
		}
		dprintf(pfd[1], "%d %ld %ld\n", i < n, r, b);
		_exit(0);
	}
	close(pfd[1]);
	for (i = 0; i < n + openers; i++)
		waitpid(kids[i], NULL, 0);
	{
		FILE *f = fdopen(pfd[0], "r");
		int kind;
		long r, b;

		while (f && fscanf(f, "%d %ld %ld", &kind, &r, &b) == 3) {
			if (kind) {
				runs += r;
				bad += b;
			} else {
				opens += r;
				open_bad += b;
			}
		}
		if (f)
			fclose(f);
	}
	printf("figures: clients: %d clients ran kstack --all %ld times in %d s (%ld failed), %d openers opened and closed the device %ld times (%ld failed)\n",
	       n, runs, secs, bad, openers, opens, open_bad);
	tu_result(runs >= n && !bad, "clients: every kstack --all run succeeded",
		  "%ld of %ld failed", bad, runs);
	tu_result(opens > 0 && !open_bad, "clients: every open/VERSION/close succeeded",
		  "%ld of %ld failed", open_bad, opens);
	return 0;
}

/* ---- bad buffers ---- */

static int badbuf_calls;

static void want_efault(int r, const char *name)
{
	badbuf_calls++;
	tu_result(r < 0 && errno == EFAULT, name, "ioctl %d errno %d (%s)", r,
		  r < 0 ? errno : 0, r < 0 ? strerror(errno) : "-");
}

static void want_ok(int r, const char *name)
{
	badbuf_calls++;
	tu_result(r == 0, name, "ioctl %d errno %d (%s)", r, errno, strerror(errno));
}

/* a request struct of size len that ends exactly at an unmapped page */
#define EDGE_REQ(type, var) type *var = tu_edge_alloc(sizeof(type), 0)

static int cmd_badbuf(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct kstack_kernel_info ki;
	struct kstack_snapshot s;
	struct kstack_stack st;
	uint64_t text, *frames, *addrs;
	char *buf, *ro;
	int fd = tu_open(), ro_mode;
	pid_t me = getpid();

	if (fd < 0) {
		tu_result(0, "badbuf: open", "%s", strerror(errno));
		return 1;
	}
	TU_HDR(ki);
	if (ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki)) {
		tu_result(0, "badbuf: KERNEL_INFO", "%s", strerror(errno));
		return 1;
	}
	text = ki.text_start;

	/* READ_MEMORY: exactly the mapped bytes fit; one more page does not */
	buf = tu_edge_alloc((size_t)pg, 0);
	want_ok(tu_read_mem(fd, text, buf, (uint32_t)pg),
		"badbuf: READ_MEMORY into a buffer ending exactly at an unmapped page (fits)");
	want_efault(tu_read_mem(fd, text, buf, (uint32_t)pg * 2),
		    "badbuf: READ_MEMORY past the end of the buffer -> EFAULT");
	tu_edge_free(buf, (size_t)pg, 0);
	ro = tu_edge_alloc((size_t)pg, 1);
	want_efault(tu_read_mem(fd, text, ro, 64), "badbuf: READ_MEMORY into a read-only page -> EFAULT");
	tu_edge_free(ro, (size_t)pg, 1);

	/* STACK: frames of our own sleeping... we are running: use init (pid 1) */
	frames = tu_edge_alloc(8, 0);
	want_efault(tu_stack(fd, 1, frames, KSTACK_FRAMES_MAX, &st),
		    "badbuf: STACK frames into 8 bytes before an unmapped page -> EFAULT");
	tu_edge_free(frames, 8, 0);
	frames = tu_edge_alloc(KSTACK_FRAMES_MAX * 8, 1);
	want_efault(tu_stack(fd, 1, frames, KSTACK_FRAMES_MAX, &st),
		    "badbuf: STACK frames into a read-only page -> EFAULT");
	tu_edge_free(frames, KSTACK_FRAMES_MAX * 8, 1);

	/* SNAPSHOT of the system, all three modes: 64 KiB then unmapped; read-only */
	for (ro_mode = 0; ro_mode < 2; ro_mode++) {
		size_t len = ro_mode ? (size_t)pg * 4 : (size_t)pg;
		unsigned int m;

		for (m = 0; m < 3; m++) {
			char name[160];

			buf = tu_edge_alloc(len, ro_mode);
			snprintf(name, sizeof(name), "badbuf: SNAPSHOT (mode %u) %s -> EFAULT", modes[m],
				 ro_mode ? "into a read-only buffer" :
					   "into one page before an unmapped page, size claimed 32 MiB");
			want_efault(tu_snap(fd, 0, modes[m], buf, ro_mode ? len : 32 << 20, &s), name);
			tu_edge_free(buf, len, ro_mode);
		}
	}
	/* the bytes_needed answer stays right: a too-small (valid) buffer -> ENOSPC */
	buf = tu_edge_alloc(4096, 0);
	badbuf_calls++;
	{
		int r = tu_snap(fd, 0, KSTACK_SNAP_RAW, buf, 4096, &s);

		tu_result(r < 0 && errno == ENOSPC && s.bytes_needed > 4096 && s.bytes_used <= 4096,
			  "badbuf: SNAPSHOT into a small buffer at an unmapped page -> ENOSPC, records that fit",
			  "ioctl %d errno %d needed %" PRIu64 " used %" PRIu64, r, errno,
			  s.bytes_needed, s.bytes_used);
	}
	tu_edge_free(buf, 4096, 0);

	/* SYMBOLIZE: names for 4 into room for 1; addresses ending at the page */
	buf = tu_edge_alloc(KSTACK_SYM_LEN, 0);
	addrs = calloc(4, 8);
	addrs[0] = addrs[1] = addrs[2] = addrs[3] = text;
	want_efault(tu_symbolize(fd, addrs, 4, buf),
		    "badbuf: SYMBOLIZE names into room for 1 of 4 before an unmapped page -> EFAULT");
	want_ok(tu_symbolize(fd, addrs, 1, buf),
		"badbuf: SYMBOLIZE one name into exactly its room before an unmapped page (fits)");
	tu_edge_free(buf, KSTACK_SYM_LEN, 0);
	free(addrs);
	ro = tu_edge_alloc(KSTACK_SYM_LEN, 1);
	addrs = tu_edge_alloc(8, 0);
	addrs[0] = text;
	want_efault(tu_symbolize(fd, addrs, 1, ro), "badbuf: SYMBOLIZE names into a read-only page -> EFAULT");
	tu_edge_free(ro, KSTACK_SYM_LEN, 1);
	buf = malloc(KSTACK_SYM_LEN * 2);
	want_efault(tu_symbolize(fd, addrs, 2, buf),
		    "badbuf: SYMBOLIZE with addresses running into an unmapped page -> EFAULT");
	free(buf);
	tu_edge_free(addrs, 8, 0);

	/* every request struct: whole at the page's end works, one byte short faults */
	{
		EDGE_REQ(struct kstack_version, v);
		EDGE_REQ(struct kstack_kernel_info, k);
		EDGE_REQ(struct kstack_thread_context, tc);
		char *cut = tu_edge_alloc(sizeof(struct kstack_version) - 8, 0);

		TU_HDR(*v);
		want_ok(ioctl(fd, KSTACK_IOCTL_VERSION, v),
			"badbuf: VERSION request ending exactly at an unmapped page (fits)");
		TU_HDR(*k);
		want_ok(ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, k),
			"badbuf: KERNEL_INFO request ending exactly at an unmapped page (fits)");
		TU_HDR(*tc);
		tc->tid = 1;
		want_ok(ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, tc),
			"badbuf: THREAD_CONTEXT request ending exactly at an unmapped page (fits)");
		memcpy(cut, v, sizeof(struct kstack_hdr));	/* claims the full size */
		want_efault(ioctl(fd, KSTACK_IOCTL_VERSION, cut),
			    "badbuf: VERSION request running 8 bytes into an unmapped page -> EFAULT");
		tu_edge_free(v, sizeof(*v), 0);
		tu_edge_free(k, sizeof(*k), 0);
		tu_edge_free(tc, sizeof(*tc), 0);
		tu_edge_free(cut, sizeof(struct kstack_version) - 8, 0);
	}
	{
		/* out: the request carries answers back (SYMBOLIZE's are all in) */
		static const struct {
			unsigned long cmd;
			size_t size;
			const char *name;
			bool out;
		} reqs[] = {
			{ KSTACK_IOCTL_VERSION, sizeof(struct kstack_version), "VERSION", true },
			{ KSTACK_IOCTL_KERNEL_INFO, sizeof(struct kstack_kernel_info), "KERNEL_INFO", true },
			{ KSTACK_IOCTL_THREAD_CONTEXT, sizeof(struct kstack_thread_context),
			  "THREAD_CONTEXT", true },
			{ KSTACK_IOCTL_STACK, sizeof(struct kstack_stack), "STACK", true },
			{ KSTACK_IOCTL_READ_MEMORY, sizeof(struct kstack_read_memory), "READ_MEMORY", true },
			{ KSTACK_IOCTL_SNAPSHOT, sizeof(struct kstack_snapshot), "SNAPSHOT", true },
			{ KSTACK_IOCTL_SYMBOLIZE, sizeof(struct kstack_symbolize), "SYMBOLIZE", false },
		};
		static uint64_t fr[KSTACK_FRAMES_MAX];
		static char snapb[1 << 20], names[KSTACK_SYM_LEN];
		size_t i;

		/* valid requests on a read-only page: read in, the answer cannot go out */
		for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
			char name[160], tmpl[512];
			struct kstack_hdr *h = (void *)tmpl;
			void *req;

			memset(tmpl, 0, sizeof(tmpl));
			h->size = (uint32_t)reqs[i].size;
			h->version = KSTACK_PROTO_VERSION;
			if (reqs[i].cmd == KSTACK_IOCTL_THREAD_CONTEXT) {
				((struct kstack_thread_context *)tmpl)->tid = 1;
			} else if (reqs[i].cmd == KSTACK_IOCTL_STACK) {
				struct kstack_stack *q = (void *)tmpl;

				q->tid = 1;
				q->frames = (uintptr_t)fr;
				q->max_frames = KSTACK_FRAMES_MAX;
			} else if (reqs[i].cmd == KSTACK_IOCTL_READ_MEMORY) {
				struct kstack_read_memory *q = (void *)tmpl;

				q->address = text;
				q->buffer = (uintptr_t)fr;
				q->length = 64;
			} else if (reqs[i].cmd == KSTACK_IOCTL_SNAPSHOT) {
				struct kstack_snapshot *q = (void *)tmpl;

				q->pid = (uint64_t)me;
				q->mode = KSTACK_SNAP_FRAMES;
				q->max_frames = 16;
				q->buffer = (uintptr_t)snapb;
				q->buffer_size = sizeof(snapb);
			} else if (reqs[i].cmd == KSTACK_IOCTL_SYMBOLIZE) {
				struct kstack_symbolize *q = (void *)tmpl;

				q->addrs = (uintptr_t)&text;
				q->names = (uintptr_t)names;
				q->nr = 1;
			}
			req = tu_edge_alloc(reqs[i].size, 0);
			memcpy(req, tmpl, reqs[i].size);
			mprotect((void *)((uintptr_t)req & ~(uintptr_t)(pg - 1)), (size_t)pg, PROT_READ);
			snprintf(name, sizeof(name), "badbuf: %s request on a read-only page -> %s",
				 reqs[i].name, reqs[i].out ? "EFAULT" : "served (nothing to write back)");
			if (reqs[i].out)
				want_efault(ioctl(fd, reqs[i].cmd, req), name);
			else
				want_ok(ioctl(fd, reqs[i].cmd, req), name);
			munmap((void *)((uintptr_t)req & ~(uintptr_t)(pg - 1)), (size_t)pg);
		}
	}
	printf("figures: badbuf: %d calls with bad or edge buffers\n", badbuf_calls);
	close(fd);
	return 0;
}

/* ---- walks for the allocation counter ---- */

static void *idle_thread(void *arg)
{
	*(volatile pid_t *)arg = tu_gettid();
	for (;;)
		pause();
	return NULL;
}

static int cmd_walks(long n)
{
	static char buf[8 << 20];
	static char names[4][KSTACK_SYM_LEN];
	uint64_t frames[KSTACK_FRAMES_MAX], mem[8];
	struct kstack_thread_context c;
	struct kstack_kernel_info ki;
	struct kstack_snapshot s;
	struct kstack_stack st;
	volatile pid_t tid = 0;
	pthread_t th;
	int fd = tu_open();
	long i, bad = 0, calls = 0;

	if (fd < 0 || pthread_create(&th, NULL, idle_thread, (void *)&tid))
		return 1;
	while (!tid)
		usleep(1000);
	usleep(100000);		/* into pause() */
	TU_HDR(ki);
	if (ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki))
		return 1;
	for (i = 0; i < n; i++) {
		int r[8], k;

		r[0] = tu_context(fd, tid, &c);
		r[1] = tu_stack(fd, tid, frames, KSTACK_FRAMES_MAX, &st);
		r[2] = tu_read_mem(fd, ki.text_start + (uint64_t)(i % 64) * 4096, mem, sizeof(mem));
		r[3] = tu_snap(fd, getpid(), modes[i % 3], buf, sizeof(buf), &s);
		r[4] = tu_symbolize(fd, &ki.text_start, 1, names);
		r[5] = i % 10 ? 0 : tu_snap(fd, 0, modes[i % 3], buf, sizeof(buf), &s);
		r[6] = tu_read_mem(fd, 0x1000, mem, sizeof(mem)) == -1 && errno == EPERM ? 0 : -1;
		r[7] = tu_stack(fd, 999999, frames, 1, &st) == -1 && errno == ESRCH ? 0 : -1;
		for (k = 0; k < 8; k++)
			bad += r[k] != 0;
		calls += i % 10 ? 7 : 8;
	}
	printf("figures: walks: %ld calls in every mode (%ld walks of each per-thread/per-process mode, %ld of the system), %ld failed\n",
	       calls, n, n / 10, bad);
	tu_result(!bad, "walks: every call answered as expected", "%ld failed", bad);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (readlink("/proc/self/exe", prog, sizeof(prog) - 1) < 0)
		snprintf(prog, sizeof(prog), "%s", argv[0]);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	if (argc >= 4 && !strcmp(argv[1], "races"))
		cmd_races(atol(argv[2]), atol(argv[3]));
	else if (argc >= 5 && !strcmp(argv[1], "clients"))
		cmd_clients(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	else if (argc >= 2 && !strcmp(argv[1], "badbuf"))
		cmd_badbuf();
	else if (argc >= 3 && !strcmp(argv[1], "walks"))
		cmd_walks(atol(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "execchain"))
		return cmd_execchain(atol(argv[2]));
	else {
		fprintf(stderr, "usage: ksstress races THREADS PROCS|clients N SECS OPENERS|badbuf|walks N\n");
		return 2;
	}
	return tu_failures ? 1 : 0;
}
