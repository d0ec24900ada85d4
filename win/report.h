/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* kstack PID [-t TID]: find, walk, symbolize and print every thread. */
#ifndef KSTACK_WIN_REPORT_H
#define KSTACK_WIN_REPORT_H

#include "options.h"

/* Returns a KS_EXIT_* code. */
int ks_report(const struct ks_options *opt);

#endif
