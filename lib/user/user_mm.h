/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address spaces that several processes of one SNAPSHOT share: vfork
 * children (until they exec) and CLONE_VM processes run in their parent's
 * mm, whose maps list every thread stack of the parent (two lines a
 * thread). Reading those maps once per process would cost the parent's
 * size for every child; here they are read once per address space and
 * lent to each process in it. The driver names each record's address
 * space (kstack_snap_tail.mm_id, KSTACK_CAP_SNAP_MM_ID); with an older
 * driver every id is 0 and nothing is shared.
 */
#ifndef KSTACK_USER_MM_H
#define KSTACK_USER_MM_H

#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"
#include "ks_error.h"
#include "proc_maps.h"
#include "snapshot.h"

struct ks_user_mm {
	uint64_t mm_id;
	size_t procs;		/* processes of the snapshot in it */
	size_t left;		/* of those, not yet done (ks_user_mms_done()) */
	struct ks_maps maps;	/* maps.v NULL: not read yet */
};

struct ks_user_mms {
	struct ks_hashtab tab;	/* mm_id -> struct ks_user_mm */
	uint64_t seq;		/* the snapshot counted (ks_snapshot.seq); 0: none */
	size_t maps_read, maps_lent;	/* statistics (tests, bench) */
};

/*
 * Count snap's processes per address space, once per snapshot (a new
 * seq forgets the last one's, maps and all). Errors: no memory, or a
 * malformed record (as ks_snapshot_next()).
 */
struct ks_error *ks_user_mms_count(struct ks_user_mms *s, const struct ks_snapshot *snap);

/* The address space mm_id if more than one process of the snapshot runs in it, else NULL. */
struct ks_user_mm *ks_user_mms_shared(struct ks_user_mms *s, uint64_t mm_id);

/* One process of m done: the last one frees its maps. */
void ks_user_mms_done(struct ks_user_mms *s, struct ks_user_mm *m);

void ks_user_mms_fini(struct ks_user_mms *s);

#endif
