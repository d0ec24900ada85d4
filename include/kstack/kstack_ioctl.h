/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * kstack protocol: the single definition shared by the Linux driver
 * (kstack.ko, /dev/kstack), the Windows driver (KStack.sys, \\.\KStack)
 * and every user-mode tool.
 *
 * Rules that keep old tools, new drivers and 32-bit clients working:
 *  - fixed-width fields only (no pointers, no long, no enums in structs);
 *    a user buffer address travels as a u64;
 *  - every u64 sits at an 8-byte offset and every struct is a multiple of
 *    8 bytes, so i386 (4-byte u64 alignment) and x86_64 agree on the layout
 *    and compat_ioctl needs no translation;
 *  - every request starts with struct kstack_hdr {size, version}; a driver
 *    accepts any size >= the v1 size of that request and never reads or
 *    writes past hdr.size; the version must be KSTACK_PROTO_VERSION.
 *
 * Transport:
 *  Linux:   ioctl(fd, KSTACK_IOCTL_x, &req); the driver dispatches on the
 *           command's type and number only (not its size field), so a
 *           request that grew in a later version still reaches it.
 *           Variable-sized output goes to the user buffer named in the
 *           request (u64 address).
 *  Windows: DeviceIoControl(h, KSTACK_IOCTL_x, &req, sizeof(req), out, n):
 *           METHOD_BUFFERED; the output buffer receives the request struct
 *           (filled in) followed by the variable-sized data, except for
 *           READ_MEMORY whose output buffer receives only the bytes read
 *           (a walker's read callback gets them where it wants them,
 *           with no header to strip). The u64 buffer fields are ignored
 *           there.
 *
 * Units: addresses are virtual addresses of the target's kernel, as u64
 * whatever the client's width; lengths and sizes are bytes; frame, thread,
 * entry and name counts are counts (each field names which); timeouts are
 * milliseconds; context-switch counts are the kernel's own (Linux: the
 * task's nvcsw/nivcsw; Windows: KTHREAD ContextSwitches, in nvcsw).
 *
 * Errors: Linux returns -errno; Windows an NTSTATUS (Win32 error in
 * GetLastError()). Never a silently short result: an answer is whole or an
 * error. The same causes give the same pair on both:
 *   wrong hdr.size or bad field       EINVAL   STATUS_INVALID_PARAMETER
 *   hdr.version                       EINVAL   STATUS_REVISION_MISMATCH
 *   output buffer too small           ENOSPC   STATUS_BUFFER_TOO_SMALL
 *     (the needed count written back in the request)
 *   no such thread                    ESRCH    STATUS_INVALID_CID
 *   thread on a CPU: nothing saved    EBUSY    STATUS_DEVICE_BUSY
 *   caller (Linux: or target) refused EPERM    STATUS_ACCESS_DENIED
 *   address not readable              EPERM, EFAULT  STATUS_ACCESS_VIOLATION
 *   not on this host                  EOPNOTSUPP     STATUS_NOT_SUPPORTED
 *   unknown command                   ENOTTY   STATUS_INVALID_DEVICE_REQUEST
 * Each request's own list: README.md (Linux), driver/windows/README.md.
 *
 * Sources: each out field says where the driver takes it; on Linux from
 * the kernel structures of the same names (task_struct, struct pt_regs,
 * struct inactive_task_frame, struct mod_arch_specific), on Windows from
 * KTHREAD through the layouts checked at load
 * (driver/windows/kstack_kthread_layouts.c gives each offset's source).
 */
#ifndef KSTACK_KSTACK_IOCTL_H
#define KSTACK_KSTACK_IOCTL_H

#if defined(_WIN32)
typedef unsigned int kstack_u32;	/* LLP64 and ILP32: int is 32 bits */
typedef unsigned long long kstack_u64;
#elif defined(__KERNEL__)
#include <linux/types.h>
#include <linux/ioctl.h>
typedef __u32 kstack_u32;
typedef __u64 kstack_u64;
#else
#include <stdint.h>
#include <linux/ioctl.h>
typedef uint32_t kstack_u32;
typedef uint64_t kstack_u64;
#endif

#define KSTACK_PROTO_VERSION	1u
/* driver version: major << 16 | minor << 8 | patch */
#define KSTACK_DRIVER_VERSION	0x000100u

#define KSTACK_DEVICE_LINUX	"/dev/kstack"
#define KSTACK_DEVICE_WIN32	"\\\\.\\KStack"

/* Largest READ_MEMORY request, per call. */
#define KSTACK_READ_MAX		(1u << 20)
/* Largest STACK request, in frames. */
#define KSTACK_FRAMES_MAX	256u
#define KSTACK_COMM_LEN		16u
#define KSTACK_RELEASE_LEN	64u

struct kstack_hdr {
	kstack_u32 size;	/* in: sizeof the whole request as the caller knows it */
	kstack_u32 version;	/* in: KSTACK_PROTO_VERSION */
};

/* kstack_version.arch */
#define KSTACK_ARCH_X86_64	1u
#define KSTACK_ARCH_X86		2u

/* kstack_version.caps: what this driver can do on this host */
#define KSTACK_CAP_READ_MEMORY		(1u << 0)
#define KSTACK_CAP_THREAD_CONTEXT	(1u << 1)
#define KSTACK_CAP_STACK		(1u << 2)
#define KSTACK_CAP_SNAPSHOT		(1u << 3)
#define KSTACK_CAP_MMCOPYMEMORY		(1u << 4)	/* Windows: MmCopyMemory used */
#define KSTACK_CAP_WINE_HOST		(1u << 5)	/* Windows: running under Wine */
#define KSTACK_CAP_SYMBOLIZE		(1u << 6)
#define KSTACK_CAP_SNAP_TAIL		(1u << 7)	/* SNAPSHOT records end in a kstack_snap_tail on request */
#define KSTACK_CAP_MODULE_ORC		(1u << 8)	/* Linux: MODULE_ORC */
#define KSTACK_CAP_SNAP_DENIED		(1u << 9)	/* SNAPSHOT fills nr_denied (hdr.size >= 80) */
#define KSTACK_CAP_SNAP_MM_ID		(1u << 10)	/* kstack_snap_tail.mm_id is filled */
#define KSTACK_CAP_USER_MAPS		(1u << 11)	/* Linux: USER_MAPS */
#define KSTACK_CAP_CATCH_RUNNING	(1u << 12)	/* Linux: CATCH_RUNNING */
#define KSTACK_CAP_LOCK_WAIT		(1u << 14)	/* Linux: LOCK_WAIT */

/*
 * kstack_version.task_frame_layout: how a sleeping thread's saved kernel
 * context looks at THREAD_CONTEXT.sp.
 *  LINUX_X86_64_V1: struct inactive_task_frame {r15, r14, r13, r12, bx, bp,
 *                   ret_addr} (v4.9+), u64 each.
 */
#define KSTACK_FRAME_UNKNOWN		0u
#define KSTACK_FRAME_LINUX_X86_64_V1	1u
#define KSTACK_FRAME_WINDOWS		2u

/*
 * kstack_version.orc_layout (Linux x86_64): layout of struct orc_entry.
 *  V1: {s16 sp_offset, s16 bp_offset, u16 sp_reg:4 bp_reg:4 type:2 end:1}
 *      with types CALL=0 REGS=1 REGS_PARTIAL=2 (v4.14 .. v6.2)
 *  V2_6_3: v6.3 added a signal bit after type, and moved end after it;
 *  V3_6_4: v6.4 widened type to 3 bits and renumbered it (UNDEFINED=0
 *      END_OF_STACK=1 CALL=2 REGS=3 REGS_PARTIAL=4), signal next, no end.
 * The driver reports what it was built against; the walker checks it too
 * (walk/orc_format.h: the bits and the kernel commits behind them).
 */
#define KSTACK_ORC_NONE		0u
#define KSTACK_ORC_V1		1u
#define KSTACK_ORC_V2_6_3	2u
#define KSTACK_ORC_V3_6_4	3u

/*
 * kstack_version.kthread_layout (Windows): which KTHREAD layout THREAD_CONTEXT
 * uses, chosen at load and checked on a thread the driver created (see
 * driver/windows/README.md; the offsets and their sources are in
 * driver/windows/kstack_kthread_layouts.c). NONE: no layout passed its
 * checks, and kthread_checks says which check failed for the layout tried
 * first (the build's table entry, or the first candidate).
 */
#define KSTACK_KTHREAD_NONE		0u
#define KSTACK_KTHREAD_X86_XP		1u	/* Windows XP (5.1) */
#define KSTACK_KTHREAD_X86_VISTA	2u	/* Vista / Server 2008 (6.0) */
#define KSTACK_KTHREAD_X86_WIN7		3u	/* 7 (6.1) */
#define KSTACK_KTHREAD_X86_WIN8_10	4u	/* 8 to 10 22H2 */
#define KSTACK_KTHREAD_X86_REACTOS	5u	/* ReactOS (NT 5.2) */
#define KSTACK_KTHREAD_X64_VISTA	16u
#define KSTACK_KTHREAD_X64_WIN7		17u
#define KSTACK_KTHREAD_X64_WIN8_11	18u	/* 8 to 11 24H2, Server 2012 to 2025 */
#define KSTACK_KTHREAD_X64_REACTOS	19u

/* kstack_version.kthread_checks: the load-time check that failed */
#define KSTACK_KTC_NOT_RUN		(1u << 0)	/* no probe: Wine, or the probe thread failed */
#define KSTACK_KTC_NO_LAYOUT		(1u << 1)	/* no table entry and no candidate */
#define KSTACK_KTC_STATE		(1u << 2)	/* State is not Waiting */
#define KSTACK_KTC_WAIT_REASON		(1u << 3)	/* WaitReason is not the one waited with */
#define KSTACK_KTC_STACK_LIMIT		(1u << 4)	/* StackLimit is not IoGetStackLimits' low end */
#define KSTACK_KTC_INITIAL_STACK	(1u << 5)	/* InitialStack not just below the high end */
#define KSTACK_KTC_KERNEL_STACK		(1u << 6)	/* KernelStack not inside the stack, below the waiter */
#define KSTACK_KTC_SWITCHES		(1u << 7)	/* ContextSwitches did not move when woken */
#define KSTACK_KTC_EXTENT		(1u << 8)	/* layout reaches past the copied KTHREAD */

struct kstack_version {
	struct kstack_hdr hdr;
	kstack_u32 proto_version;	/* out: KSTACK_PROTO_VERSION of the driver */
	kstack_u32 driver_version;	/* out: KSTACK_DRIVER_VERSION */
	kstack_u32 arch;		/* out: KSTACK_ARCH_* */
	kstack_u32 caps;		/* out: KSTACK_CAP_* */
	kstack_u64 thread_size;		/* out: Linux THREAD_SIZE; Windows KERNEL_STACK_SIZE */
	kstack_u32 task_frame_layout;	/* out: KSTACK_FRAME_* */
	kstack_u32 task_frame_size;	/* out: bytes of the saved frame */
	kstack_u32 task_frame_ret_off;	/* out: offset of the return address in it */
	kstack_u32 task_frame_bp_off;	/* out: offset of the saved frame pointer */
	kstack_u32 orc_layout;		/* out: KSTACK_ORC_* */
	kstack_u32 os_version;		/* out: Linux LINUX_VERSION_CODE; Windows major<<8|minor */
	kstack_u32 os_build;		/* out: Windows build number; Linux 0 */
	kstack_u32 kthread_layout;	/* out: Windows: KSTACK_KTHREAD_* in use; Linux 0 */
	kstack_u64 self_test_addr;	/* out: a driver-owned region READ_MEMORY allows (tests) */
	kstack_u32 self_test_len;	/* out: its length in bytes */
	kstack_u32 kthread_checks;	/* out: Windows: KSTACK_KTC_* that failed at load; Linux 0 */
	char release[KSTACK_RELEASE_LEN];	/* out: uname -r, or Windows version text */
};

struct kstack_read_memory {
	struct kstack_hdr hdr;
	kstack_u64 address;	/* in: kernel address to read */
	kstack_u64 buffer;	/* in: Linux: user buffer of >= length bytes; Windows: ignored */
	kstack_u32 length;	/* in: bytes, 1 .. KSTACK_READ_MAX */
	kstack_u32 bytes_read;	/* out: Linux: bytes copied (all or error) */
};

/* kstack_thread_context.flags */
#define KSTACK_TF_KTHREAD	(1u << 0)	/* kernel thread: no user part */
#define KSTACK_TF_EXITING	(1u << 1)

struct kstack_thread_context {
	struct kstack_hdr hdr;
	kstack_u64 tid;		/* in: thread id (Linux: in the caller's pid namespace) */
	kstack_u64 sp;		/* out: saved kernel stack pointer (Linux: thread.sp) */
	kstack_u64 fp;		/* out: saved frame pointer */
	kstack_u64 ip;		/* out: return address the thread resumes at */
	kstack_u64 stack_base;	/* out: lowest address of the kernel stack */
	kstack_u64 stack_size;	/* out: its size in bytes */
	kstack_u64 tgid;	/* out: process id */
	kstack_u64 nvcsw;	/* out: voluntary context switches */
	kstack_u64 nivcsw;	/* out: involuntary context switches */
	kstack_u32 state;	/* out: Linux task __state; Windows KTHREAD state */
	kstack_u32 flags;	/* out: KSTACK_TF_* */
	kstack_u32 wait_reason;	/* out: Windows KWAIT_REASON; Linux 0 */
	kstack_u32 reserved;
	char comm[KSTACK_COMM_LEN];	/* out: NUL-terminated task name */
};

/* kstack_stack.flags */
#define KSTACK_SF_RAN		(1u << 0)	/* ctx switch counts moved: retry */
#define KSTACK_SF_TRUNCATED	(1u << 1)	/* more frames than the walk limit */
#define KSTACK_SF_UNRELIABLE	(1u << 2)	/* unwinder reported an error */

struct kstack_stack {
	struct kstack_hdr hdr;
	kstack_u64 tid;		/* in */
	kstack_u64 frames;	/* in: Linux: user array of max_frames u64; Windows: ignored */
	kstack_u32 max_frames;	/* in: 1 .. KSTACK_FRAMES_MAX */
	kstack_u32 nr_frames;	/* out: frames stored; with -ENOSPC: frames needed */
	kstack_u32 flags;	/* out: KSTACK_SF_* */
	kstack_u32 timeout_ms;	/* in: Windows APC wait (0: 500 ms); Linux ignored */
	kstack_u64 nvcsw_before;	/* out: context-switch counts around the walk */
	kstack_u64 nivcsw_before;
	kstack_u64 nvcsw_after;
	kstack_u64 nivcsw_after;
};

/*
 * SNAPSHOT: every thread of one process (pid != 0) or of the whole system
 * (pid == 0) in one call, as a sequence of records in the caller's buffer.
 * Each record is a struct kstack_snap_thread followed by its data: u64
 * frames[nr_frames] (KSTACK_SNAP_FRAMES: unwound in the kernel, by the
 * driver's fast ORC walk where it applies and the kernel's own unwinder
 * elsewhere; KSTACK_SNAP_FRAMES_KERNEL: the kernel's unwinder only), or
 * raw_len bytes of its kernel stack from the saved sp up to the stack's top
 * (KSTACK_SNAP_RAW: for a user-space walker), padded to 8 bytes. rec_size
 * steps to the next record. A thread that ran while it was captured is
 * taken again once, then flagged KSTACK_SNAP_F_RAN. A running thread has
 * KSTACK_SNAP_F_RUNNING and no data (Linux: CATCH_RUNNING takes it where
 * it runs, as a record of this format). If the buffer is too small: -ENOSPC /
 * STATUS_BUFFER_TOO_SMALL, with bytes_needed set (the records that fit are
 * written; nr_threads counts them). Threads outside the caller's pid
 * namespace are left out; ids are as that namespace numbers them.
 */
#define KSTACK_SNAP_FRAMES	1u
#define KSTACK_SNAP_RAW		2u
#define KSTACK_SNAP_FRAMES_KERNEL 3u
/*
 * Largest number of threads one SNAPSHOT call takes (bounded work); a
 * system or process with more gets -E2BIG, never a silent part of them.
 */
#define KSTACK_SNAP_MAX_THREADS	65536u

/* kstack_snap_thread.flags (KSTACK_TF_* in the low 16 bits) */
#define KSTACK_SNAP_F_RAN	(1u << 16)	/* ran during its copy, twice */
#define KSTACK_SNAP_F_RUNNING	(1u << 17)	/* on a CPU: no data */
#define KSTACK_SNAP_F_TRUNCATED	(1u << 18)	/* frames cut at max_frames */
#define KSTACK_SNAP_F_UNRELIABLE (1u << 19)	/* unwinder reported an error */
#define KSTACK_SNAP_F_RETAKEN	(1u << 20)	/* ran once, taken again */
#define KSTACK_SNAP_F_KERNEL_UNWINDER (1u << 21) /* frames by the kernel's unwinder */
#define KSTACK_SNAP_F_TAIL	(1u << 22)	/* a struct kstack_snap_tail ends the record */
#define KSTACK_SNAP_F_USER_REGS	(1u << 23)	/* tail.user holds the user-mode registers */
#define KSTACK_SNAP_F_CATCH	(1u << 24)	/* CATCH_RUNNING's: a kstack_snap_catch before the tail */

/* kstack_snapshot.flags (in; present when hdr.size >= 72) */
#define KSTACK_SNAP_WANT_TAIL	(1u << 0)	/* end each record with a kstack_snap_tail */

/*
 * kstack_snap_tail.end: why the kernel half's walk ended. USER with
 * KSTACK_SNAP_F_UNRELIABLE: the walk reached the user-mode entry through
 * code without ORC data (BPF programs and trampolines) stepped on the
 * kernel's frame-pointer guess, as /proc/PID/stack prints it.
 */
#define KSTACK_END_UNKNOWN	0u	/* RAW records (the tool walks), or no data */
#define KSTACK_END_USER		1u	/* reached the user-mode entry frame: whole */
#define KSTACK_END_KTHREAD	2u	/* end of a kernel thread's stack: whole */
#define KSTACK_END_LIMIT	3u	/* cut at max_frames */
#define KSTACK_END_UNRELIABLE	4u	/* the unwinder stopped early: cut short */
#define KSTACK_END_RUNNING	5u	/* on a CPU: no frames */

/*
 * A thread's user-mode registers as saved at its entry into the kernel:
 * task_pt_regs(task), in the order of x86_64 struct pt_regs
 * (arch/x86/include/asm/ptrace.h, unchanged since v4.x). A 32-bit (compat)
 * task's values are zero-extended; cs tells (0x23: __USER32_CS).
 */
struct kstack_user_regs {
	kstack_u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	kstack_u64 ax, cx, dx, si, di, orig_ax;
	kstack_u64 ip, cs, flags, sp, ss;
};

/*
 * RAW records: a stack slot whose return address the kernel replaced with
 * a trampoline (kretprobe/rethook, the function_graph tracer's
 * return_to_handler), and the address the thread will really return to,
 * as the kernel's unwinder recovers it (unwind_recover_ret_addr()). The
 * slot is where a walker reads that frame's ip: below the caller's sp for
 * a call frame, regs->ip for a pt_regs frame. Listed only for slots the
 * walk passes through, at most KSTACK_FRAMES_MAX of them.
 */
struct kstack_ret_fixup {
	kstack_u64 slot;	/* kernel stack address of the replaced return address */
	kstack_u64 ret;		/* the original return address */
};

/*
 * With KSTACK_SNAP_WANT_TAIL, each record is laid out as
 *   struct kstack_snap_thread | data (frames or raw, padded to 8) |
 *   struct kstack_ret_fixup[tail.nr_ret_fixups] | struct kstack_snap_tail
 * and flagged KSTACK_SNAP_F_TAIL: the tail is the record's last
 * sizeof(struct kstack_snap_tail) bytes, so a tool that does not know it
 * still steps by rec_size and finds data where it always was.
 */
struct kstack_snap_tail {
	kstack_u32 end;			/* KSTACK_END_* */
	kstack_u32 nr_ret_fixups;	/* RAW: fixups just before the tail */
	/*
	 * KSTACK_CAP_SNAP_MM_ID: which address space the thread runs in, as
	 * an opaque non-zero id (0: none, a kernel thread or one exiting).
	 * Equal ids within one SNAPSHOT are one address space: the threads
	 * of a process, and every process sharing it (vfork children before
	 * their exec, CLONE_VM without CLONE_THREAD). A keyed hash of the
	 * kernel's mm pointer (the key random per module load), so it says
	 * nothing of kernel addresses; ids from different SNAPSHOTs agree
	 * only while the address space lives (a freed one's id may return).
	 * Older drivers leave it 0.
	 */
	kstack_u64 mm_id;
	struct kstack_user_regs user;	/* with KSTACK_SNAP_F_USER_REGS */
};

struct kstack_snapshot {
	struct kstack_hdr hdr;
	kstack_u64 pid;		/* in: tgid (any thread id selects its whole thread group), or 0 for every thread on the system */
	kstack_u64 buffer;	/* in: Linux: user buffer; Windows: ignored */
	kstack_u64 buffer_size;	/* in: its size in bytes */
	kstack_u32 mode;	/* in: KSTACK_SNAP_FRAMES, _RAW or _FRAMES_KERNEL */
	kstack_u32 max_frames;	/* in: FRAMES*: per thread, 1 .. KSTACK_FRAMES_MAX */
	kstack_u32 nr_threads;	/* out: records written */
	kstack_u32 nr_skipped;	/* out: threads gone before their turn, or not the caller's to see (nr_denied of them) */
	kstack_u64 bytes_used;	/* out: bytes of records written */
	kstack_u64 bytes_needed;	/* out: bytes all records would need */
	/* v1 ends here (64 bytes); a driver without these ignores them */
	kstack_u32 flags;	/* in: KSTACK_SNAP_WANT_* */
	kstack_u32 reserved;
	/*
	 * 80 bytes and more (KSTACK_CAP_SNAP_DENIED); a driver without them
	 * leaves them as sent, so a tool checks the cap before it reads them.
	 * nr_denied: out, a count of threads: those of nr_skipped left out
	 * because the caller may not see them (Linux: ptrace_may_access(task,
	 * PTRACE_MODE_ATTACH_FSCREDS) refused, as /proc/PID/task/TID/stack
	 * would refuse it); nr_skipped - nr_denied exited before their turn.
	 * Written back with the other out fields (success, or -ENOSPC).
	 */
	kstack_u32 nr_denied;
	kstack_u32 reserved2;	/* in: 0 */
};
/* the size of struct kstack_snapshot before it grew */
#define KSTACK_SNAPSHOT_V1_SIZE	64u
/* the size from which a driver with KSTACK_CAP_SNAP_DENIED fills nr_denied */
#define KSTACK_SNAPSHOT_DENIED_SIZE	80u

struct kstack_snap_thread {
	kstack_u32 rec_size;	/* bytes of this record incl. data, multiple of 8 */
	kstack_u32 flags;	/* KSTACK_TF_* | KSTACK_SNAP_F_* */
	kstack_u64 tid;
	kstack_u64 tgid;
	kstack_u64 nvcsw_before;
	kstack_u64 nivcsw_before;
	kstack_u64 nvcsw_after;
	kstack_u64 nivcsw_after;
	kstack_u64 sp;		/* saved kernel sp (RAW: where the data starts) */
	kstack_u64 ip;		/* return address in the saved frame */
	kstack_u64 stack_base;	/* lowest address of the stack */
	kstack_u32 stack_size;
	kstack_u32 state;
	kstack_u32 nr_frames;	/* FRAMES*: u64 frames that follow */
	kstack_u32 raw_len;	/* RAW: bytes that follow (sp .. top of stack) */
	char comm[KSTACK_COMM_LEN];
};

/*
 * SYMBOLIZE: names for kernel addresses, resolved in the kernel (no
 * /proc/kallsyms parse in the tool). For each of nr u64 addresses, one
 * KSTACK_SYM_LEN-byte NUL-terminated "name+0xoff/0xsize [module]" entry (a
 * longer one ends in "..."), or
 * "" when no symbol covers it. KSTACK_SYM_RETADDR: addresses are return
 * addresses, looked up at addr - 1 (a call may end a function) while the
 * offset is still that of addr, as /proc/PID/stack prints them.
 */
#define KSTACK_SYM_LEN		256u
#define KSTACK_SYM_MAX		4096u	/* per call */
#define KSTACK_SYM_RETADDR	1u
/*
 * KSTACK_SYM_TEXT (Linux): kernel text only, as the kernel's unwinder
 * accepts a return address (__kernel_text_address(): core and module
 * text, BPF programs and trampolines, ftrace trampolines, kprobe
 * instruction slots): any other address gets "", text without a symbol
 * its address ("0xffffffffc0a01000", as /proc/PID/stack prints it). Lets
 * a walker step through generated code the way the kernel does.
 * EOPNOTSUPP where the driver cannot tell.
 */
#define KSTACK_SYM_TEXT		2u

struct kstack_symbolize {
	struct kstack_hdr hdr;
	kstack_u64 addrs;	/* in: Linux: user array of nr u64 */
	kstack_u64 names;	/* in: Linux: user array of nr * KSTACK_SYM_LEN bytes */
	kstack_u32 nr;		/* in: 1 .. KSTACK_SYM_MAX */
	kstack_u32 flags;	/* in: KSTACK_SYM_* */
};

/*
 * KERNEL_INFO (Linux): where the core kernel's text and ORC tables are, so a
 * user-space walker can start without parsing /proc/kallsyms (100 ms and
 * more: slower than many whole snapshots). Zero where the driver could not
 * resolve a symbol.
 */
struct kstack_kernel_info {
	struct kstack_hdr hdr;
	kstack_u64 text_start, text_end;	/* _stext, _etext */
	kstack_u64 orc_ip_start, orc_ip_end;	/* __start/__stop_orc_unwind_ip */
	kstack_u64 orc_start, orc_end;		/* __start/__stop_orc_unwind */
	kstack_u64 ret_from_fork;		/* where a never-run task resumes */
	kstack_u64 sched_start, sched_end;	/* __sched_text_*: /proc/PID/stack skips */
	kstack_u64 lock_start, lock_end;	/* __lock_text_*: skipped too */
	/*
	 * The kernel's ORC block index: u32 orc_lookup[(ip - text_start) >>
	 * orc_lookup_block_order] is the first orc_unwind_ip[] entry that can
	 * cover ip's block; the next block's value bounds the search. Lets a
	 * walker read the few entries it needs instead of whole tables.
	 */
	kstack_u64 orc_lookup_start, orc_lookup_end;	/* orc_lookup, orc_lookup_end */
	kstack_u32 orc_lookup_block_order;
	kstack_u32 reserved;
};

/*
 * MODULE_ORC (Linux): where each loaded module's ORC tables are and how many
 * entries they hold, as the module loader keeps them for the kernel's own
 * unwinder (struct mod_arch_specific: orc_unwind_ip, orc_unwind, num_orcs;
 * arch/x86/include/asm/module.h, v4.14+), with the text they answer for.
 * A walker reads the tables whole with READ_MEMORY (a module's rodata) and
 * needs no /sys/module guesswork. Modules without tables (built without
 * objtool) and modules being loaded or unloaded are left out. The tables
 * answer for any address inside the module (orc_module_find()); text is
 * its core text (v6.4+: mod->mem[MOD_TEXT]; before: core_layout's text).
 * The tables keep the entries of the module's init text too (freed once
 * it loaded): those lie outside [text_start, text_end), sorted with the rest.
 * Fills up to max entries into the user array at buffer, in the kernel's
 * module list order; nr is how many it wrote, or with -ENOSPC how many
 * there are (the entries that fit are written). max at most
 * KSTACK_MODULE_ORC_MAX (EINVAL beyond).
 */
#define KSTACK_MODULE_NAME_LEN	56u	/* the kernel's MODULE_NAME_LEN on 64-bit */
#define KSTACK_MODULE_ORC_MAX	4096u

struct kstack_module_orc {
	char name[KSTACK_MODULE_NAME_LEN];	/* NUL-terminated */
	kstack_u64 text_start, text_end;	/* core text: [start, end) */
	kstack_u64 orc_ip;	/* s32 orc_unwind_ip[num_orcs]: self-relative, sorted */
	kstack_u64 orc;		/* orc_unwind[num_orcs]: 6-byte entries (orc_layout) */
	kstack_u32 num_orcs;
	kstack_u32 reserved;
};

struct kstack_module_orcs {
	struct kstack_hdr hdr;
	kstack_u64 buffer;	/* in: Linux: user array of max struct kstack_module_orc */
	kstack_u32 max;		/* in: 1 .. KSTACK_MODULE_ORC_MAX */
	kstack_u32 nr;		/* out: entries written; with -ENOSPC: entries there are */
};

/*
 * USER_MAPS (Linux): the mappings of a process's address space that a
 * user-stack walker needs, read under the mm's lock as /proc/PID/maps
 * reads them (fs/proc/task_mmu.c, show_map_vma()) but without text to
 * format and parse: every mapping of a file and every one the kernel
 * names ([vdso], [vvar], [heap], [stack]), and of the anonymous ones only
 * the executable ones (JIT code) and those holding one of the nr_addrs
 * addresses given (the threads' user sps): a process of thousands of
 * threads has two anonymous mappings a
 * thread (its stack and guard), which /proc makes every reader format.
 * Entries in address order. A file's path is d_path()'s, " (deleted)"
 * appended as /proc appends it, not mangled (a newline stays one); a
 * kernel-named mapping gets its name; each NUL-terminated in names, at
 * name_off. -ENOSPC when the entries or the names do not fit: nr and
 * names_used then say how many there are (the call may be repeated with
 * more room). The caller needs the access /proc/PID/stack needs
 * (ptrace_may_access, PTRACE_MODE_ATTACH_FSCREDS): EPERM; ESRCH: no such
 * process, or one without an address space (a kernel thread, an exiting
 * or zombie thread: ask another thread of the process).
 */
#define KSTACK_USER_MAPS_MAX		65536u		/* entries per call */
#define KSTACK_USER_MAPS_ADDRS_MAX	65536u		/* addresses per call */
#define KSTACK_USER_MAPS_NAMES_MAX	(4u << 20)	/* bytes of names per call */

/* kstack_user_map.flags */
#define KSTACK_UMAP_READ	(1u << 0)
#define KSTACK_UMAP_WRITE	(1u << 1)
#define KSTACK_UMAP_EXEC	(1u << 2)
#define KSTACK_UMAP_SHARED	(1u << 3)
#define KSTACK_UMAP_FILE	(1u << 4)	/* a file's: offset, dev, ino and its path */
#define KSTACK_UMAP_NAMED	(1u << 5)	/* named by the kernel: [vdso], [heap], ... */

#define KSTACK_UMAP_NO_NAME	0xffffffffu	/* kstack_user_map.name_off of an anonymous one */

struct kstack_user_map {
	kstack_u64 start, end;	/* [start, end), bytes */
	kstack_u64 offset;	/* file offset of start (vm_pgoff in bytes) */
	kstack_u64 ino;
	kstack_u32 dev_major, dev_minor;
	kstack_u32 flags;	/* KSTACK_UMAP_* */
	kstack_u32 name_off;	/* in names, or KSTACK_UMAP_NO_NAME */
};

struct kstack_user_maps {
	struct kstack_hdr hdr;
	kstack_u64 pid;		/* in: any live thread of the process */
	kstack_u64 addrs;	/* in: Linux: user array of nr_addrs u64 */
	kstack_u64 buffer;	/* in: Linux: user array of max struct kstack_user_map */
	kstack_u64 names;	/* in: Linux: user buffer of names_size bytes */
	kstack_u32 nr_addrs;	/* in: 0 .. KSTACK_USER_MAPS_ADDRS_MAX */
	kstack_u32 max;		/* in: 1 .. KSTACK_USER_MAPS_MAX */
	kstack_u32 names_size;	/* in: 1 .. KSTACK_USER_MAPS_NAMES_MAX */
	kstack_u32 nr;		/* out: entries written; with -ENOSPC: entries there are */
	kstack_u32 names_used;	/* out: bytes of names; with -ENOSPC: bytes needed */
	kstack_u32 reserved;	/* in: 0 */
};

/*
 * CATCH_RUNNING (Linux): one thread as a SNAPSHOT record (FRAMES, with a
 * tail), taken where it runs if it is on a CPU. A sleeping thread has a
 * saved kernel stack; a running one has none, and its user stack changes
 * as it runs. The driver asks the CPU the thread runs on
 * (smp_call_function_single() to task_cpu(), after the same checks as
 * every request about a thread: the caller, then the target as
 * /proc/PID/stack checks it); its handler, when the thread is the one
 * that CPU interrupted, takes the interrupted registers (the entry frame
 * of the call's interrupt, found by the kernel's unwinder from the
 * handler: the call-function interrupt does not set get_irq_regs()):
 *   interrupted in kernel mode (KSTACK_CATCH_KERNEL): the kernel half
 *     from them, the interrupted ip first (an exact ip, not a return
 *     address), then the kernel's unwinder from those registers; the
 *     user registers are task_pt_regs(), as for a sleeping thread;
 *   interrupted in user mode (KSTACK_CATCH_USER): no kernel frames (end
 *     KSTACK_END_USER), the user registers are the interrupted ones.
 * Either way the top of the user stack, up to stack_bytes from the user
 * sp, is copied right there (copy_from_user_nofault(), page by page: the
 * first page that faults ends the copy), into memory allocated before the
 * call: the thread changes it as soon as the handler returns. The handler
 * takes no lock, copies nothing unbounded and writes only that memory.
 *
 * A caught record is flagged KSTACK_SNAP_F_CATCH (not _RUNNING) and laid
 * out as
 *   struct kstack_snap_thread | u64 frames[nr_frames] |
 *   user stack bytes (catch.stack_len, padded to 8) |
 *   struct kstack_snap_catch | struct kstack_snap_tail
 * (no return-address fixups: tail.nr_ret_fixups is 0). Its counts
 * (*_before = *_after) and state (TASK_RUNNING) are those the handler saw;
 * ip is the interrupted ip, sp the interrupted kernel sp (0 in user mode).
 *
 * A thread that is not on a CPU when asked, or that went to sleep before
 * the call reached its CPU, is taken as SNAPSHOT takes a sleeping thread
 * (KSTACK_CATCH_ASLEEP: the same record). With stack_bytes, the top of its
 * user stack is copied then too (access_process_vm(), in the requester's
 * context), and kept only if the thread did not run from its record to
 * the end of the copy (switch counts unchanged, not on a CPU): then the
 * record carries it as a caught one does (F_CATCH, how ASLEEP), registers
 * and copy of one moment, which a preempted CPU hog seldom gives a later
 * copy. A thread that ran is taken again (twice at most; then the record
 * alone, without F_CATCH, as SNAPSHOT gives it). One that moved to
 * another CPU meanwhile is asked again once; then, or when its CPU is
 * offline, it is KSTACK_CATCH_MISSED: a record flagged _RUNNING | _CATCH
 * with no frames and a kstack_snap_catch saying why. The caller's own
 * thread (it runs this request) is KSTACK_CATCH_SELF, the same way.
 * Idle CPUs are never asked (an idle task is no thread of any process).
 *
 * Under kernel lockdown (confidentiality) the registers and return
 * addresses are given as for a sleeping thread, and no stack bytes
 * (stack_len 0). Errors: EINVAL (a field out of range, flags or reserved
 * not 0), ESRCH (no such thread, or it exited), EPERM (the caller or the
 * target refused), ENOSPC (record_size too small: rec_size says how many
 * bytes the record needs), EFAULT.
 */
/* user stack bytes one call copies at most: ~30 us of copying natively, IRQs off */
#define KSTACK_CATCH_STACK_MAX	(256u << 10)

/* kstack_catch_running.how and kstack_snap_catch.how */
#define KSTACK_CATCH_ASLEEP	0u	/* not on a CPU: a sleeping thread's record */
#define KSTACK_CATCH_KERNEL	1u	/* caught on a CPU, in kernel mode */
#define KSTACK_CATCH_USER	2u	/* caught on a CPU, in user mode */
#define KSTACK_CATCH_SELF	3u	/* the caller's own thread: no frames */
#define KSTACK_CATCH_MISSED	4u	/* on a CPU, not caught: kstack_snap_catch.missed */

/* kstack_snap_catch.missed */
#define KSTACK_MISS_NONE	0u
#define KSTACK_MISS_MIGRATED	1u	/* it moved to another CPU before each call */
#define KSTACK_MISS_OFFLINE	2u	/* its CPU was going offline */
#define KSTACK_MISS_NO_REGS	3u	/* no interrupted registers found */

struct kstack_snap_catch {
	kstack_u32 how;		/* KSTACK_CATCH_* */
	kstack_u32 cpu;		/* the CPU it was caught on (others: it was last on) */
	kstack_u64 ip;		/* the interrupted ip: a kernel (KERNEL) or user (USER) address; else 0 */
	kstack_u64 stack_start;	/* user address of the stack bytes: the user sp */
	kstack_u32 stack_len;	/* bytes of user stack in the record */
	kstack_u32 missed;	/* KSTACK_MISS_* */
};

/* A record buffer large enough for any answer to this request. */
#define KSTACK_CATCH_RECORD_SIZE(max_frames, stack_bytes) \
	(sizeof(struct kstack_snap_thread) + 8u * (max_frames) + \
	 (((stack_bytes) + 7u) & ~7u) + sizeof(struct kstack_snap_catch) + \
	 sizeof(struct kstack_snap_tail))

struct kstack_catch_running {
	struct kstack_hdr hdr;
	kstack_u64 tid;		/* in: thread id (the caller's pid namespace) */
	kstack_u64 record;	/* in: Linux: user buffer of record_size bytes */
	kstack_u32 record_size;	/* in: bytes at record */
	kstack_u32 max_frames;	/* in: 1 .. KSTACK_FRAMES_MAX */
	kstack_u32 stack_bytes;	/* in: user stack to copy, 0 .. KSTACK_CATCH_STACK_MAX */
	kstack_u32 flags;	/* in: 0 */
	kstack_u32 how;		/* out: KSTACK_CATCH_* */
	kstack_u32 tries;	/* out: calls sent to a CPU (0 .. 2) */
	kstack_u32 rec_size;	/* out: bytes of the record; with -ENOSPC: bytes needed */
	kstack_u32 reserved;	/* in: 0 */
};

/*
 * LOCK_WAIT (Linux): what a sleeping thread waits for in the kernel and
 * who holds it: for a thread asleep in __mutex_lock, rwsem_down_*_slowpath
 * or __down* (kind MUTEX, RWSEM, SEMAPHORE), the waiter record on its own
 * stack, found and checked both ways (the record's task is this thread; its
 * wait list leads to a lock whose address the thread's stack holds, and
 * that lock's list holds the record), and the lock's owner: a mutex's
 * owner, a writer-owned rw_semaphore's owner (read-held: READERS); a
 * semaphore has none. For a thread asleep in flock(2) or fcntl(F_SETLKW,
 * F_OFD_SETLKW) (kind FILE), the request its wait queue entry is queued on
 * and that request's fl_blocker: the blocking lock's address and its
 * process (fl_pid). Every read is copy_from_kernel_nofault(), inside one
 * quiet moment of the thread (its context-switch counts the same before
 * and after, or EAGAIN). The waiter layouts that are not in the kernel's
 * exported headers (struct mutex_waiter, rwsem_waiter, semaphore_waiter:
 * kernel/locking/) are checked at load on locks the driver takes itself,
 * and a kind whose check failed is never looked at (EOPNOTSUPP; checked
 * says which passed). Under lockdown it answers too: addresses and thread
 * ids, no memory contents. The caller needs the access /proc/PID/stack
 * needs: EPERM. Errors: ESRCH no such thread; EBUSY on a CPU; EAGAIN it ran
 * while it was looked at; ENOENT no waiter record of that kind (it waits
 * for something else); EINVAL unknown kind.
 */
#define KSTACK_LOCK_ANY		0u	/* in: each kind in turn */
#define KSTACK_LOCK_MUTEX	1u	/* struct mutex */
#define KSTACK_LOCK_RWSEM	2u	/* struct rw_semaphore */
#define KSTACK_LOCK_SEMAPHORE	3u	/* struct semaphore */
#define KSTACK_LOCK_FILE	4u	/* struct file_lock: the request's blocker */

/* kstack_lock_wait.flags (out) */
#define KSTACK_LW_OWNER		(1u << 0)	/* owner_tid names the holder */
#define KSTACK_LW_READERS	(1u << 1)	/* read-held: no one owner */
#define KSTACK_LW_NO_OWNER	(1u << 2)	/* none recorded: a semaphore, a mutex between owners */
#define KSTACK_LW_OWNER_HIDDEN	(1u << 3)	/* the owner is not in the caller's pid namespace */
#define KSTACK_LW_OWNER_GONE	(1u << 4)	/* the owner recorded is no live task */
#define KSTACK_LW_WRITE		(1u << 5)	/* waits to write (rwsem), exclusive (file) */
#define KSTACK_LW_OFD		(1u << 6)	/* FILE: the blocker is an OFD lock (owned by a file) */
#define KSTACK_LW_FLOCK		(1u << 7)	/* FILE: the blocker is a flock(2) lock */

/* kstack_lock_wait.checked: 1 << KSTACK_LOCK_* whose layout passed at load */

struct kstack_lock_wait {
	struct kstack_hdr hdr;
	kstack_u64 tid;		/* in: the waiting thread */
	kstack_u32 kind;	/* in: KSTACK_LOCK_* its frames show (ANY: each); out: found */
	kstack_u32 flags;	/* out: KSTACK_LW_* */
	kstack_u64 lock;	/* out: the lock's address (FILE: the blocking file_lock's) */
	kstack_u64 owner_tid;	/* out: KSTACK_LW_OWNER: the holder (FILE: its process) */
	kstack_u64 waiter;	/* out: the waiter record's address (on the thread's stack) */
	kstack_u32 checked;	/* out: the kinds whose layouts passed the load-time check */
	kstack_u32 reserved;	/* in: 0 */
};

/*
 * Command numbers, shared by both transports.
 *
 * Linux: every request first checks its caller, not whoever opened the
 * device: EPERM without CAP_SYS_ADMIN at the time of the call (an fd kept
 * across a drop of privileges or passed to another process is refused).
 * Requests about one thread (THREAD_CONTEXT, STACK, SNAPSHOT of a pid,
 * READ_MEMORY of a thread's stack, CATCH_RUNNING: before any CPU is
 * asked) also need the access /proc/PID/stack
 * needs (ptrace_may_access, PTRACE_MODE_ATTACH_FSCREDS): EPERM; a
 * whole-system SNAPSHOT leaves such threads out (counted in nr_skipped,
 * and apart in nr_denied).
 * Under kernel lockdown (confidentiality) READ_MEMORY and RAW snapshots
 * are refused with EPERM, as /proc/kcore is; frames, names and contexts
 * (THREAD_CONTEXT's fp then 0: it is a word of the stack) are still served.
 */
#define KSTACK_NR_VERSION		1
#define KSTACK_NR_READ_MEMORY		2
#define KSTACK_NR_THREAD_CONTEXT	3
#define KSTACK_NR_STACK			4
#define KSTACK_NR_SNAPSHOT		5
#define KSTACK_NR_SYMBOLIZE		6
#define KSTACK_NR_KERNEL_INFO		7
#define KSTACK_NR_MODULE_ORC		8
#define KSTACK_NR_USER_MAPS		9
#define KSTACK_NR_CATCH_RUNNING		10
#define KSTACK_NR_LOCK_WAIT		11

#if defined(_WIN32)
/*
 * FILE_READ_ACCESS, never FILE_ANY_ACCESS: the I/O manager then checks the
 * handle was opened for reading. Needs CTL_CODE (winioctl.h or ntddk.h).
 */
#define KSTACK_WIN_DEVICE_TYPE	0x8000u	/* customer range; FILE_DEVICE_UNKNOWN is 0x22 */
#define KSTACK_CTL(nr) \
	CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + (nr), METHOD_BUFFERED, FILE_READ_ACCESS)
#define KSTACK_IOCTL_VERSION		KSTACK_CTL(KSTACK_NR_VERSION)
#define KSTACK_IOCTL_READ_MEMORY	KSTACK_CTL(KSTACK_NR_READ_MEMORY)
#define KSTACK_IOCTL_THREAD_CONTEXT	KSTACK_CTL(KSTACK_NR_THREAD_CONTEXT)
#define KSTACK_IOCTL_STACK		KSTACK_CTL(KSTACK_NR_STACK)
#define KSTACK_IOCTL_SNAPSHOT		KSTACK_CTL(KSTACK_NR_SNAPSHOT)
#define KSTACK_IOCTL_SYMBOLIZE		KSTACK_CTL(KSTACK_NR_SYMBOLIZE)
#else
#define KSTACK_IOC_MAGIC	'k'
#define KSTACK_IOCTL_VERSION \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_VERSION, struct kstack_version)
#define KSTACK_IOCTL_READ_MEMORY \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_READ_MEMORY, struct kstack_read_memory)
#define KSTACK_IOCTL_THREAD_CONTEXT \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_THREAD_CONTEXT, struct kstack_thread_context)
#define KSTACK_IOCTL_STACK \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_STACK, struct kstack_stack)
#define KSTACK_IOCTL_SNAPSHOT \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_SNAPSHOT, struct kstack_snapshot)
#define KSTACK_IOCTL_SYMBOLIZE \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_SYMBOLIZE, struct kstack_symbolize)
#define KSTACK_IOCTL_KERNEL_INFO \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_KERNEL_INFO, struct kstack_kernel_info)
#define KSTACK_IOCTL_MODULE_ORC \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_MODULE_ORC, struct kstack_module_orcs)
#define KSTACK_IOCTL_USER_MAPS \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_USER_MAPS, struct kstack_user_maps)
#define KSTACK_IOCTL_CATCH_RUNNING \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_CATCH_RUNNING, struct kstack_catch_running)
#define KSTACK_IOCTL_LOCK_WAIT \
	_IOWR(KSTACK_IOC_MAGIC, KSTACK_NR_LOCK_WAIT, struct kstack_lock_wait)
#endif

/*
 * Layout checks: compile-time, in every translation unit on every target
 * (x86_64, i386, mingw x64/x86, kernel), so a layout drift cannot ship.
 */
#define KSTACK_ASSERT(name, cond) \
	typedef char kstack_assert_##name[(cond) ? 1 : -1]
KSTACK_ASSERT(hdr, sizeof(struct kstack_hdr) == 8);
KSTACK_ASSERT(version, sizeof(struct kstack_version) == 144);
KSTACK_ASSERT(read_memory, sizeof(struct kstack_read_memory) == 32);
KSTACK_ASSERT(thread_context, sizeof(struct kstack_thread_context) == 112);
KSTACK_ASSERT(stack, sizeof(struct kstack_stack) == 72);
KSTACK_ASSERT(snapshot, sizeof(struct kstack_snapshot) == 80);
KSTACK_ASSERT(user_regs, sizeof(struct kstack_user_regs) == 168);
KSTACK_ASSERT(ret_fixup, sizeof(struct kstack_ret_fixup) == 16);
KSTACK_ASSERT(snap_tail, sizeof(struct kstack_snap_tail) == 184);
KSTACK_ASSERT(snap_thread, sizeof(struct kstack_snap_thread) == 112);
KSTACK_ASSERT(symbolize, sizeof(struct kstack_symbolize) == 32);
KSTACK_ASSERT(kernel_info, sizeof(struct kstack_kernel_info) == 120);
KSTACK_ASSERT(module_orc, sizeof(struct kstack_module_orc) == 96);
KSTACK_ASSERT(module_orcs, sizeof(struct kstack_module_orcs) == 24);
KSTACK_ASSERT(user_map, sizeof(struct kstack_user_map) == 48);
KSTACK_ASSERT(user_maps, sizeof(struct kstack_user_maps) == 64);
KSTACK_ASSERT(snap_catch, sizeof(struct kstack_snap_catch) == 32);
KSTACK_ASSERT(catch_running, sizeof(struct kstack_catch_running) == 56);
KSTACK_ASSERT(lock_wait, sizeof(struct kstack_lock_wait) == 56);

#endif /* KSTACK_KSTACK_IOCTL_H */
