// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

static struct ks_error *ks_filter_regex(regex_t *re, const char *src, const char *what)
{
	int rc = regcomp(re, src, REG_EXTENDED | REG_NOSUB);
	char msg[256];

	if (!rc)
		return NULL;
	regerror(rc, re, msg, sizeof(msg));
	regfree(re);
	return ks_error_format(EINVAL, "%s: bad regular expression \"%s\": %s", what, src, msg);
}

struct ks_error *ks_filter_init(struct ks_filter *f, const char *states, const char *comm_re,
				const char *match_re)
{
	struct ks_error *err;
	size_t i, n = 0;

	memset(f, 0, sizeof(*f));
	if (states) {
		if (!*states)
			return ks_error_format(EINVAL, "--state: give ps state letters (%s)",
					       KS_STATE_LETTERS);
		for (i = 0; states[i]; i++) {
			if (!strchr(KS_STATE_LETTERS, states[i]))
				return ks_error_format(EINVAL,
						       "--state: '%c' is not a ps state letter (%s)",
						       states[i], KS_STATE_LETTERS);
			if (!memchr(f->states, states[i], n))
				f->states[n++] = states[i];
		}
	}
	if (comm_re) {
		err = ks_filter_regex(&f->comm, comm_re, "--comm");
		if (err)
			return err;
		f->has_comm = true;
	}
	if (match_re) {
		err = ks_filter_regex(&f->match, match_re, "--match");
		if (err) {
			ks_filter_fini(f);
			return err;
		}
		f->has_match = true;
	}
	return NULL;
}

void ks_filter_fini(struct ks_filter *f)
{
	if (f->has_comm)
		regfree(&f->comm);
	if (f->has_match)
		regfree(&f->match);
	if (f->has_process)
		regfree(&f->process);
	memset(f, 0, sizeof(*f));
}

struct ks_error *ks_filter_set_process(struct ks_filter *f, const char *process_re)
{
	struct ks_error *err;

	if (!process_re || f->has_process)
		return NULL;
	err = ks_filter_regex(&f->process, process_re, "--process");
	if (!err)
		f->has_process = true;
	return err;
}

bool ks_filter_active(const struct ks_filter *f)
{
	return f->states[0] || f->has_comm || f->has_match || f->has_process;
}

/*
 * Does a frame's name match, as printed without its offset
 * ("module!function": --match 'svc!db_query', --match svc) or by its
 * function alone (--match '^db_query$')?
 */
static bool ks_filter_name_match(const regex_t *re, const char *name)
{
	struct ks_name_parts p;
	char buf[512], *big = NULL, *text = buf;
	size_t len;
	bool hit;

	ks_name_split(name, &p);
	len = p.owner_len ? p.owner_len + 1 + p.func_len : p.func_len;
	/* a demangled C++ template name can be long: matched whole, never cut */
	if (len >= sizeof(buf)) {
		big = malloc(len + 1);
		if (!big)
			return false;
		text = big;
	}
	if (p.owner_len) {
		memcpy(text, p.owner, p.owner_len);
		text[p.owner_len] = '!';
	}
	memcpy(text + len - p.func_len, p.func, p.func_len);
	text[len] = '\0';
	hit = !regexec(re, text, 0, NULL, 0) ||
	      (p.owner_len && !regexec(re, text + p.owner_len + 1, 0, NULL, 0));
	free(big);
	return hit;
}

/*
 * Does any frame's function match, as shown (demangled) or as the file
 * names it (mangled: a regex written for nm's output works too)?
 */
static bool ks_filter_frames_match(const regex_t *re, const struct ks_cap_stack *s)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (ks_filter_name_match(re, s->f[i].name) ||
		    (s->f[i].raw && ks_filter_name_match(re, s->f[i].raw)))
			return true;
	return false;
}

bool ks_filter_keep(const struct ks_filter *f, const struct ks_cap_thread *t,
		    struct ks_filter_counts *left_out)
{
	if (f->states[0] && !strchr(f->states, t->state)) {
		left_out->state++;
		return false;
	}
	if (f->has_process && (!t->pname || regexec(&f->process, t->pname, 0, NULL, 0)) &&
	    (!t->pcmd || regexec(&f->process, t->pcmd, 0, NULL, 0))) {
		left_out->process++;
		return false;
	}
	if (f->has_comm && regexec(&f->comm, t->comm, 0, NULL, 0)) {
		left_out->comm++;
		return false;
	}
	if (f->has_match && !ks_filter_frames_match(&f->match, t->kstack) &&
	    !ks_filter_frames_match(&f->match, t->ustack)) {
		left_out->match++;
		return false;
	}
	return true;
}

void ks_filter_capture(const struct ks_filter *f, struct ks_capture *c,
		       struct ks_filter_counts *left_out)
{
	size_t i, n = 0;

	if (!ks_filter_active(f))
		return;
	for (i = 0; i < c->n; i++)
		if (ks_filter_keep(f, &c->v[i], left_out))
			c->v[n++] = c->v[i];
	c->n = n;
}
