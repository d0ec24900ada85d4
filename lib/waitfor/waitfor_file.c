// SPDX-License-Identifier: GPL-2.0
/*
 * File locks (waitfor.h): a thread asleep in flock(2) or fcntl(F_SETLKW,
 * F_OFD_SETLKW) waits behind a lock of another owner. /proc/locks lists
 * every lock and, under each, the requests it blocks, one level deeper
 * each ("-> "; fs/locks.c, locks_show() and lock_get_status() of v5.3+):
 *
 *   1: FLOCK  ADVISORY  WRITE 120 00:1a:4242 0 EOF
 *   1: -> FLOCK  ADVISORY  WRITE 121 00:1a:4242 0 EOF
 *
 * "ID: [(level - 1) spaces]-> TYPE ... PID MAJ:MIN:INO START END", PID
 * the process that asked (fl_pid: its tgid, as /proc's pid namespace
 * numbers it; 0 when not visible there; -1 for an OFD lock, whose owner
 * is an open file description). A waiting thread's request is found by
 * its process and the file its call names (the fd argument: its device
 * and inode), its holder is the lock one level up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "read_file.h"
#include "user_stack.h"
#include "waitfor.h"
#include "waitfor_int.h"

/* syscall numbers: x86_64 and i386 */
#define KS_NR_FCNTL_64		72u
#define KS_NR_FLOCK_64		73u
#define KS_NR_FCNTL_32		55u
#define KS_NR_FLOCK_32		143u
#define KS_NR_FCNTL64_32	221u

#define KS_LOCKS_LEVELS		64

struct ks_lock_line {
	bool ok;
	int level;
	char type[8];		/* FLOCK, POSIX, OFDLCK, ... */
	int64_t pid;
	uint32_t major, minor;
	uint64_t ino;
};

/* One line of /proc/locks (NUL or newline ended) into *l. */
static void parse_line(const char *s, struct ks_lock_line *l)
{
	const char *p = strchr(s, ':');
	unsigned int maj, min;
	unsigned long long ino;
	long long pid;
	int spaces = 0, n = 0;
	char type[8], mode[16], rw[8];

	memset(l, 0, sizeof(*l));
	if (!p || p[1] != ' ')
		return;
	p += 2;
	while (*p == ' ') {
		spaces++;
		p++;
	}
	if (p[0] == '-' && p[1] == '>') {
		l->level = spaces + 1;
		p += 2;
	} else if (spaces) {
		return;
	}
	if (sscanf(p, " %7s %15s %7s %lld %x:%x:%llu%n", type, mode, rw, &pid, &maj, &min, &ino,
		   &n) < 7 || !n)
		return;
	memcpy(l->type, type, sizeof(l->type));
	l->pid = pid;
	l->major = maj;
	l->minor = min;
	l->ino = ino;
	l->ok = true;
}

static bool type_fits(const char *type, bool flock)
{
	if (flock)
		return !strcmp(type, "FLOCK");
	return !strcmp(type, "POSIX") || !strcmp(type, "OFDLCK");
}

bool ks_wait_proc_locks(const char *text, uint64_t pid, uint32_t major, uint32_t minor,
			uint64_t ino, bool flock, struct ks_wait *w)
{
	struct ks_lock_line up[KS_LOCKS_LEVELS];
	const char *s = text;

	memset(up, 0, sizeof(up));
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		struct ks_lock_line l;

		parse_line(s, &l);
		s = nl ? nl + 1 : NULL;
		if (!l.ok || l.level >= KS_LOCKS_LEVELS)
			continue;
		up[l.level] = l;
		if (!l.level || !type_fits(l.type, flock) || l.major != major ||
		    l.minor != minor || l.ino != ino)
			continue;
		/* an OFD request shows -1, whoever asked: its file decides alone */
		if (l.pid != (int64_t)pid && !(l.pid == -1 && !strcmp(l.type, "OFDLCK")))
			continue;
		if (!up[l.level - 1].ok)
			continue;
		w->kind = flock ? KS_WAIT_FLOCK : KS_WAIT_POSIX_LOCK;
		w->flags |= KS_WAIT_F_PROCESS;
		if (up[l.level - 1].pid > 0) {
			w->why = KS_WHY_HELD;
			w->tid = (uint64_t)up[l.level - 1].pid;
		} else if (up[l.level - 1].pid < 0) {
			w->why = KS_WHY_OFD;
		} else {
			w->why = KS_WHY_OTHER_NS;
			w->tid = 0;
		}
		return true;
	}
	return false;
}

/*
 * The file lock call regs show (*flock_ret: flock(2), else fcntl(2)) and
 * its fd; false: neither.
 */
static bool file_lock_call(const struct kstack_user_regs *regs, bool *flock_ret, int *fd_ret)
{
	uint64_t nr = regs->orig_ax;

	if (regs->cs == KS_USER32_CS) {
		*flock_ret = nr == KS_NR_FLOCK_32;
		*fd_ret = (int)(uint32_t)regs->bx;
		return nr == KS_NR_FLOCK_32 || nr == KS_NR_FCNTL_32 || nr == KS_NR_FCNTL64_32;
	}
	*flock_ret = nr == KS_NR_FLOCK_64;
	*fd_ret = (int)regs->di;
	return nr == KS_NR_FLOCK_64 || nr == KS_NR_FCNTL_64;
}

void ks_waitfor_file(struct ks_waitfor *wf, uint64_t tid, uint64_t tgid,
		     const struct kstack_user_regs *regs, struct ks_wait *w)
{
	struct ks_error *err;
	char path[64];
	struct stat st;
	bool flock;
	int fd;

	if (!regs || !file_lock_call(regs, &flock, &fd))
		return;
	w->kind = flock ? KS_WAIT_FLOCK : KS_WAIT_POSIX_LOCK;
	w->flags |= KS_WAIT_F_PROCESS;
	/* the driver follows the request's fl_blocker: the lock's address too */
	if (wf->have_lock_wait && ks_waitfor_kernel(wf, tid, KS_SITE_FILE_LOCK, w))
		return;
	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/fd/%d", tid, fd);
	if (stat(path, &st)) {
		w->why = KS_WHY_FAILED;
		w->tid = (uint64_t)errno;
		return;
	}
	if (!wf->locks_read) {
		wf->locks_read = true;
		err = ks_read_file("/proc/locks", 16384, 64u << 20, &wf->locks, &wf->locks_len);
		if (err) {
			w->why = KS_WHY_FAILED;
			w->tid = (uint64_t)err->code;
			ks_error_destroy(err);
			return;
		}
	}
	if (!wf->locks || !ks_wait_proc_locks(wf->locks, tgid, major(st.st_dev), minor(st.st_dev),
					      st.st_ino, flock, w)) {
		w->why = KS_WHY_NOT_FOUND;
		w->tid = 0;
	}
}
