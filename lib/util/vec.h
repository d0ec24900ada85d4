/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one growable array of the user-space tools: an array is a pointer,
 * a count the caller keeps and a capacity (elements) this helper keeps.
 * Room is made by doubling, so n appends cost O(n) copies in all; the byte
 * size is checked against SIZE_MAX before it is allocated.
 *
 *	if (!ks_vec_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 64))
 *		return &ks_error_nomem;
 *	l->v[l->n++] = x;
 */
#ifndef KSTACK_VEC_H
#define KSTACK_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Room for need elements of size bytes in the array *vp points at (any
 * object pointer: T **), of *cap elements: nothing to do when it has
 * them; else it is reallocated to twice *cap (min when empty), or to need
 * if that is more. false without memory, or when the bytes would not fit
 * in a size_t: then *vp and *cap are untouched (the array is still the
 * caller's to free).
 */
static inline bool ks_vec_grow(void *vp, size_t *cap, size_t need, size_t size, size_t min)
{
	void *v, *nv;
	size_t ncap;

	if (need <= *cap)
		return true;
	if (!*cap)
		ncap = min;
	else
		ncap = *cap <= SIZE_MAX / 2 ? 2 * *cap : need;
	if (ncap < need)
		ncap = need;
	if (!size || ncap > SIZE_MAX / size)
		return false;
	/* through memcpy: *vp is a T *, read and written without a cast that aliases it */
	memcpy(&v, vp, sizeof(v));
	nv = realloc(v, ncap * size);
	if (!nv)
		return false;
	memcpy(vp, &nv, sizeof(nv));
	*cap = ncap;
	return true;
}

#endif
