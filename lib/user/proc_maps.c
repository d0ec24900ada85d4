// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "proc_maps.h"
#include "walk/search.h"
#include "read_file.h"

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

static const char deleted_suffix[] = " (deleted)";

/* A path that ends in " (deleted)" (as the kernel's d_path() writes it): cut, and said. */
static void cut_deleted(struct ks_map *m, char *path)
{
	size_t len = strlen(path), n = sizeof(deleted_suffix) - 1;

	m->deleted = len > n && !strcmp(path + len - n, deleted_suffix);
	if (m->deleted)
		path[len - n] = '\0';
}

static bool parse_line(char *line, struct ks_map *m)
{
	uint64_t major, minor;
	char *p = line, *perms;

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
	cut_deleted(m, p);
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
	size_t len;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/%" PRIu64 "/maps", proc ? proc : "/proc", pid);
	err = ks_read_file(path, 16384, 0, &text, &len);
	if (err) {
		/* a process gone between the listing and the read: ESRCH, as elsewhere */
		if (err->code == ENOENT) {
			ks_error_destroy(err);
			return ks_error_format(ESRCH, "%s: %s", path, strerror(ENOENT));
		}
		return err;
	}
	err = ks_maps_parse(m, text);
	return err ? ks_error_wrap(err, "process %" PRIu64, pid) : NULL;
}

/* The driver's entries into m (names taken over as m's text). */
static struct ks_error *from_entries(struct ks_maps *m, const struct kstack_user_map *v,
				     size_t n, char *names, size_t names_len)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->text = names;
	m->v = calloc(n + 1, sizeof(*m->v));
	if (!m->v)
		return &ks_error_nomem;
	for (i = 0; i < n; i++) {
		struct ks_map *x = &m->v[i];

		if (v[i].end < v[i].start || (i && v[i].start < v[i - 1].end) ||
		    (v[i].name_off != KSTACK_UMAP_NO_NAME &&
		     (v[i].name_off >= names_len || !memchr(names + v[i].name_off, '\0',
							     names_len - v[i].name_off))))
			return ks_error_format(EPROTO, "USER_MAPS: entry %zu does not add up", i);
		*x = (struct ks_map){
			.start = v[i].start, .end = v[i].end, .offset = v[i].offset,
			.ino = v[i].ino, .dev_major = v[i].dev_major, .dev_minor = v[i].dev_minor,
			.readable = v[i].flags & KSTACK_UMAP_READ,
			.exec = v[i].flags & KSTACK_UMAP_EXEC,
			.path = "",
		};
		if (v[i].name_off != KSTACK_UMAP_NO_NAME) {
			x->path = names + v[i].name_off;
			if (v[i].flags & KSTACK_UMAP_FILE)
				cut_deleted(x, names + v[i].name_off);
		}
	}
	m->n = n;
	return NULL;
}

struct ks_error *ks_maps_read_driver(struct ks_maps *m, struct ks_driver *drv, uint64_t pid,
				     const uint64_t *addrs, size_t n)
{
	/* a process's files and named mappings: a few dozen, their paths a few KiB */
	struct kstack_user_maps req = { .max = 128, .names_size = 8192 };
	struct kstack_user_map *v = NULL;
	char *names = NULL;
	struct ks_error *err;
	int tries;

	memset(m, 0, sizeof(*m));
	if (n > KSTACK_USER_MAPS_ADDRS_MAX)
		return ks_error_format(E2BIG, "process %" PRIu64 ": %zu threads to map", pid, n);
	/* the mappings may change between two calls: a bounded number of retries */
	for (tries = 0; tries < 4; tries++) {
		uint32_t max = req.max, names_size = req.names_size;

		free(v);
		free(names);
		v = malloc(max * sizeof(*v));
		names = malloc(names_size);
		if (!v || !names) {
			err = &ks_error_nomem;
			goto fail;
		}
		req = (struct kstack_user_maps){
			.hdr = { .size = sizeof(req), .version = KSTACK_PROTO_VERSION },
			.pid = pid, .addrs = (uint64_t)(uintptr_t)addrs, .nr_addrs = (uint32_t)n,
			.buffer = (uint64_t)(uintptr_t)v, .max = max,
			.names = (uint64_t)(uintptr_t)names, .names_size = names_size,
		};
		if (ioctl(drv->fd, KSTACK_IOCTL_USER_MAPS, &req) == 0) {
			if (req.nr > max || req.names_used > names_size) {
				err = ks_error_format(EPROTO, "USER_MAPS: %u entries, %u bytes of names",
						      req.nr, req.names_used);
				goto fail;
			}
			err = from_entries(m, v, req.nr, names, req.names_used);
			free(v);
			if (err)
				ks_maps_fini(m);
			return err ? ks_error_wrap(err, "process %" PRIu64, pid) : NULL;
		}
		if (errno != ENOSPC) {
			int e = errno;

			err = ks_error_format(e, "process %" PRIu64 ": USER_MAPS: %s", pid, strerror(e));
			goto fail;
		}
		/* room for what is there now, and some more */
		req.max = req.nr > max ? (req.nr + 16 < KSTACK_USER_MAPS_MAX ?
					  req.nr + 16 : KSTACK_USER_MAPS_MAX) : max;
		req.names_size = req.names_used > names_size ?
				 (req.names_used < KSTACK_USER_MAPS_NAMES_MAX / 2 ?
				  req.names_used * 2 : KSTACK_USER_MAPS_NAMES_MAX) : names_size;
	}
	err = ks_error_format(EAGAIN, "process %" PRIu64 ": USER_MAPS: the mappings kept growing",
			      pid);
fail:
	free(v);
	free(names);
	return err;
}

static uint64_t map_start(const void *v, size_t i)
{
	return ((const struct ks_map *)v)[i].start;
}

const struct ks_map *ks_maps_find(const struct ks_maps *m, uint64_t addr)
{
	size_t i;

	/* the last mapping starting at or below addr, if it reaches addr */
	if (!ks_search_last_le(m->v, 0, m->n, addr, map_start, &i) || addr >= m->v[i].end)
		return NULL;
	return &m->v[i];
}

void ks_maps_fini(struct ks_maps *m)
{
	free(m->v);
	free(m->text);
	memset(m, 0, sizeof(*m));
}
