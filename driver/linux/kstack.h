/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of kstack.ko. */
#ifndef KSTACK_INTERNAL_H
#define KSTACK_INTERNAL_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/version.h>
#include <kstack/kstack_ioctl.h>
#include "walk/stack_image.h"

/* struct orc_entry changed in v6.3 and v6.4; tell the walkers which one */
#if !IS_ENABLED(CONFIG_UNWINDER_ORC)
#define KSTACK_ORC_LAYOUT	KSTACK_ORC_NONE
#elif KERNEL_VERSION(6, 4, 0) <= LINUX_VERSION_CODE
#define KSTACK_ORC_LAYOUT	KSTACK_ORC_V3_6_4
#elif KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
#define KSTACK_ORC_LAYOUT	KSTACK_ORC_V2_6_3
#else
#define KSTACK_ORC_LAYOUT	KSTACK_ORC_V1
#endif

/* kstack_lookup.c: symbols not exported to modules, through kallsyms */
typedef unsigned long (*kstack_lookup_t)(const char *name);
/* kallsyms_lookup_name, found with a kprobe; NULL where it cannot be */
kstack_lookup_t kstack_find_lookup_name(void);

/* kstack_req.c: versioned request copy in / out */
int kstack_req_in(void *req, size_t ksize, size_t minsize,
		  const void __user *uarg);
int kstack_req_out(void __user *uarg, const void *req, size_t ksize);

/* kstack_mem.c: which kernel ranges READ_MEMORY may touch */
void kstack_mem_init(kstack_lookup_t lookup);
/* what KERNEL_INFO answers (zeroes where a symbol was not found) */
const struct kstack_kernel_info *kstack_mem_kernel_info(void);
u32 kstack_mem_caps(void);
long kstack_read_memory(void __user *uarg);
long kstack_kernel_info(void __user *uarg);

struct task_struct;

/* capture flags beside KSTACK_SF_*: the kernel's unwinder made the frames */
#define KSTACK_SF_KERNEL_UNWINDER	BIT(31)
/* the user-mode registers were copied */
#define KSTACK_SF_USER_REGS		BIT(30)

/* ctxsw counts around one capture of a thread, and what happened */
struct kstack_capture {
	u64 nvcsw_before, nivcsw_before;
	u64 nvcsw_after, nivcsw_after;
	u32 nr_frames;
	u32 flags;		/* KSTACK_SF_* */
	u32 end;		/* KSTACK_END_*: why the walk ended */
	u32 nr_fixups;		/* RAW: kstack_ret_fixup entries found */
};

/* kstack_task.c: thread context and in-kernel unwinding */
struct task_struct *kstack_get_task(u64 tid);
void kstack_counts(struct task_struct *task, u64 *nvcsw, u64 *nivcsw);
bool kstack_ran(struct task_struct *task, struct kstack_capture *cap);
int kstack_quiet_stack(struct task_struct *task, struct kstack_capture *cap,
		       unsigned long *stack);
void kstack_user_regs(struct task_struct *task, unsigned long stack,
		      struct kstack_user_regs *user, struct kstack_capture *cap);
struct pt_regs;
/* A struct pt_regs as the protocol carries it (no check of its mode). */
void kstack_regs_to_user(const struct pt_regs *regs, struct kstack_user_regs *user);
struct unwind_state;
void kstack_unwind_frames(struct unwind_state *state, u64 *frames, u32 n, u32 max,
			  struct kstack_capture *cap);
u32 kstack_ret_fixups(struct task_struct *task, const u8 *data, unsigned long sp,
		      unsigned long len, struct kstack_ret_fixup *fix, u32 max);
struct kstack_walk_cache;
int kstack_unwind_task(struct task_struct *task, u64 *frames, u32 max,
		       struct kstack_walk_cache *cache, struct kstack_user_regs *user,
		       struct kstack_capture *cap);
long kstack_thread_context(void __user *uarg);
long kstack_stack(void __user *uarg);

/* kstack_walk.c: SNAPSHOT's fast walk; the kernel's unwinder stays the fallback */
void kstack_walk_init(kstack_lookup_t lookup, const struct kstack_kernel_info *kinfo);
/* frames: how many the SNAPSHOT may walk at most (sizes the table); NULL: no fast walk */
struct kstack_walk_cache *kstack_walk_cache_new(u32 frames);
void kstack_walk_cache_free(struct kstack_walk_cache *c);
bool kstack_has_ret_trampoline(const u8 *data, unsigned long len);
int kstack_fast_walk(struct kstack_walk_cache *c, unsigned long stack, unsigned long sp,
		     u64 *frames, u32 max, struct kstack_capture *cap);

/* kstack_modorc.c: where modules' ORC tables are */
void kstack_modorc_init(kstack_lookup_t lookup);
bool kstack_modorc_available(void);
long kstack_module_orc(void __user *uarg);

/* kstack_lockwait.c: LOCK_WAIT; the waiter layouts checked at load */
void kstack_lockwait_init(void);
long kstack_lock_wait(void __user *uarg);

/* kstack_maps.c: the mappings a user-stack walker needs */
long kstack_user_maps(void __user *uarg);

/* kstack_snapshot.c: many threads in one call */
void kstack_snapshot_init(kstack_lookup_t lookup);
long kstack_snapshot(void __user *uarg);
/*
 * One thread's record into rec, as a SNAPSHOT of its process in FRAMES
 * mode with tails takes it (the kernel's unwinder; retaken once if it
 * ran; KSTACK_SNAP_F_RUNNING on a CPU). rec holds at least
 * sizeof(*rec) + max_frames * 8 + sizeof(struct kstack_snap_tail) bytes.
 * 0, -ESRCH (exited), -EACCES (not the caller's to see), -ENOENT
 * (outside the caller's pid namespace).
 */
int kstack_snap_record(struct task_struct *task, u32 max_frames,
		       struct kstack_snap_thread *rec);
/*
 * Write the tail of rec at ALIGN(len, 8) plus cap->nr_fixups fixups
 * (user: the registers, copied when rec has KSTACK_SNAP_F_USER_REGS);
 * returns the record's size.
 */
u32 kstack_snap_put_tail(struct task_struct *task, struct kstack_snap_thread *rec,
			 u32 len, const struct kstack_capture *cap,
			 const struct kstack_user_regs *user);

/* kstack_catch.c: a thread on a CPU, taken where it runs */
long kstack_catch_running(void __user *uarg);

/* kstack_access.c: the caller, the target, kernel lockdown (each request) */
/* 0, or -EINVAL (said in the log): the group= parameter is not a gid or -1 */
int kstack_access_check_params(void);
/* group= as loaded (-1: none), for the load message */
int kstack_access_group(void);
void kstack_access_init(kstack_lookup_t lookup);
/* 0, or -EPERM: the caller lacks CAP_SYS_ADMIN now */
int kstack_caller_allowed(void);
/* May the caller see task's kernel stack (as /proc/PID/stack)? Any context. */
bool kstack_may_read_task(struct task_struct *task);
/*
 * The same answer, remembered for the next thread of the same process with
 * the same credentials. Only within one RCU read section: the caller holds
 * rcu_read_lock and zeroes the memo whenever it drops the lock.
 */
struct kstack_access_memo {
	const void *signal, *cred;	/* whose answer ok is (NULL: none) */
	bool ok;
};

bool kstack_may_read_task_memo(struct kstack_access_memo *m, struct task_struct *task);
/* Check task and hold off its exec: 0 (unlock after), -EPERM, -EINTR. Sleeps. */
int kstack_lock_target(struct task_struct *task);
void kstack_unlock_target(struct task_struct *task);
/* Is reading kernel memory forbidden by lockdown (LOCKDOWN_KCORE)? */
bool kstack_memory_locked_down(void);
/* 0, or -EPERM with a ratelimited log line naming what was refused */
int kstack_lockdown_refuse(const char *what);

/* kstack_count.c: the module's task references and heap blocks, counted */
struct task_struct *kstack_task_get(struct task_struct *task);
void kstack_task_put(struct task_struct *task);
/* count a reference taken elsewhere (get_pid_task); NULL: none */
void kstack_task_counted(struct task_struct *task);
/* count a block just allocated (NULL: none); returns it */
void *kstack_counted(void *p);
/* uncount and kvfree (kmalloc'd blocks too); NULL: nothing */
void kstack_free(const void *p);
long kstack_count_tasks(void);
long kstack_count_allocs(void);

/* kstack_sym.c: kernel-side symbolization, core text names kept */
void kstack_sym_init(kstack_lookup_t lookup, unsigned long text_start, unsigned long text_end);
void kstack_sym_exit(void);
long kstack_symbolize(void __user *uarg);

#endif
