// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "user_mm.h"

static bool mm_eq(const void *val, const void *key)
{
	return ((const struct ks_user_mm *)val)->mm_id == *(const uint64_t *)key;
}

static void forget(struct ks_user_mms *s)
{
	struct ks_user_mm *m;
	size_t pos = 0;

	while ((m = ks_hashtab_next(&s->tab, &pos))) {
		ks_maps_fini(&m->maps);
		free(m);
	}
	ks_hashtab_fini(&s->tab);
	memset(&s->tab, 0, sizeof(s->tab));
	s->seq = 0;
}

static uint64_t mm_id_of(const struct kstack_snap_thread *r)
{
	const struct kstack_snap_tail *t = ks_snapshot_tail(r, NULL);

	return t ? t->mm_id : 0;
}

struct ks_error *ks_user_mms_count(struct ks_user_mms *s, const struct ks_snapshot *snap)
{
	const struct kstack_snap_thread *r;
	struct ks_error *err = NULL;
	const void *data;
	uint64_t last_tgid = 0, last_mm = 0;
	size_t off = 0;

	if (s->seq == snap->seq)
		return NULL;
	forget(s);
	while ((r = ks_snapshot_next(snap, &off, &data, &err))) {
		uint64_t id = mm_id_of(r), h = ks_hash_u64(id);
		struct ks_user_mm *m;

		/* a process's records come together: count it once */
		if (!id || (r->tgid == last_tgid && id == last_mm))
			continue;
		last_tgid = r->tgid;
		last_mm = id;
		m = ks_hashtab_get(&s->tab, h, mm_eq, &id);
		if (!m) {
			m = calloc(1, sizeof(*m));
			if (!m || !ks_hashtab_add(&s->tab, h, m)) {
				free(m);
				err = &ks_error_nomem;
				break;
			}
			m->mm_id = id;
		}
		m->procs++;
		m->left++;
	}
	if (err) {
		forget(s);
		return err;
	}
	s->seq = snap->seq;
	return NULL;
}

struct ks_user_mm *ks_user_mms_shared(struct ks_user_mms *s, uint64_t mm_id)
{
	struct ks_user_mm *m;

	if (!mm_id)
		return NULL;
	m = ks_hashtab_get(&s->tab, ks_hash_u64(mm_id), mm_eq, &mm_id);
	return m && m->procs > 1 ? m : NULL;
}

void ks_user_mms_done(struct ks_user_mms *s, struct ks_user_mm *m)
{
	(void)s;
	if (m->left && !--m->left)
		ks_maps_fini(&m->maps);
}

void ks_user_mms_fini(struct ks_user_mms *s)
{
	forget(s);
}
