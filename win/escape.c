// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Output escaping for kstack.exe (escape.h: the policy, and why it differs from Linux). */
#include <string.h>

#include "escape.h"

/*
 * Length of the well-formed UTF-8 sequence at s (2..4), or 0: shortest
 * form only, no surrogates, nothing above U+10FFFF (Unicode 15, table
 * 3-7). *cp gets the code point.
 */
static size_t utf8_seq(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* <= U+10FFFF */
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		unsigned char b = s[i];

		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
			return 0;
		*cp = *cp << 6 | (b & 0x3f);
	}
	return n;
}

/* Code points that act on the terminal or the direction of the text. */
static int cp_is_control(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Appends piece (n bytes) whole or not at all; always counts it. */
static void put(char *out, size_t size, size_t *pos, size_t *cut,
		const char *piece, size_t n)
{
	if (!*cut && size && *pos + n < size)
		memcpy(out + *pos, piece, n);
	else
		*cut = 1;	/* nothing after a cut: no hole in the middle */
	*pos += n;
}

size_t ks_escape(const char *s, size_t len, char *out, size_t size)
{
	return ks_escape_flags(s, len, out, size, 0);
}

size_t ks_escape_flags(const char *s, size_t len, char *out, size_t size,
		       unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t pos = 0, cut = 0, i = 0, n, k, written = 0;
	unsigned long cp;
	char esc[4];

	while (i < len) {
		unsigned char c = u[i];

		if (c >= 0x20 && c < 0x7f && (c != '\\' || (flags & KS_ESC_PATH))) {
			put(out, size, &pos, &cut, (const char *)u + i, 1);
			i++;
		} else if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			put(out, size, &pos, &cut, esc, 2);
			i++;
		} else if (c >= 0x80 && (n = utf8_seq(u + i, len - i, &cp)) &&
			   !cp_is_control(cp)) {
			put(out, size, &pos, &cut, (const char *)u + i, n);
			i += n;
		} else {
			/* A control, DEL, or a sequence we refuse: byte by byte. */
			n = c >= 0x80 && utf8_seq(u + i, len - i, &cp) ?
				utf8_seq(u + i, len - i, &cp) : 1;
			for (k = 0; k < n; k++) {
				esc[0] = '\\';
				esc[1] = 'x';
				esc[2] = hex[u[i + k] >> 4];
				esc[3] = hex[u[i + k] & 0xf];
				put(out, size, &pos, &cut, esc, 4);
			}
			i += n;
		}
		if (!cut)
			written = pos;
	}
	if (size)
		out[written < size ? written : size - 1] = '\0';
	return pos;
}

static const char *esc_buf(struct ks_esc_buf *b, const char *s, unsigned flags)
{
	size_t need, len = strlen(s);

	need = ks_escape_flags(s, len, b->s, sizeof(b->s), flags);
	if (need >= sizeof(b->s)) {
		/* Cut: redo with room for the marker, so "..." is never lost. */
		ks_escape_flags(s, len, b->s, sizeof(b->s) - 3, flags);
		strcat(b->s, "...");
	}
	return b->s;
}

const char *ks_esc(struct ks_esc_buf *b, const char *s)
{
	return esc_buf(b, s, 0);
}

const char *ks_esc_path(struct ks_esc_buf *b, const char *s)
{
	return esc_buf(b, s, KS_ESC_PATH);
}
