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
	memset(f, 0, sizeof(*f));
}

bool ks_filter_active(const struct ks_filter *f)
{
	return f->states[0] || f->has_comm || f->has_match;
}

/* Does any frame's function name match? (the name without owner and offset) */
static bool ks_filter_frames_match(const regex_t *re, const struct ks_cap_stack *s)
{
	char buf[512];
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		struct ks_name_parts p;
		size_t len;

		ks_name_split(s->f[i].name, &p);
		len = p.func_len < sizeof(buf) - 1 ? p.func_len : sizeof(buf) - 1;
		memcpy(buf, p.func, len);
		buf[len] = '\0';
		if (!regexec(re, buf, 0, NULL, 0))
			return true;
	}
	return false;
}

bool ks_filter_keep(const struct ks_filter *f, const struct ks_cap_thread *t,
		    struct ks_filter_counts *left_out)
{
	if (f->states[0] && !strchr(f->states, t->state)) {
		left_out->state++;
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
