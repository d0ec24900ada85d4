/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Escaping strings that come from outside the tool (thread names, module
 * and symbol names, file paths) before they reach a terminal or a file, so
 * that a name cannot break a line in two, move the cursor or recolour the
 * terminal ("\033[31m").
 *
 * The convention, one byte at a time (the kernel's string_escape_mem()
 * with ESCAPE_SPACE | ESCAPE_OCTAL, the form /proc/PID/status and
 * /proc/PID/mountinfo readers already know):
 *   0x20..0x7e except '\'   kept as is (space included: ps shows it too)
 *   '\' (0x5c)              "\\"
 *   \t \n \v \f \r          "\t" "\n" "\v" "\f" "\r"
 *   every other byte        "\ooo", three octal digits: NUL, the other
 *                           control bytes, DEL (0x7f) and every byte >= 0x80
 * Bytes >= 0x80 are escaped one by one, so UTF-8 "é" (c3 a9) prints as
 * "\303\251": the output is plain ASCII whatever the input, and a reader
 * gets the bytes back unambiguously (a '\' always starts an escape, and an
 * octal escape always has three digits).
 *
 * kstack.exe escapes by the same policy, with differences that
 * win/escape.h explains: '\' passes in Windows paths, bytes are \xHH, and
 * well-formed UTF-8 passes there (Windows names are UTF-16 text).
 */
#ifndef KSTACK_ESCAPE_H
#define KSTACK_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Room for the escaped form of n bytes and its NUL: each byte at most "\ooo". */
#define KS_ESCAPE_SIZE(n)	(4 * (size_t)(n) + 1)

/* Does any of the len bytes need escaping? (Clean names skip the copy.) */
bool ks_escape_needed(const char *src, size_t len);

/*
 * The escaped form of len bytes of src (NULs included) into dst, of cap
 * bytes. Returns the length of the whole escaped form (without its NUL),
 * as snprintf does; when that is >= cap the text was cut, and dst holds
 * only whole escapes (never half of one), NUL-terminated if cap > 0.
 */
size_t ks_escape(char *dst, size_t cap, const char *src, size_t len);

/* The same for a NUL-terminated string. */
size_t ks_escape_str(char *dst, size_t cap, const char *src);

/* Write the escaped form of len bytes of src to out. */
void ks_escape_write(FILE *out, const char *src, size_t len);

#endif
