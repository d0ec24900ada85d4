// SPDX-License-Identifier: GPL-2.0
/*
 * User locks (waitfor.h): what a thread asleep in futex(2) waits for, from
 * the call's arguments (its user registers at kernel entry), its user
 * frames and the futex word's neighbours in its process's memory.
 *
 * Which object a futex word belongs to is decided from evidence, never
 * guessed: the innermost user frames must be glibc's futex helpers
 * (__lll_lock_wait, __futex_abstimed_wait_common, ...) called by the
 * object's own function (pthread_mutex_lock, pthread_rwlock_wrlock, ...),
 * and the bytes around the word must keep that object's invariants.
 * Anything else is a plain futex, whose holder is not recorded.
 *
 * The layouts, from glibc 2.36 (Debian 12; unchanged since 2.25 for the
 * rwlock, since 2.3 for the mutex), x86_64 and i386:
 * - struct __pthread_mutex_s (sysdeps/x86/nptl/bits/struct_mutex.h, as
 *   installed in bits/struct_mutex.h): int __lock @0; unsigned __count @4;
 *   int __owner @8; x86_64: unsigned __nusers @12, int __kind @16;
 *   i386: int __kind @12, unsigned __nusers @16. __owner is the owner's
 *   TID (set once the lock is taken; 0 in between), or
 *   PTHREAD_MUTEX_INCONSISTENT (INT_MAX) after a robust owner died.
 *   __kind: PTHREAD_MUTEX_KIND_MASK_NP 3 | ROBUST 16 | PRIO_INHERIT 32 |
 *   PRIO_PROTECT 64 | PSHARED 128 | ELISION 256 | NO_ELISION 512
 *   (nptl/pthreadP.h). A normal mutex's __lock is 0, 1 or 2 (2: waiters,
 *   the value __lll_lock_wait sleeps on); a robust one's holds the
 *   owner's TID | FUTEX_WAITERS, as a PI futex's does.
 * - struct __pthread_rwlock_arch_t (sysdeps/x86/nptl/bits/struct_rwlock.h,
 *   bits/struct_rwlock.h): unsigned __readers @0, __writers @4,
 *   __wrphase_futex @8, __writers_futex @12, __pad3 @16, __pad4 @20;
 *   x86_64: int __cur_writer @24, int __shared @28, signed char
 *   __rwelision @32, unsigned char __pad1[7] @33, unsigned long __pad2 @40,
 *   unsigned __flags @48; i386: unsigned char __flags @24, __shared @25,
 *   signed char __rwelision @26, unsigned char __pad2 @27, int
 *   __cur_writer @28. Writers sleep on __writers_futex (another writer is
 *   primary) or __wrphase_futex (readers still hold it), readers on
 *   __wrphase_futex (nptl/pthread_rwlock_common.c). __cur_writer is the
 *   writer's TID while it holds the lock; __readers >> 3 counts readers
 *   (PTHREAD_RWLOCK_READER_SHIFT); the pads are zero, __flags is 0..2
 *   (PTHREAD_RWLOCK_PREFER_*), __shared 0 or 1.
 * - a PI futex (FUTEX_LOCK_PI, LOCK_PI2; kernel's
 *   Documentation/locking/pi-futex.rst): the word is the owner's TID
 *   (FUTEX_TID_MASK) | FUTEX_WAITERS | FUTEX_OWNER_DIED.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>

#include "capture.h"
#include "user_stack.h"
#include "waitfor.h"

/* syscall numbers: x86_64 (arch/x86/entry/syscalls/syscall_64.tbl) and i386 (syscall_32.tbl) */
#define KS_NR_FUTEX_64		202u
#define KS_NR_FUTEX_32		240u
#define KS_NR_FUTEX_TIME64_32	422u

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2		13
#endif

/* glibc's mutex kind bits (nptl/pthreadP.h) */
#define KS_MUTEX_KIND_MASK	3
#define KS_MUTEX_ROBUST		16
#define KS_MUTEX_PI		32
#define KS_MUTEX_PP		64
#define KS_MUTEX_PSHARED	128
#define KS_MUTEX_ELISION	256
#define KS_MUTEX_NO_ELISION	512
#define KS_MUTEX_INCONSISTENT	INT_MAX
#define KS_MUTEX_NOTRECOVERABLE	(INT_MAX - 1)

#define KS_RWLOCK_READER_SHIFT	3

bool ks_futex_call_of(const struct kstack_user_regs *regs, struct ks_futex_call *c)
{
	bool compat = regs->cs == KS_USER32_CS;
	uint64_t nr = regs->orig_ax;

	memset(c, 0, sizeof(*c));
	if (compat) {
		if (nr != KS_NR_FUTEX_32 && nr != KS_NR_FUTEX_TIME64_32)
			return false;
		/* int 0x80 / sysenter: ebx, ecx, edx */
		c->uaddr = (uint32_t)regs->bx;
		c->op = (uint32_t)regs->cx & FUTEX_CMD_MASK;
		c->shared = !((uint32_t)regs->cx & FUTEX_PRIVATE_FLAG);
	} else {
		if (nr != KS_NR_FUTEX_64)
			return false;
		c->uaddr = regs->di;
		c->op = (uint32_t)regs->si & FUTEX_CMD_MASK;
		c->shared = !((uint32_t)regs->si & FUTEX_PRIVATE_FLAG);
	}
	c->compat = compat;
	return true;
}

/* What a user frame's function is to a futex wait. */
enum ks_ufunc {
	KS_UF_OTHER,		/* not glibc's: the futex's object is not known */
	KS_UF_HELPER,		/* a futex helper: look further out */
	KS_UF_MUTEX,
	KS_UF_RWLOCK_RD,
	KS_UF_RWLOCK_WR,
	KS_UF_COND,
	KS_UF_SEM,
};

static bool has(const char *s, size_t len, const char *what)
{
	size_t n = strlen(what), i;

	for (i = 0; i + n <= len; i++)
		if (!memcmp(s + i, what, n))
			return true;
	return false;
}

static enum ks_ufunc ufunc_of(const char *name)
{
	struct ks_name_parts p;
	const char *f;
	size_t n;

	ks_name_split(name, &p);
	f = p.func;
	n = p.func_len;
	/* the object's own functions first: __pthread_mutex_lock_full waits on its own */
	if (has(f, n, "pthread_mutex_lock") || has(f, n, "pthread_mutex_cond_lock") ||
	    has(f, n, "pthread_mutex_timedlock") || has(f, n, "pthread_mutex_clocklock"))
		return KS_UF_MUTEX;
	if (has(f, n, "pthread_rwlock_") && has(f, n, "wrlock"))
		return KS_UF_RWLOCK_WR;
	if (has(f, n, "pthread_rwlock_") && has(f, n, "rdlock"))
		return KS_UF_RWLOCK_RD;
	if (has(f, n, "pthread_cond_") || has(f, n, "__condvar_"))
		return KS_UF_COND;
	if (has(f, n, "sem_wait") || has(f, n, "sem_timedwait") || has(f, n, "sem_clockwait"))
		return KS_UF_SEM;
	/*
	 * __lll_lock_wait(_private), __futex_abstimed_wait_common64,
	 * do_futex_wait, futex_wait; i386: the system call itself in the
	 * vDSO's __kernel_vsyscall (or _dl_sysinfo_int80) through __libc_do_syscall
	 */
	if (has(f, n, "__lll_lock_wait") || has(f, n, "futex") ||
	    has(f, n, "__kernel_vsyscall") || has(f, n, "_dl_sysinfo_int80") ||
	    has(f, n, "__libc_do_syscall"))
		return KS_UF_HELPER;
	return KS_UF_OTHER;
}

/* The object function the innermost frames lead to (past glibc's helpers). */
static enum ks_ufunc object_of(const char *const *ufuncs, size_t nu)
{
	size_t i;

	/* a helper chain is short: __lll_lock_wait; __futex_abstimed_wait_common64 + 2 */
	for (i = 0; i < nu && i < 6; i++) {
		enum ks_ufunc k = ufunc_of(ufuncs[i]);

		if (k != KS_UF_HELPER)
			return k;
	}
	return KS_UF_OTHER;
}

static int32_t i32_at(const uint8_t *b, size_t off)
{
	int32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static uint32_t u32_at(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static void held_by(struct ks_wait *w, uint64_t tid)
{
	w->why = KS_WHY_HELD;
	w->tid = tid;
}

/* A PI futex word: its owner's TID, or why none. */
static void pi_owner(uint32_t word, struct ks_wait *w)
{
	uint32_t tid = word & FUTEX_TID_MASK;

	if (tid)
		held_by(w, tid);
	else
		w->why = (word & FUTEX_OWNER_DIED) ? KS_WHY_OWNER_DIED : KS_WHY_NO_OWNER;
}

/*
 * The mutex at addr, if its bytes are one of glibc's (*ok), and its owner.
 * The futex word is __lock, at the start.
 */
static void mutex_at(const struct ks_futex_call *c, ks_wait_read_fn *read, void *ctx,
		     struct ks_wait *w, bool *ok)
{
	uint8_t b[24];
	int32_t lock, owner, kind;
	int e;

	*ok = false;
	e = read(ctx, c->uaddr, b, sizeof(b));
	if (e) {
		/* frames say a mutex, memory cannot confirm it */
		w->kind = KS_WAIT_FUTEX;
		w->why = KS_WHY_UNREADABLE;
		w->tid = (uint64_t)e;
		*ok = true;
		return;
	}
	lock = i32_at(b, 0);
	owner = i32_at(b, 8);
	kind = i32_at(b, c->compat ? 12 : 16);
	if (kind & ~(KS_MUTEX_KIND_MASK | KS_MUTEX_ROBUST | KS_MUTEX_PI | KS_MUTEX_PP |
		     KS_MUTEX_PSHARED | KS_MUTEX_ELISION | KS_MUTEX_NO_ELISION))
		return;
	/* a PI mutex sleeps in FUTEX_LOCK_PI, never in FUTEX_WAIT */
	if ((kind & KS_MUTEX_PI) || ((kind & KS_MUTEX_ROBUST) && (kind & KS_MUTEX_PP)))
		return;
	if (kind & KS_MUTEX_ROBUST) {
		/* the word holds the owner: TID | FUTEX_WAITERS | FUTEX_OWNER_DIED */
		if (owner < 0 || (owner > 0 && owner != KS_MUTEX_INCONSISTENT &&
				  (uint32_t)owner != ((uint32_t)lock & FUTEX_TID_MASK)))
			return;
		*ok = true;
		w->kind = KS_WAIT_PTHREAD_MUTEX;
		if (kind & KS_MUTEX_PSHARED)
			w->flags |= KS_WAIT_F_SHARED;
		pi_owner((uint32_t)lock, w);
		return;
	}
	/* normal, recursive, errorcheck, adaptive: __lock 0, 1 or 2; PP: ceiling bits */
	if (!(kind & KS_MUTEX_PP) && (lock < 0 || lock > 2))
		return;
	if (owner < 0)
		return;
	*ok = true;
	w->kind = KS_WAIT_PTHREAD_MUTEX;
	if (kind & KS_MUTEX_PSHARED)
		w->flags |= KS_WAIT_F_SHARED;
	if (owner == KS_MUTEX_INCONSISTENT || owner == KS_MUTEX_NOTRECOVERABLE)
		w->why = KS_WHY_OWNER_DIED;
	else if (owner)
		held_by(w, (uint64_t)owner);
	else
		w->why = KS_WHY_NO_OWNER;	/* taken, owner not yet stored */
}

/* Does a pthread_rwlock_t start at base? Its bytes into b (56). */
static bool rwlock_at(uint64_t base, bool compat, ks_wait_read_fn *read, void *ctx, uint8_t *b,
		      int *err)
{
	size_t len = compat ? 32 : 56, i;

	*err = read(ctx, base, b, len);
	if (*err)
		return false;
	if (u32_at(b, 16) || u32_at(b, 20))		/* __pad3, __pad4 */
		return false;
	if (compat)
		return b[24] <= 2 && b[25] <= 1 && !b[27];	/* __flags, __shared, __pad2 */
	for (i = 33; i < 48; i++)			/* __pad1, __pad2 */
		if (b[i])
			return false;
	return u32_at(b, 48) <= 2 && u32_at(b, 28) <= 1;	/* __flags, __shared */
}

/*
 * The rwlock whose __writers_futex (@12) or __wrphase_futex (@8) is the
 * word: the one a writer or reader sleeps on tried first.
 */
static void rwlock_of(const struct ks_futex_call *c, bool writer, ks_wait_read_fn *read,
		      void *ctx, struct ks_wait *w, bool *ok)
{
	uint64_t bases[2] = { c->uaddr - 12, c->uaddr - 8 };
	uint8_t b[56];
	int32_t cur;
	int e = 0, first = 0;
	size_t i;

	*ok = false;
	if (!writer) {
		bases[0] = c->uaddr - 8;
		bases[1] = c->uaddr - 12;
	}
	for (i = 0; i < 2; i++) {
		if (rwlock_at(bases[i], c->compat, read, ctx, b, &e))
			break;
		if (!first)
			first = e;
	}
	if (i == 2) {
		if (first) {
			w->kind = KS_WAIT_FUTEX;
			w->why = KS_WHY_UNREADABLE;
			w->tid = (uint64_t)first;
			*ok = true;
		}
		return;
	}
	*ok = true;
	w->kind = KS_WAIT_PTHREAD_RWLOCK;
	w->addr = bases[i];
	if (writer)
		w->flags |= KS_WAIT_F_WRITE;
	if (c->compat ? b[25] : u32_at(b, 28))		/* __shared */
		w->flags |= KS_WAIT_F_SHARED;
	cur = i32_at(b, c->compat ? 28 : 24);
	if (cur > 0)
		held_by(w, (uint64_t)cur);
	else if (u32_at(b, 0) >> KS_RWLOCK_READER_SHIFT)
		w->why = KS_WHY_READERS;
	else
		w->why = KS_WHY_NO_OWNER;
}

void ks_wait_futex(const struct ks_futex_call *c, const char *const *ufuncs, size_t nu,
		   ks_wait_read_fn *read, void *read_ctx, struct ks_wait *w)
{
	uint32_t word;
	bool ok = false;
	int e;

	w->kind = KS_WAIT_FUTEX;
	w->addr = c->uaddr;
	w->why = KS_WHY_NO_OWNER;
	w->tid = 0;
	switch (c->op) {
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		w->kind = KS_WAIT_PI_FUTEX;
		if (c->shared)
			w->flags |= KS_WAIT_F_SHARED;
		e = read(read_ctx, c->uaddr, &word, sizeof(word));
		if (e) {
			w->why = KS_WHY_UNREADABLE;
			w->tid = (uint64_t)e;
		} else {
			pi_owner(word, w);
		}
		return;
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		break;
	case FUTEX_WAIT_REQUEUE_PI:	/* a condvar over a PI mutex */
		return;
	default:
		w->kind = KS_WAIT_NONE;		/* not a wait */
		return;
	}
	if (!nu) {
		w->why = KS_WHY_NO_FRAMES;
		return;
	}
	switch (object_of(ufuncs, nu)) {
	case KS_UF_MUTEX:
		mutex_at(c, read, read_ctx, w, &ok);
		break;
	case KS_UF_RWLOCK_WR:
		rwlock_of(c, true, read, read_ctx, w, &ok);
		break;
	case KS_UF_RWLOCK_RD:
		rwlock_of(c, false, read, read_ctx, w, &ok);
		break;
	default:
		break;	/* a condvar, a semaphore, anything else: no owner recorded */
	}
	if (!ok) {
		w->kind = KS_WAIT_FUTEX;
		w->addr = c->uaddr;
		w->why = KS_WHY_NO_OWNER;
		w->tid = 0;
		w->flags &= (uint16_t)~(KS_WAIT_F_WRITE | KS_WAIT_F_SHARED);
	}
}
