/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A whole file into memory: for /proc and /sys files, whose size is not
 * known until they are read (stat says 0), and for kallsyms files named on
 * the command line. One reader for every such file (kallsyms, maps).
 */
#ifndef KSTACK_READ_FILE_H
#define KSTACK_READ_FILE_H

#include <stddef.h>

#include "ks_error.h"

/*
 * The file at path read to its end into a malloc'd buffer (*text_ret, the
 * caller's to free), NUL-terminated after its *len_ret bytes. first: the
 * buffer's first size in bytes (it doubles from there); max: the most
 * bytes read (0: no bound), a longer file is an EFBIG error. Errors name
 * the path: open()'s errno ("PATH: why"), read()'s ("reading PATH: why"),
 * EFBIG ("PATH: more than N bytes"), or no memory; nothing to free then.
 */
struct ks_error *ks_read_file(const char *path, size_t first, size_t max, char **text_ret,
			      size_t *len_ret);

#endif
