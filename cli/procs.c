// SPDX-License-Identifier: GPL-2.0
/*
 * The processes a run meets, named as ps names them: the process's name
 * (its group leader's comm) and its command line, each read once per run
 * (a sampling round meets the same processes again). The listing prints
 * them in its process lines, the reports in their group headers, and
 * --process filters on them.
 *
 * The leader's comm comes with its SNAPSHOT record (the caller hands it
 * over: leader_comm), else from /proc/PID/comm; the command line from
 * /proc/PID/cmdline. /proc is read only where it numbers processes as the
 * driver does (our pid namespace: ks_proc_is_ours(), checked once);
 * elsewhere a process has the leader's comm if its record came, and no
 * command line. Strings are raw (the printers escape them) and stay put
 * until cli_procs_fini().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vec.h"

/* A command line longer than this is cut, and ends in "..." */
#define CLI_CMDLINE_MAX 4096

static bool proc_eq(const void *val, const void *key)
{
	return ((const struct cli_proc *)val)->tgid == *(const uint64_t *)key;
}

/* /proc/TGID/FILE's first bytes (at most len - 1), NUL-ended; -1: not read. */
static ssize_t proc_read(uint64_t tgid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%" PRIu64 "/%s", tgid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* /proc/TGID/cmdline, its arguments joined by spaces; NULL: none (a kernel thread, a zombie). */
static char *proc_cmdline(uint64_t tgid)
{
	char buf[CLI_CMDLINE_MAX + 1];
	ssize_t n = proc_read(tgid, "cmdline", buf, sizeof(buf));
	char *s;
	ssize_t i;

	if (n <= 0)
		return NULL;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	s = malloc((size_t)n + 5);
	if (!s)
		return NULL;
	memcpy(s, buf, (size_t)n);
	/* filled to the brim: cut, and said so */
	strcpy(s + n, n >= CLI_CMDLINE_MAX ? " ..." : "");
	return s;
}

const struct cli_proc *cli_procs_get(struct cli_procs *ps, uint64_t tgid,
				     const char *leader_comm, bool kthread)
{
	uint64_t h = ks_hash_u64(tgid);
	struct cli_proc *p;
	char comm[KSTACK_COMM_LEN + 1];

	if (ps->last && ps->last->tgid == tgid)
		return ps->last;
	p = ks_hashtab_get(&ps->tab, h, proc_eq, &tgid);
	if (p) {
		if (!p->name && leader_comm && leader_comm[0])
			p->name = strndup(leader_comm, KSTACK_COMM_LEN);
		ps->last = p;
		return p;
	}
	if (!ps->checked) {
		struct ks_error *err = ks_proc_is_ours();

		ps->ours = !err;
		ks_error_destroy(err);
		ps->checked = true;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !ks_hashtab_add(&ps->tab, h, p)) {
		free(p);
		return NULL;
	}
	p->tgid = tgid;
	if (leader_comm && leader_comm[0]) {
		p->name = strndup(leader_comm, KSTACK_COMM_LEN);
	} else if (ps->ours && proc_read(tgid, "comm", comm, sizeof(comm)) > 0) {
		comm[strcspn(comm, "\n")] = '\0';
		p->name = strdup(comm);
	}
	/* a kernel thread has no command line: not looked for */
	if (ps->ours && !kthread)
		p->cmdline = proc_cmdline(tgid);
	p->kthread = kthread;
	ps->last = p;
	return p;
}

void cli_procs_fini(struct cli_procs *ps)
{
	struct cli_proc *p;
	size_t pos = 0;

	while ((p = ks_hashtab_next(&ps->tab, &pos))) {
		free(p->name);
		free(p->cmdline);
		free(p);
	}
	ks_hashtab_fini(&ps->tab);
	memset(ps, 0, sizeof(*ps));
}
