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
 *           (as in the seed). The u64 buffer fields are ignored there.
 *
 * Errors: Linux returns -errno; Windows an NTSTATUS (Win32 error in
 * GetLastError()). "Buffer too small" is -ENOSPC / STATUS_BUFFER_TOO_SMALL
 * with the needed count written back in the request.
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
 *  V2: v6.3 added a signal bit and moved end/type; v6.4 renumbered types
 *      (UNDEFINED=0 END_OF_STACK=1 CALL=2 REGS=3 REGS_PARTIAL=4).
 * The driver reports what it was built against; the walker checks it too.
 */
#define KSTACK_ORC_NONE		0u
#define KSTACK_ORC_V1		1u
#define KSTACK_ORC_V2_6_3	2u
#define KSTACK_ORC_V3_6_4	3u

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
	kstack_u32 reserved0;
	kstack_u64 self_test_addr;	/* out: a driver-owned region READ_MEMORY allows (tests) */
	kstack_u32 self_test_len;	/* out: its length in bytes */
	kstack_u32 reserved1;
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

/* Command numbers, shared by both transports. */
#define KSTACK_NR_VERSION		1
#define KSTACK_NR_READ_MEMORY		2
#define KSTACK_NR_THREAD_CONTEXT	3
#define KSTACK_NR_STACK			4

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

#endif /* KSTACK_KSTACK_IOCTL_H */
