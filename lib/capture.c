// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "capture.h"

void ks_capture_init(struct ks_capture *c)
{
	memset(c, 0, sizeof(*c));
}

void ks_capture_fini(struct ks_capture *c)
{
	free(c->v);
	free(c->frames);
	memset(c, 0, sizeof(*c));
}

void ks_capture_reset(struct ks_capture *c)
{
	c->n = 0;
	c->nframes = 0;
	c->walked = 0;
}

/* Room for n more elements of size sz in *v (cap in elements). */
static bool ks_capture_reserve(void **v, size_t *cap, size_t used, size_t n, size_t sz)
{
	size_t want = used + n, ncap;
	void *nv;

	if (want <= *cap)
		return true;
	ncap = *cap ? *cap : 64;
	while (ncap < want)
		ncap *= 2;
	nv = realloc(*v, ncap * sz);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

struct ks_cap_thread *ks_capture_add(struct ks_capture *c, const struct ks_cap_thread *t,
				     const struct ks_cap_frame *kf, size_t nk,
				     const struct ks_cap_frame *uf, size_t nu)
{
	struct ks_cap_thread *s;

	if (!ks_capture_reserve((void **)&c->v, &c->cap, c->n, 1, sizeof(*c->v)) ||
	    !ks_capture_reserve((void **)&c->frames, &c->frames_cap, c->nframes, nk + nu,
				sizeof(*c->frames)))
		return NULL;
	s = &c->v[c->n++];
	*s = *t;
	s->comm[sizeof(s->comm) - 1] = '\0';
	s->nk = nk;
	s->nu = nu;
	s->first = c->nframes;
	if (nk)
		memcpy(c->frames + c->nframes, kf, nk * sizeof(*kf));
	if (nu)
		memcpy(c->frames + c->nframes + nk, uf, nu * sizeof(*uf));
	c->nframes += nk + nu;
	return s;
}

void ks_name_split(const char *name, struct ks_name_parts *p)
{
	const char *bang = strchr(name, '!'), *plus, *end;

	memset(p, 0, sizeof(*p));
	p->func = name;
	if (bang && bang != name) {
		p->owner = name;
		p->owner_len = (size_t)(bang - name);
		p->func = bang + 1;
	}
	/* the offset is the last "+0x"; a C++ or Rust name may hold '+' itself */
	plus = NULL;
	for (end = p->func; (end = strstr(end, "+0x")); end++)
		plus = end;
	if (!plus) {
		p->func_len = strlen(p->func);
		return;
	}
	p->func_len = (size_t)(plus - p->func);
	p->offset = strtoull(plus + 3, NULL, 16);
}
