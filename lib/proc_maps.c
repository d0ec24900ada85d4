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

static bool parse_line(char *line, struct ks_map *m)
{
	static const char deleted[] = " (deleted)";
	char perms[8];
	int n = -1;
	size_t len;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &m->start, &m->end, perms, &m->offset, &m->dev_major, &m->dev_minor,
		   &m->ino, &n) < 7 || n < 0 || m->end < m->start || strlen(perms) < 3)
		return false;
	m->readable = perms[0] == 'r';
	m->exec = perms[2] == 'x';
	m->path = line + n;
	unmangle_path(line + n);
	len = strlen(m->path);
	m->deleted = len > sizeof(deleted) - 1 &&
		     !strcmp(m->path + len - (sizeof(deleted) - 1), deleted);
	if (m->deleted)
		line[n + len - (sizeof(deleted) - 1)] = '\0';
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
