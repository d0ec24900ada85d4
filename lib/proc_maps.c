// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_maps.h"

/* Slurp a /proc file (its size is unknown until read). */
static struct ks_error *read_all(const char *path, char **text_ret)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap), *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		int e = fd < 0 ? errno : ENOMEM;

		free(buf);
		if (fd >= 0)
			close(fd);
		return ks_error_format(e == ENOENT ? ESRCH : e, "%s: %s", path, strerror(e));
	}
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				close(fd);
				return &ks_error_nomem;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			return ks_error_format(e == ESRCH ? ESRCH : e, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*text_ret = buf;
	return NULL;
}

/*
 * The kernel writes a path's newlines as "\012" (show_map_vma():
 * seq_file_path(m, file, "\n")); give them back, in place. (A name that
 * holds a real "\012" reads the same: the format cannot tell.)
 */
static void unmangle_path(char *p)
{
	char *w = p;

	for (; *p; p++) {
		if (!strncmp(p, "\\012", 4)) {
			*w++ = '\n';
			p += 3;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

/*
 * One number in base 16 or 10 at *p, ended by stop (or, for a space, by
 * the end of the line); *p moves past stop.
 * By hand, not sscanf(): a process of thousands of threads has thousands
 * of lines, and glibc's scanf machinery was most of a whole-system run.
 */
static bool parse_num(char **p, unsigned int base, char stop, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int d;

	for (; *s != stop && !(stop == ' ' && !*s); s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	if (s == *p)
		return false;
	*out = v;
	*p = (char *)s + (*s ? 1 : 0);
	return true;
}

static bool parse_line(char *line, struct ks_map *m)
{
	static const char deleted[] = " (deleted)";
	uint64_t major, minor;
	char *p = line, *perms;
	size_t len;

	if (!parse_num(&p, 16, '-', &m->start) || !parse_num(&p, 16, ' ', &m->end) ||
	    m->end < m->start)
		return false;
	perms = p;
	if (strnlen(perms, 5) < 5 || perms[4] != ' ')
		return false;
	p += 5;
	if (!parse_num(&p, 16, ' ', &m->offset) || !parse_num(&p, 16, ':', &major) ||
	    !parse_num(&p, 16, ' ', &minor) || !parse_num(&p, 10, ' ', &m->ino) ||
	    major > UINT32_MAX || minor > UINT32_MAX)
		return false;
	m->dev_major = (uint32_t)major;
	m->dev_minor = (uint32_t)minor;
	m->readable = perms[0] == 'r';
	m->exec = perms[2] == 'x';
	/* the path is padded to a column with spaces; none: a space ends the line */
	while (*p == ' ')
		p++;
	m->path = p;
	unmangle_path(p);
	len = strlen(m->path);
	m->deleted = len > sizeof(deleted) - 1 &&
		     !strcmp(m->path + len - (sizeof(deleted) - 1), deleted);
	if (m->deleted)
		p[len - (sizeof(deleted) - 1)] = '\0';
	return true;
}

struct ks_error *ks_maps_parse(struct ks_maps *m, char *text)
{
	size_t lines = 0, i = 0;
	char *p, *nl;

	memset(m, 0, sizeof(*m));
	m->text = text;
	for (p = text; *p; p++)
		lines += *p == '\n';
	m->v = calloc(lines + 1, sizeof(*m->v));
	if (!m->v)
		return &ks_error_nomem;
	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;	/* last line without '\n' */
		else
			*nl = '\0';
		if (*p && !parse_line(p, &m->v[i]))
			return ks_error_format(EPROTO, "maps: cannot parse line %zu", i + 1);
		if (*p)
			i++;
		if (!nl[1])
			break;
	}
	m->n = i;
	return NULL;
}

struct ks_error *ks_maps_read(struct ks_maps *m, const char *proc, uint64_t pid)
{
	char path[64], *text = NULL;
	struct ks_error *err;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/%" PRIu64 "/maps", proc ? proc : "/proc", pid);
	err = read_all(path, &text);
	if (err)
		return err;
	err = ks_maps_parse(m, text);
	return err ? ks_error_wrap(err, "process %" PRIu64, pid) : NULL;
}

const struct ks_map *ks_maps_find(const struct ks_maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	/* the last mapping starting at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= m->v[lo - 1].end)
		return NULL;
	return &m->v[lo - 1];
}

void ks_maps_fini(struct ks_maps *m)
{
	free(m->v);
	free(m->text);
	memset(m, 0, sizeof(*m));
}
