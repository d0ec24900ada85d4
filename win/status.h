/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* kstack status: is the driver there, what can it do, does READ_MEMORY work. */
#ifndef KSTACK_WIN_STATUS_H
#define KSTACK_WIN_STATUS_H

/* Returns KS_EXIT_OK when the driver answers, KS_EXIT_FAILED otherwise. */
int ks_status(void);

#endif
