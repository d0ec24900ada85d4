/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel lockdown as the tool meets it. Under lockdown=confidentiality the
 * driver refuses to read kernel memory (READ_MEMORY, RAW snapshots: EPERM,
 * as /proc/kcore is refused) but still unwinds in the kernel (STACK,
 * SNAPSHOT frames), names addresses (SYMBOLIZE) and gives contexts: the
 * tool then cannot walk a stack itself and shows the kernel's frames.
 */
#ifndef KSTACK_LOCKDOWN_H
#define KSTACK_LOCKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "kdriver.h"

/*
 * Does the driver refuse to read kernel memory it would otherwise give
 * (a few bytes of core kernel text, whose bounds KERNEL_INFO gives)?
 */
bool ks_memory_refused(struct ks_driver *drv);

/*
 * The level /sys/kernel/security/lockdown marks ("integrity",
 * "confidentiality", "none") into buf; false when it cannot be read
 * (securityfs not mounted, no lockdown LSM).
 */
bool ks_lockdown_level(char *buf, size_t len);

#endif
