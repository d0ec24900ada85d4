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
 *   catch N               N CATCH_RUNNING of threads running in user code, in
 *                         the kernel, alternating, asleep, the caller, and
 *                         short-lived ones: every answer whole
 *   execchain N           (internal) exec itself N times, with a second thread
 *
 * One program, a file a concern (ksstress.h names them); this one holds
 * the state they share and main.
 */
#define _GNU_SOURCE
#include "ksstress.h"

/* the PASS/FAIL count of test_util.h's tu_result, for every file */
int tu_failures;

struct shared *sh;
char prog[256];
const uint32_t modes[3] = { KSTACK_SNAP_FRAMES, KSTACK_SNAP_RAW, KSTACK_SNAP_FRAMES_KERNEL };

void note_bad(atomic_long *ctr, const char *fmt, ...)
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

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
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
	else if (argc >= 3 && !strcmp(argv[1], "catch"))
		cmd_catch(atol(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "execchain"))
		return cmd_execchain(atol(argv[2]));
	else {
		fprintf(stderr, "usage: ksstress races THREADS PROCS|clients N SECS OPENERS|badbuf|walks N|catch N\n");
		return 2;
	}
	return tu_failures ? 1 : 0;
}
