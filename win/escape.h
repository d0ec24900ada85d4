/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Escaping strings from outside kstack.exe (process and module names,
 * symbol names, thread descriptions, paths, the driver's release text)
 * before they reach a terminal or a file, so a name cannot move the
 * cursor, colour the screen, start a new line or pass for our own output.
 *
 * Printable ASCII passes, except '\' which doubles; \n \r \t print as
 * those two characters; every other byte below 0x20, DEL, and every byte
 * of a sequence that is not well-formed UTF-8 prints as \xHH. Well-formed
 * UTF-8 passes (names are UTF-8 here), except code points that act on
 * the terminal or the text's direction: C1 controls U+0080..U+009F
 * (U+009B is CSI on 8-bit terminals), U+2028/2029 (line breaks), and the
 * bidirectional embeddings/overrides/isolates U+202A..U+202E and
 * U+2066..U+2069, whose bytes print as \xHH. The output is therefore
 * printable ASCII plus harmless UTF-8, and the input can be recovered
 * from it exactly (tests/wine/host/test_escape.c checks every byte and
 * every pair of bytes). Plain C, no Windows headers.
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
 * The NUL-terminated s escaped, in one of 4 static buffers used in turn
 * (so up to 4 may appear in one printf); single-threaded callers only.
 * A string longer than a buffer holds is cut at an escape boundary and
 * ends in "...".
 */
const char *ks_esc(const char *s);
/* ks_esc for paths (KS_ESC_PATH), sharing the same 4 buffers. */
const char *ks_esc_path(const char *s);

#endif
