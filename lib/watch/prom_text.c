// SPDX-License-Identifier: GPL-2.0
/* kstack --watch's Prometheus textfile (prom_text.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prom_text.h"
#include "vec.h"

#define KS_PROM_TMP ".kstack.prom.tmp"	/* not *.prom: the collector skips it */

void ks_prom_metrics_init(struct ks_prom_metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void ks_prom_metrics_reset(struct ks_prom_metrics *m)
{
	size_t i;

	for (i = 0; i < m->nstuck; i++)
		free(m->stuck[i].function);
	m->nstuck = 0;
	memset(m->threads, 0, sizeof(m->threads));
	m->deadlocks = 0;
	m->snapshot_seconds = 0;
}

void ks_prom_metrics_fini(struct ks_prom_metrics *m)
{
	ks_prom_metrics_reset(m);
	free(m->stuck);
	memset(m, 0, sizeof(*m));
}

void ks_prom_count_thread(struct ks_prom_metrics *m, char state)
{
	const char *p = state ? strchr(KS_STATE_LETTERS, state) : NULL;

	if (p)
		m->threads[p - KS_STATE_LETTERS]++;
}

bool ks_prom_count_stuck(struct ks_prom_metrics *m, char state, const char *function, size_t len)
{
	struct ks_prom_stuck *s;
	size_t i;

	for (i = 0; i < m->nstuck; i++) {
		s = &m->stuck[i];
		if (s->state == state && !strncmp(s->function, function, len) && !s->function[len]) {
			s->threads++;
			return true;
		}
	}
	if (!ks_vec_grow(&m->stuck, &m->stuck_cap, m->nstuck + 1, sizeof(*m->stuck), 16))
		return false;
	s = &m->stuck[m->nstuck];
	s->function = strndup(function, len);
	if (!s->function)
		return false;
	s->state = state;
	s->threads = 1;
	m->nstuck++;
	return true;
}

/* A growing text buffer; ok false once an append failed. */
struct ks_prom_buf {
	char **buf;
	size_t *len, *cap;
	bool ok;
};

static void ks_prom_put(struct ks_prom_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ks_prom_put(struct ks_prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!b->ok)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !ks_vec_grow(b->buf, b->cap, *b->len + (size_t)n + 1, 1, 4096)) {
		b->ok = false;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(*b->buf + *b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*b->len += (size_t)n;
}

/* A label value as the format wants it: \ " and newline escaped. */
static void ks_prom_label(struct ks_prom_buf *b, const char *s)
{
	for (; b->ok && *s; s++) {
		if (*s == '\\')
			ks_prom_put(b, "\\\\");
		else if (*s == '"')
			ks_prom_put(b, "\\\"");
		else if (*s == '\n')
			ks_prom_put(b, "\\n");
		else
			ks_prom_put(b, "%c", *s);
	}
}

static void ks_prom_head(struct ks_prom_buf *b, const char *name, const char *type,
			 const char *help)
{
	/* our own HELP texts have no \ or newline to escape */
	ks_prom_put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A function's stuck threads over every state. */
struct ks_prom_fn {
	const char *function;
	uint64_t threads;
};

static int ks_prom_fn_cmp(const void *a, const void *b)
{
	const struct ks_prom_fn *x = a, *y = b;

	if (x->threads != y->threads)
		return x->threads > y->threads ? -1 : 1;
	return strcmp(x->function, y->function);
}

/*
 * The functions with stuck threads, most first (ties by name: the same
 * set in the same order from one round to the next): *ret malloc'd, NULL
 * with none. false without memory.
 */
static bool ks_prom_functions(const struct ks_prom_metrics *m, struct ks_prom_fn **ret,
			      size_t *n_ret)
{
	struct ks_prom_fn *v = NULL;
	size_t n = 0, i, j;

	*ret = NULL;
	*n_ret = 0;
	if (!m->nstuck)
		return true;
	v = calloc(m->nstuck, sizeof(*v));
	if (!v)
		return false;
	for (i = 0; i < m->nstuck; i++) {
		for (j = 0; j < n && strcmp(v[j].function, m->stuck[i].function); j++)
			;
		if (j == n)
			v[n++].function = m->stuck[i].function;
		v[j].threads += m->stuck[i].threads;
	}
	qsort(v, n, sizeof(*v), ks_prom_fn_cmp);
	*ret = v;
	*n_ret = n;
	return true;
}

/* Is function one of the top ones (the first KS_PROM_TOP_FUNCTIONS of fns)? */
static bool ks_prom_top(const struct ks_prom_fn *fns, size_t n, const char *function)
{
	size_t i;

	for (i = 0; i < n && i < KS_PROM_TOP_FUNCTIONS; i++)
		if (!strcmp(fns[i].function, function))
			return true;
	return false;
}

static void ks_prom_stuck_lines(struct ks_prom_buf *b, const struct ks_prom_metrics *m,
				const struct ks_prom_fn *fns, size_t nfn)
{
	const char *s;
	size_t i, j;

	/* by state, then by the functions' rank: a stable order */
	for (s = KS_STATE_LETTERS; *s; s++) {
		uint64_t other = 0;

		for (j = 0; j < nfn && j < KS_PROM_TOP_FUNCTIONS; j++) {
			for (i = 0; i < m->nstuck; i++) {
				const struct ks_prom_stuck *st = &m->stuck[i];

				if (st->state != *s || strcmp(st->function, fns[j].function))
					continue;
				ks_prom_put(b, "kstack_stuck_threads{state=\"%c\",function=\"", *s);
				ks_prom_label(b, st->function);
				ks_prom_put(b, "\"} %llu\n", (unsigned long long)st->threads);
			}
		}
		for (i = 0; i < m->nstuck; i++)
			if (m->stuck[i].state == *s && !ks_prom_top(fns, nfn, m->stuck[i].function))
				other += m->stuck[i].threads;
		/* always there, 0 when none: a series per state, as kstack_threads has */
		ks_prom_put(b, "kstack_stuck_threads{state=\"%c\",function=\"other\"} %llu\n", *s,
			    (unsigned long long)other);
	}
}

bool ks_prom_format(const struct ks_prom_metrics *m, char **buf, size_t *len, size_t *cap)
{
	struct ks_prom_buf b = { buf, len, cap, true };
	struct ks_prom_fn *fns;
	size_t nfn, i;

	*len = 0;
	if (!ks_prom_functions(m, &fns, &nfn))
		return false;
	ks_prom_head(&b, "kstack_threads", "gauge",
		     "Threads kstack --watch watches, by state (ps letter).");
	for (i = 0; i < sizeof(m->threads) / sizeof(m->threads[0]); i++)
		ks_prom_put(&b, "kstack_threads{state=\"%c\"} %llu\n", KS_STATE_LETTERS[i],
			    (unsigned long long)m->threads[i]);
	ks_prom_head(&b, "kstack_stuck_threads", "gauge",
		     "Threads unchanged (state, kernel stack, context switches) for the stuck time, by state and the first kernel function below the scheduler (the top 20 functions; the rest as other).");
	ks_prom_stuck_lines(&b, m, fns, nfn);
	ks_prom_head(&b, "kstack_deadlocks", "gauge", "Deadlocks among the watched threads.");
	ks_prom_put(&b, "kstack_deadlocks %llu\n", (unsigned long long)m->deadlocks);
	ks_prom_head(&b, "kstack_snapshot_seconds", "gauge",
		     "Wall time of the last round's capture of the kernel stacks.");
	ks_prom_put(&b, "kstack_snapshot_seconds %.6f\n", m->snapshot_seconds);
	ks_prom_head(&b, "kstack_watch_rounds_total", "counter", "Rounds kstack --watch has taken.");
	ks_prom_put(&b, "kstack_watch_rounds_total %llu\n", (unsigned long long)m->rounds);
	free(fns);
	return b.ok;
}

struct ks_error *ks_prom_file_open(struct ks_prom_file *f, const char *dir)
{
	memset(f, 0, sizeof(*f));
	f->dir = dir;
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0)
		return ks_error_format(errno, "--textfile %s: %s", dir, strerror(errno));
	return NULL;
}

void ks_prom_file_close(struct ks_prom_file *f)
{
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->buf);
	memset(f, 0, sizeof(*f));
	f->dirfd = -1;
}

static struct ks_error *ks_prom_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ks_error_format(n < 0 ? errno : EIO, "%s", n < 0 ? strerror(errno) :
					       "short write");
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

struct ks_error *ks_prom_file_write(struct ks_prom_file *f, const struct ks_prom_metrics *m)
{
	struct ks_error *err;
	int fd;

	if (!ks_prom_format(m, &f->buf, &f->len, &f->cap))
		return &ks_error_nomem;
	fd = openat(f->dirfd, KS_PROM_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0644);
	if (fd < 0)
		return ks_error_format(errno, "--textfile %s/%s: %s", f->dir, KS_PROM_TMP,
				       strerror(errno));
	/* readable by the exporter's user whatever our umask */
	err = fchmod(fd, 0644) ? ks_error_format(errno, "%s", strerror(errno)) : NULL;
	if (!err)
		err = ks_prom_write_all(fd, f->buf, f->len);
	if (!err && fsync(fd))
		err = ks_error_format(errno, "fsync: %s", strerror(errno));
	if (close(fd) && !err)
		err = ks_error_format(errno, "close: %s", strerror(errno));
	if (!err && renameat(f->dirfd, KS_PROM_TMP, f->dirfd, KS_PROM_FILE))
		err = ks_error_format(errno, "rename to %s: %s", KS_PROM_FILE, strerror(errno));
	if (err) {
		unlinkat(f->dirfd, KS_PROM_TMP, 0);
		return ks_error_wrap(err, "--textfile %s/%s", f->dir, KS_PROM_TMP);
	}
	/* the rename itself reaches the disk */
	fsync(f->dirfd);
	return NULL;
}
