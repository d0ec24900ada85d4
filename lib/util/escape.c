// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "escape.h"

static bool ks_escape_keep(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e && c != '\\';
}

bool ks_escape_needed(const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!ks_escape_keep((unsigned char)src[i]))
			return true;
	return false;
}

/* c's escape into out (room for 4); returns its length. */
static size_t ks_escape_one(char *out, unsigned char c)
{
	static const char named[] = "\\\\t\tn\nv\vf\fr\r";	/* letter, byte */
	size_t i;

	if (ks_escape_keep(c)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	for (i = 0; i < sizeof(named) - 1; i += 2) {
		if ((unsigned char)named[i + 1] == c) {
			out[1] = named[i];
			return 2;
		}
	}
	out[1] = (char)('0' + (c >> 6));
	out[2] = (char)('0' + ((c >> 3) & 7));
	out[3] = (char)('0' + (c & 7));
	return 4;
}

size_t ks_escape(char *dst, size_t cap, const char *src, size_t len)
{
	size_t total = 0, used = 0, i;
	bool cut = false;
	char e[4];

	for (i = 0; i < len; i++) {
		size_t n = ks_escape_one(e, (unsigned char)src[i]);

		total += n;
		if (cut || used + n >= cap) {	/* keep room for the NUL */
			cut = true;
			continue;
		}
		memcpy(dst + used, e, n);
		used += n;
	}
	if (cap)
		dst[used] = '\0';
	return total;
}

size_t ks_escape_str(char *dst, size_t cap, const char *src)
{
	return ks_escape(dst, cap, src, strlen(src));
}

void ks_escape_write(FILE *out, const char *src, size_t len)
{
	char e[4];
	size_t i;

	if (!ks_escape_needed(src, len)) {
		fwrite(src, 1, len, out);
		return;
	}
	for (i = 0; i < len; i++)
		fwrite(e, 1, ks_escape_one(e, (unsigned char)src[i]), out);
}
