// SPDX-License-Identifier: GPL-2.0
/*
 * kstack's one rule for standard error: what went wrong with threads is
 * said once per kind of problem, with a count and a few example thread
 * ids ("kstack: 579 stacks truncated at -n 3 (e.g. 362, 363, 364, ...)"),
 * at the end of the run; the detail of each thread is in the listing's
 * body, and with --verbose each occurrence is said as it happens too
 * ("kstack: thread 362: stack truncated at -n 3"). Problems that cut a
 * shown thread short are "partial"; the listing's closing line names
 * them (cli_problems_why()).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vec.h"

static struct cli_problem *problem_find(struct cli_problems *p, const char *nouns,
					const char *detail)
{
	size_t i;

	for (i = p->n; i-- > 0;)
		if (!strcmp(p->v[i].nouns, nouns) && !strcmp(p->v[i].detail, detail))
			return &p->v[i];
	return NULL;
}

void cli_problem(struct cli_problems *p, uint64_t tid, bool partial, const char *noun,
		 const char *nouns, const char *fmt, ...)
{
	struct cli_problem *pr;
	char *detail = NULL;
	va_list ap;
	size_t i;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&detail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		cli_message("thread %" PRIu64 ": %s: out of memory", tid, noun);
		return;
	}
	if (p->verbose)
		cli_message("thread %" PRIu64 ": %s %s", tid, noun, detail);
	pr = problem_find(p, nouns, detail);
	if (!pr) {
		if (!ks_vec_grow(&p->v, &p->cap, p->n + 1, sizeof(*p->v), 8)) {
			/* without memory: said now, as it was before this rule */
			if (!p->verbose)
				cli_message("thread %" PRIu64 ": %s %s", tid, noun, detail);
			free(detail);
			return;
		}
		pr = &p->v[p->n++];
		memset(pr, 0, sizeof(*pr));
		pr->noun = noun;
		pr->nouns = nouns;
		pr->detail = detail;
		pr->partial = partial;
	} else {
		free(detail);
	}
	pr->count++;
	/*
	 * each tid once among the examples (both halves of a thread, a thread
	 * in every sampling round); past them, a tid once in a row
	 */
	if (pr->ntids && pr->last == tid)
		return;
	pr->last = tid;
	for (i = 0; i < pr->ntids && i < CLI_PROBLEM_EXAMPLES; i++)
		if (pr->ex[i] == tid)
			return;
	if (pr->ntids < CLI_PROBLEM_EXAMPLES)
		pr->ex[pr->ntids] = tid;
	pr->ntids++;
}

/* "e.g. 362, 363, 364, ...", or "threads 5, 6" when those are all */
static void problem_examples(const struct cli_problem *pr, char *buf, size_t len)
{
	size_t n = pr->ntids < CLI_PROBLEM_EXAMPLES ? pr->ntids : CLI_PROBLEM_EXAMPLES, i, at;

	at = (size_t)snprintf(buf, len, "%s", pr->ntids > CLI_PROBLEM_EXAMPLES ? "e.g. " :
				       pr->ntids == 1 ? "thread " : "threads ");
	for (i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%" PRIu64, i ? ", " : "", pr->ex[i]);
	if (pr->ntids > CLI_PROBLEM_EXAMPLES && at < len)
		snprintf(buf + at, len - at, ", ...");
}

void cli_problems_say(const struct cli_problems *p)
{
	char ex[128];
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct cli_problem *pr = &p->v[i];

		problem_examples(pr, ex, sizeof(ex));
		cli_message("%zu %s %s (%s)", pr->count, pr->count == 1 ? pr->noun : pr->nouns,
			    pr->detail, ex);
	}
}

size_t cli_problems_why(const struct cli_problems *p, bool partial, char *buf, size_t len)
{
	size_t i, at = 0, n = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < p->n && at < len; i++) {
		const struct cli_problem *pr = &p->v[i];

		if (pr->partial != partial)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%zu %s %s", n ? ", " : "", pr->count,
				       pr->count == 1 ? pr->noun : pr->nouns, pr->detail);
		n++;
	}
	return n;
}

void cli_problems_fini(struct cli_problems *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].detail);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}
