// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* A captured thread (record.h): freeing it, and what its writers derive from it. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "symbols.h"

static void part_free(struct ks_part_rec *p)
{
	unsigned i;

	for (i = 0; i < p->nr; i++)
		free(p->f[i].name);
	free(p->f);
	memset(p, 0, sizeof(*p));
}

void ks_rec_free(struct ks_thread_rec *t)
{
	part_free(&t->kernel);
	part_free(&t->user);
}

char ks_rec_state_letter(const struct ks_thread_rec *t)
{
	switch (t->state) {
	case 4:		/* Terminated */
		return 'X';
	case 5:		/* Waiting: Suspended and WrSuspended are a stop, as SIGSTOP's T */
		return t->wait_reason == 5 || t->wait_reason == 12 ? 'T' : 'S';
	case 8:		/* GateWait */
	case 9:		/* WaitingForProcessInSwap */
		return 'S';
	default:	/* Initialized, Ready, Running, Standby, Transition, DeferredReady */
		return 'R';
	}
}

int ks_part_same(const struct ks_part_rec *a, const struct ks_part_rec *b)
{
	unsigned i;

	if (a->nr != b->nr || a->truncated != b->truncated)
		return 0;
	for (i = 0; i < a->nr; i++)
		if (a->f[i].pc != b->f[i].pc)
			return 0;
	return 1;
}

void ks_frame_name_split(const char *name, struct ks_name_split *p)
{
	size_t len = strlen(name), mark = strlen(KS_EXPORT_MARK);
	const char *bang, *plus = NULL, *s, *end;

	memset(p, 0, sizeof(*p));
	if (len >= mark && !strcmp(name + len - mark, KS_EXPORT_MARK))
		len -= mark;
	end = name + len;
	/* the offset is the last "+0x": a C++ name may hold '+' itself */
	for (s = name; (s = strstr(s, "+0x")) && s < end; s++)
		plus = s;
	if (!plus) {		/* "?": nothing known */
		p->func = name;
		p->func_len = len;
		return;
	}
	p->offset = strtoull(plus + 3, NULL, 16);
	bang = memchr(name, '!', (size_t)(plus - name));
	if (!bang) {		/* "module+0xoff": the module, no symbol */
		p->module = name;
		p->module_len = (size_t)(plus - name);
		p->func = plus;
		return;
	}
	p->module = name;
	p->module_len = (size_t)(bang - name);
	p->func = bang + 1;
	p->func_len = (size_t)(plus - bang - 1);
}
