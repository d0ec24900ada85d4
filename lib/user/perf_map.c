// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "perf_map.h"
#include "walk/search.h"
#include "vec.h"

/* A hex number of at most 16 digits, "0x" optional; advances *p. */
static bool parse_hex(const char **p, const char *end, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits == 16)
			return false;	/* more than 64 bits */
		v = v << 4 | (uint64_t)d;
	}
	if (!digits)
		return false;
	*p = s;
	*ret = v;
	return true;
}

/* At least one blank (space or tab); advances *p. */
static bool skip_blanks(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == *p)
		return false;
	*p = s;
	return true;
}

/* One line [s, end) into *sym; false for a line not of the form START SIZE NAME. */
static bool parse_line(const char *s, const char *end, struct ks_perf_sym *sym)
{
	uint64_t start, size;

	if (!parse_hex(&s, end, &start) || !skip_blanks(&s, end) ||
	    !parse_hex(&s, end, &size) || !skip_blanks(&s, end) || s == end)
		return false;
	if (!size || start + size < start)
		return false;	/* an empty range, or one past the end of memory */
	sym->start = start;
	sym->end = start + size;
	sym->name = s;
	sym->name_len = (uint32_t)(end - s < KS_PERF_MAP_NAME_MAX ? end - s : KS_PERF_MAP_NAME_MAX);
	return true;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct ks_perf_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

struct ks_error *ks_perf_map_parse(struct ks_perf_map *m, char *text, size_t len)
{
	const char *s = text, *end = text + len;
	size_t cap = 0, i;

	memset(m, 0, sizeof(*m));
	m->text = text;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;
		struct ks_perf_sym sym;

		if (!parse_line(s, eol, &sym)) {
			m->skipped++;
		} else if (m->n == KS_PERF_MAP_MAX_SYMS) {
			ks_perf_map_fini(m);
			return ks_error_format(E2BIG, "more than %u entries", KS_PERF_MAP_MAX_SYMS);
		} else {
			if (!ks_vec_grow(&m->v, &cap, m->n + 1, sizeof(*m->v), 256)) {
				ks_perf_map_fini(m);
				return &ks_error_nomem;
			}
			sym.line = (uint32_t)m->n;
			m->v[m->n++] = sym;
		}
		s = eol + 1;
	}
	qsort(m->v, m->n, sizeof(*m->v), cmp_sym);
	m->max_end = malloc((m->n ? m->n : 1) * sizeof(*m->max_end));
	if (!m->max_end) {
		ks_perf_map_fini(m);
		return &ks_error_nomem;
	}
	for (i = 0; i < m->n; i++)
		m->max_end[i] = i && m->max_end[i - 1] > m->v[i].end ? m->max_end[i - 1] :
			       m->v[i].end;
	return NULL;
}

static uint64_t sym_start(const void *v, size_t i)
{
	return ((const struct ks_perf_sym *)v)[i].start;
}

const struct ks_perf_sym *ks_perf_map_find(const struct ks_perf_map *m, uint64_t addr)
{
	const struct ks_perf_sym *best = NULL;
	size_t lo = 0;

	/* the entries starting at or below addr: v[0..lo) */
	if (ks_search_last_le(m->v, 0, m->n, addr, sym_start, &lo))
		lo++;
	/*
	 * Of those, the ones that reach past addr, the latest line first;
	 * max_end tells when no earlier entry can reach it.
	 */
	while (lo-- > 0 && m->max_end[lo] > addr)
		if (m->v[lo].end > addr && (!best || m->v[lo].line > best->line))
			best = &m->v[lo];
	return best;
}

void ks_perf_map_fini(struct ks_perf_map *m)
{
	free(m->v);
	free(m->max_end);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/*
 * From PROC/PID/status: the process's id in its own pid namespace (the
 * last NStgid field, v4.1+: the process's, also when PID names one of
 * its threads, as when its leader has exited; before v4.1, PID) and its
 * uids (real, effective, saved, filesystem: any of them may have written
 * the map).
 */
static struct ks_error *read_status(const char *proc, uint64_t pid, uint64_t *nspid_ret,
				    uint64_t uids[4])
{
	char path[64], line[512];
	bool have_uids = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%" PRIu64 "/status", proc, pid);
	f = fopen(path, "re");
	if (!f)
		return ks_error_format(errno == ENOENT ? ESRCH : errno, "%s: %s", path,
				       strerror(errno));
	*nspid_ret = pid;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (!strncmp(line, "NStgid:", 7)) {
			for (p = line + 7;; p = end) {
				unsigned long long v = strtoull(p, &end, 10);

				if (end == p)
					break;
				*nspid_ret = v;
			}
		} else if (!strncmp(line, "Uid:", 4)) {
			have_uids = sscanf(line + 4, "%" SCNu64 "%" SCNu64 "%" SCNu64 "%" SCNu64,
					   &uids[0], &uids[1], &uids[2], &uids[3]) == 4;
		}
	}
	fclose(f);
	if (!have_uids)
		return ks_error_format(EPROTO, "%s: no Uid line", path);
	return NULL;
}

/*
 * Open root/rel with the process's root as "/" for any symlink on the way
 * (openat2(RESOLVE_IN_ROOT), Linux 5.6+; before it, O_NOFOLLOW on the file
 * alone): /tmp in the target's tree may be a symlink of its own making,
 * and must not lead out of its root. The file itself is never a symlink,
 * and never blocks (O_NONBLOCK: a FIFO).
 */
static int open_in_root(const char *root, const char *rel)
{
	int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	struct open_how how = {
		.flags = (uint64_t)flags,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, e;

	if (dir < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dir, rel, flags);
	e = errno;
	close(dir);
	errno = e;
	return fd;
}

/*
 * Open pid's map (as ks_perf_map_read() finds it) into *fd_ret with its
 * stat, its name in the file's PID, and the name to show in messages.
 */
static struct ks_error *open_map(const char *proc, uint64_t pid, int *fd_ret, struct stat *st,
				 uint64_t *nspid_ret, uint64_t uids[4], char shown[160])
{
	char root[64], rel[64];
	struct ks_error *err;
	int fd;

	*fd_ret = -1;
	err = read_status(proc, pid, nspid_ret, uids);
	if (err)
		return err;
	snprintf(root, sizeof(root), "%s/%" PRIu64 "/root", proc, pid);
	snprintf(rel, sizeof(rel), "tmp/perf-%" PRIu64 ".map", *nspid_ret);
	snprintf(shown, 160, "%s/%s", root, rel);
	fd = open_in_root(root, rel);
	if (fd < 0)
		return ks_error_format(errno == ELOOP ? EPERM : errno, "%s: %s%s", shown,
				       strerror(errno), errno == ELOOP ? " (a symlink)" : "");
	if (fstat(fd, st)) {
		err = ks_error_format(errno, "%s: %s", shown, strerror(errno));
		close(fd);
		return err;
	}
	*fd_ret = fd;
	return NULL;
}

/* The file's identity and version: a map appended to since is read again. */
static void stamp_of(const struct stat *st, struct ks_perf_map_stamp *stamp)
{
	*stamp = (struct ks_perf_map_stamp){
		.dev = st->st_dev, .ino = st->st_ino, .size = (uint64_t)st->st_size,
		.mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec,
		.valid = true,
	};
}

bool ks_perf_map_unchanged(const struct ks_perf_map *m, const char *proc, uint64_t pid)
{
	uint64_t nspid = pid, uids[4];
	struct ks_perf_map_stamp now;
	struct ks_error *err;
	char shown[160];
	struct stat st;
	int fd;

	err = open_map(proc ? proc : "/proc", pid, &fd, &st, &nspid, uids, shown);
	if (err) {
		/* still none (or still unopenable the same way): nothing new to read */
		bool same = !m->stamp.valid && err->code == m->err_code;

		ks_error_destroy(err);
		return same;
	}
	close(fd);
	stamp_of(&st, &now);
	return m->stamp.valid && now.dev == m->stamp.dev && now.ino == m->stamp.ino &&
	       now.size == m->stamp.size && now.mtime_ns == m->stamp.mtime_ns;
}

struct ks_error *ks_perf_map_read(struct ks_perf_map *m, const char *proc, uint64_t pid)
{
	uint64_t nspid = pid, uids[4];
	struct ks_error *err;
	char shown[160];
	struct stat st;
	size_t len = 0;
	char *text;
	int fd;

	memset(m, 0, sizeof(*m));
	proc = proc ? proc : "/proc";
	err = open_map(proc, pid, &fd, &st, &nspid, uids, shown);
	if (err) {
		m->err_code = err->code;
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ks_error_format(EPERM, "%s: not a regular file: not used", shown);
		goto out;
	}
	if (st.st_uid && st.st_uid != uids[0] && st.st_uid != uids[1] && st.st_uid != uids[2] &&
	    st.st_uid != uids[3]) {
		err = ks_error_format(EPERM, "%s: owned by uid %u, neither the process's (uid %" PRIu64
				      ") nor root's: not used", shown, (unsigned)st.st_uid, uids[1]);
		goto out;
	}
	if ((uint64_t)st.st_size > KS_PERF_MAP_MAX_BYTES) {
		err = ks_error_format(EFBIG, "%s: %" PRIu64 " bytes, more than %u: not used", shown,
				      (uint64_t)st.st_size, KS_PERF_MAP_MAX_BYTES);
		goto out;
	}
	/* it may grow while read: never past the bound */
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		err = &ks_error_nomem;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, text + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	err = ks_perf_map_parse(m, text, len);
	if (err && err != &ks_error_nomem)
		err = ks_error_wrap(err, "%s", shown);
	m->nspid = nspid;
out:
	/* used or refused, this version of the file need not be read again */
	stamp_of(&st, &m->stamp);
	m->err_code = err ? err->code : 0;
	close(fd);
	return err;
}
