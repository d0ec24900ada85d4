/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text output as kstack.exe prints it (plus each function's size), one
 * frame a line:
 *   ffffffff9c05271d : vmlinux!__schedule+0x2dd/0x960
 *   ffffffffc0a1b2c3 : kvm!kvm_vcpu_block+0x4c/0xa0
 *   ffffffff9c0f0001 : ? vmlinux!foo+0x11/0x40      (unreliable frame)
 * and the kernel's /proc/PID/stack form (%pB) used for comparisons:
 *   __schedule+0x2dd/0x960 [kvm]
 * Symbol and module names are escaped (escape.h): a module chose them.
 */
#ifndef KSTACK_OUTPUT_H
#define KSTACK_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"
#include "unwind.h"

/* "owner!sym+0xoff/0xsize" or "[unknown]"; exact: ip is not a return address. */
void ks_format_symbol(char *buf, size_t len, const struct ks_ksyms *ks, uint64_t ip,
		      bool exact);

/* "addr : [? ]owner!sym+0xoff/0xsize" */
void ks_format_frame(char *buf, size_t len, const struct ks_ksyms *ks, uint64_t ip,
		     bool exact, bool reliable);

/* As /proc/PID/stack prints a frame after "[<0>] " (kernel %pB). */
void ks_format_proc(char *buf, size_t len, const struct ks_ksyms *ks, uint64_t ip);

/* Letter for a Linux task state (task->__state), as ps shows it. */
char ks_task_state_letter(uint32_t state);

#endif
