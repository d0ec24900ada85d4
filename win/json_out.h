/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A small streaming JSON writer for kstack.exe's --format json: mingw has
 * no JSON library packaged (kstack on Linux uses jansson), and the
 * document is simple. Laid out as the Linux tool's (jansson's
 * JSON_INDENT(1)): each member or element on a line of its own, one space
 * a level. Every string is escaped as doc/kstack-report.schema.json
 * says strings from outside are: printable ASCII kept, '\' and every
 * other byte as \xNN (lowercase hex); then JSON's own escapes ('"', '\'),
 * so the document is plain ASCII. Plain C, no Windows headers
 * (tests/wine/host/test_json_out.c).
 */
#ifndef KSTACK_WIN_JSON_OUT_H
#define KSTACK_WIN_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

#define KS_JSON_DEPTH 8

struct ks_json {
	FILE *f;
	int level;			/* containers open */
	int more[KS_JSON_DEPTH + 1];	/* the open container at each level has an entry */
};

/*
 * key: the member's name in an open object (this program's own ASCII
 * names, written as they are), NULL for an array's element.
 */
void ks_json_open(struct ks_json *j, const char *key, char bracket);	/* '{' or '[' */
void ks_json_close(struct ks_json *j, char bracket);			/* '}' or ']' */
void ks_json_str(struct ks_json *j, const char *key, const char *s);
void ks_json_strn(struct ks_json *j, const char *key, const char *s, size_t len);
void ks_json_uint(struct ks_json *j, const char *key, unsigned long long v);
/* "0x" and 16 hex digits: a JSON number loses 64-bit addresses in most readers */
void ks_json_hex(struct ks_json *j, const char *key, unsigned long long v);
void ks_json_bool(struct ks_json *j, const char *key, int v);
void ks_json_null(struct ks_json *j, const char *key);

/* The escaped, quoted form of len bytes of s, to f (the string's body and quotes). */
void ks_json_write_string(FILE *f, const char *s, size_t len);

#endif
