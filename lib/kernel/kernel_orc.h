/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding and loading a running kernel's ORC tables: vmlinux's where the
 * driver's KERNEL_INFO (or /proc/kallsyms' __start/__stop_orc_unwind(_ip))
 * says, each module's where the driver's MODULE_ORC says, all read through
 * a memory-read callback (the driver's READ_MEMORY).
 */
#ifndef KSTACK_KERNEL_ORC_H
#define KSTACK_KERNEL_ORC_H

#include "kstack/kstack_ioctl.h"
#include "ksyms.h"
#include "orc_table.h"
#include "unwind.h"

struct ks_kernel_orc_opts {
	enum ks_orc_layout layout;	/* from the driver / kernel version */
	ks_read_fn *read;
	void *ctx;
	const struct ks_ksyms *ksyms;	/* vmlinux table bounds, if no kinfo */
	/* the driver's KERNEL_INFO: vmlinux read on demand, no kallsyms needed */
	const struct kstack_kernel_info *kinfo;
	/* the driver's MODULE_ORC entries; NULL: a driver without it */
	const struct kstack_module_orc *modules;
	size_t nr_modules;
	/* Notes that do not stop the load ("module x has no ORC tables"). */
	void (*note)(void *note_ctx, const char *msg);
	void *note_ctx;
};

/* vmlinux (required) and every module that has tables (best effort). */
struct ks_error *ks_kernel_orc_load(const struct ks_kernel_orc_opts *opts,
				    struct ks_orc_set *set);

/*
 * The layout of this kernel: the driver's report (0 if unknown) checked
 * against the kernel version (uname release such as "6.1.0-26-amd64").
 * Disagreement or an unknown version is an error: no guessing.
 */
struct ks_error *ks_kernel_orc_layout(uint32_t driver_layout, const char *release,
				      enum ks_orc_layout *ret);

#endif
