// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"
#include "threads.h"
#include "vec.h"

struct ks_error *ks_tid_list_add(struct ks_tid_list *l, uint64_t tgid, uint64_t tid)
{
	if (!ks_vec_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 256))
		return &ks_error_nomem;
	l->v[l->n++] = (struct ks_tid){ .tgid = tgid, .tid = tid };
	return NULL;
}

struct ks_error *ks_threads_driver(struct ks_driver *drv, uint64_t pid, struct ks_tid_list *l,
				   uint32_t *gone_ret, uint32_t *denied_ret)
{
	struct ks_snapshot snap = { 0 };
	const struct kstack_snap_thread *r;
	struct ks_error *err;
	const void *data;
	size_t off = 0;

	err = ks_snapshot_take(drv, pid, KSTACK_SNAP_FRAMES, 1, &snap);
	if (err)
		goto out;
	*gone_ret = snap.skipped;
	*denied_ret = snap.denied;
	while ((r = ks_snapshot_next(&snap, &off, &data, &err))) {
		err = ks_tid_list_add(l, r->tgid, r->tid);
		if (err)
			break;
		memcpy(l->v[l->n - 1].comm, r->comm, sizeof(l->v[0].comm));
		l->v[l->n - 1].comm[sizeof(l->v[0].comm) - 1] = '\0';
		l->v[l->n - 1].running = r->flags & KSTACK_SNAP_F_RUNNING;
	}
out:
	ks_snapshot_fini(&snap);
	return err;
}

static bool ks_numeric(const char *s, uint64_t *ret)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	return !*end && !errno;
}

struct ks_error *ks_threads_of(struct ks_tid_list *l, const char *proc, uint64_t pid)
{
	char path[256];
	struct dirent *de;
	struct ks_error *err = NULL;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%llu/task", proc ? proc : "/proc", (unsigned long long)pid);
	d = opendir(path);
	if (!d) {
		int e = errno;

		return ks_error_format(e == ENOENT ? ESRCH : e, "process %llu: %s",
				       (unsigned long long)pid,
				       e == ENOENT ? "no such process" : strerror(e));
	}
	while (!err && (de = readdir(d))) {
		uint64_t tid;

		if (ks_numeric(de->d_name, &tid))
			err = ks_tid_list_add(l, pid, tid);
	}
	closedir(d);
	return err;
}

struct ks_error *ks_threads_all(struct ks_tid_list *l, const char *proc)
{
	struct dirent *de;
	struct ks_error *err = NULL;
	DIR *d = opendir(proc ? proc : "/proc");

	if (!d)
		return ks_error_format(errno, "%s: %s", proc ? proc : "/proc", strerror(errno));
	while ((de = readdir(d))) {
		uint64_t pid;

		if (!ks_numeric(de->d_name, &pid))
			continue;
		err = ks_threads_of(l, proc, pid);
		if (err && err->code == ESRCH) {	/* exited meanwhile */
			ks_error_destroy(err);
			err = NULL;
		}
		if (err)
			break;
	}
	closedir(d);
	return err;
}

struct ks_error *ks_procs_all(struct ks_tid_list *l, const char *proc)
{
	struct dirent *de;
	struct ks_error *err = NULL;
	DIR *d = opendir(proc ? proc : "/proc");

	if (!d)
		return ks_error_format(errno, "%s: %s", proc ? proc : "/proc", strerror(errno));
	while (!err && (de = readdir(d))) {
		uint64_t pid;

		if (ks_numeric(de->d_name, &pid))
			err = ks_tid_list_add(l, pid, pid);
	}
	closedir(d);
	return err;
}

void ks_tid_list_fini(struct ks_tid_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct ks_error *ks_proc_is_ours(void)
{
	char line[256];
	bool found = false, ours = false;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return ks_error_format(errno, "/proc/self/status: %s (is /proc mounted?)",
				       strerror(errno));
	/*
	 * NSpid (v4.1+) lists our id in each namespace from /proc's down to
	 * our own: one entry, equal to getpid(), when /proc is our namespace's.
	 */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		int n;

		if (strncmp(line, "NSpid:", 6))
			continue;
		found = true;
		ours = sscanf(line + 6, "%llu %n", &v, &n) == 1 && !line[6 + n] &&
		       v == (unsigned long long)getpid();
		break;
	}
	fclose(f);
	if (!found) {
		char self[32];
		ssize_t len = readlink("/proc/self", self, sizeof(self) - 1);

		/* an older kernel: /proc's name for us is our pid, or it is not ours */
		if (len > 0) {
			self[len] = '\0';
			ours = strtoull(self, NULL, 10) == (unsigned long long)getpid();
		}
	}
	if (!ours)
		return ks_error_format(EXDEV, "/proc belongs to another pid namespace than this process (its thread ids are not ours); mount a proc for this namespace (mount -t proc proc /proc) or run outside it");
	return NULL;
}
