/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Escaping strings from outside kstack.exe (process and module names,
 * symbol names, thread descriptions, paths, the driver's release text)
 * before they reach a terminal or a file.
 *
 * One policy for both tools (kstack on Linux: lib/util/escape.h; README.md
 * says it for users): every string from outside is escaped in every output, so a
 * name cannot move the cursor, colour the screen, start a new line or pass
 * for the tool's own output; printable ASCII passes, '\' doubles (a '\'
 * then always starts an escape, and the input can be recovered exactly),
 * \n \r \t print as those two characters, and every other control byte
 * and DEL is escaped. What differs, and why:
 *  - paths (ks_esc_path, KS_ESC_PATH): '\' passes as is. It is the
 *    separator of every Windows path, which doubled ("C:\\Windows") could
 *    not be pasted back; a '\' moves no cursor, so the output stays
 *    inert, only no longer reversible. Linux paths use '/': kstack needs
 *    no such mode.
 *  - an escaped byte is \xHH here, \ooo (three octal digits) on Linux:
 *    there the form is the kernel's string_escape_mem(), the one
 *    /proc/PID/status and mountinfo print and their readers decode;
 *    Windows has no such convention, and \xHH is C's.
 *  - well-formed UTF-8 passes here, and Linux escapes every byte >= 0x80:
 *    Windows keeps names as UTF-16, converted here to UTF-8, so they are
 *    text in a known encoding and non-English names are common; a Linux
 *    name is bytes of no stated encoding (a thread's comm is cut at 15
 *    bytes, even inside a character). Code points that act on a terminal
 *    or on the direction of the text are escaped byte by byte: C1
 *    controls U+0080..U+009F (U+009B is CSI on 8-bit terminals),
 *    U+2028/2029 (line breaks), the bidirectional embeddings, overrides
 *    and isolates U+202A..U+202E and U+2066..U+2069; and so is every byte
 *    of a sequence that is not well-formed UTF-8 (dbghelp's ANSI names).
 * The output is therefore printable ASCII plus harmless UTF-8
 * (tests/wine/host/test_escape.c checks every byte, every pair of bytes
 * and the round trip). Plain C, no Windows headers.
 */
#ifndef KSTACK_WIN_ESCAPE_H
#define KSTACK_WIN_ESCAPE_H

#include <stddef.h>

/*
 * Escapes len bytes of s into out (size bytes, NUL-terminated whenever
 * size > 0; never ends inside an escape or a UTF-8 sequence). Returns the
 * length the whole escaped string needs, without the NUL, as snprintf
 * does: a result >= size means it was cut.
 */
size_t ks_escape(const char *s, size_t len, char *out, size_t size);

/*
 * The same for a path: '\' is the separator there and passes as is (the
 * output is then not always reversible, but still inert: every control
 * is escaped).
 */
#define KS_ESC_PATH	1u
size_t ks_escape_flags(const char *s, size_t len, char *out, size_t size,
		       unsigned flags);

/*
 * Room for one escaped string in a message. Symbol names are at most
 * 2000 bytes (MAX_SYM_NAME), paths MAX_PATH; a longer escaped form is cut
 * at an escape boundary and ends in "...".
 */
#define KS_ESC_BUF_SIZE	8192u
struct ks_esc_buf {
	char s[KS_ESC_BUF_SIZE];
};

/*
 * The NUL-terminated s escaped into *b, for use as a printf argument:
 * returns b->s. The caller owns the buffer, so any number of escaped
 * strings can share one printf (one buffer each) and any thread may call.
 */
const char *ks_esc(struct ks_esc_buf *b, const char *s);
/* ks_esc for paths (KS_ESC_PATH). */
const char *ks_esc_path(struct ks_esc_buf *b, const char *s);

#endif
