/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of /dev/kstack (driver/linux): one function per ioctl of
 * include/kstack/kstack_ioctl.h, errors as values with errno and a message
 * that says what to do (load the module, run as root).
 */
#ifndef KSTACK_KDRIVER_H
#define KSTACK_KDRIVER_H

/*
 * Why the driver refuses a thread the caller may not trace (EPERM): the
 * words of every "permission denied (...)" the tool prints.
 */
#define KS_DENIED_WHY "not allowed to trace it: kstack checks ptrace access as /proc/PID/stack does"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kstack/kstack_ioctl.h"
#include "ks_error.h"

struct ks_driver {
	int fd;
	struct kstack_version version;
};

/* Open the device (path NULL: /dev/kstack) and ask its VERSION. */
struct ks_error *ks_driver_open(struct ks_driver *drv, const char *path);
void ks_driver_close(struct ks_driver *drv);

/* Read len bytes at a kernel address, in KSTACK_READ_MAX chunks. */
struct ks_error *ks_driver_read(struct ks_driver *drv, uint64_t addr, void *buf, size_t len);

/* Matches ks_read_fn: ctx is a struct ks_driver *. */
struct ks_error *ks_driver_read_cb(void *ctx, uint64_t addr, void *buf, size_t len);

/* Saved context of a sleeping thread. ESRCH: no such thread; EBUSY: running. */
struct ks_error *ks_driver_thread_context(struct ks_driver *drv, uint64_t tid,
					  struct kstack_thread_context *ret);

/*
 * The kernel's own unwind of a sleeping thread: up to max frames into
 * frames[]; *req_ret gets the filled request (counts, flags).
 */
struct ks_error *ks_driver_stack(struct ks_driver *drv, uint64_t tid, uint64_t *frames,
				 uint32_t max, struct kstack_stack *req_ret);

/* Core kernel text/ORC bounds (Linux driver; ENOTTY from older drivers). */
struct ks_error *ks_driver_kernel_info(struct ks_driver *drv, struct kstack_kernel_info *ret);

/*
 * Is addr kernel text as the kernel's unwinder sees it (core, modules, BPF,
 * ftrace and kprobe trampolines: SYMBOLIZE with KSTACK_SYM_TEXT)? False
 * also when the driver cannot tell (older driver, EOPNOTSUPP).
 */
bool ks_driver_is_text(struct ks_driver *drv, uint64_t addr);

/*
 * Every loaded module's ORC table location (MODULE_ORC): *ret (malloc'd,
 * the caller frees) gets *nr_ret entries. ENOTSUP from a driver without
 * KSTACK_CAP_MODULE_ORC.
 */
struct ks_error *ks_driver_module_orc(struct ks_driver *drv, struct kstack_module_orc **ret,
				      size_t *nr_ret);

/*
 * Name n (<= KSTACK_SYM_MAX) addresses in the kernel: "name+0xoff/0xsize
 * [module]" or "" each. retaddr: return addresses (looked up at addr - 1).
 */
struct ks_error *ks_driver_symbolize(struct ks_driver *drv, const uint64_t *addrs, uint32_t n,
				     bool retaddr, char (*names)[KSTACK_SYM_LEN]);

#endif
