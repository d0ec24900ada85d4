// SPDX-License-Identifier: GPL-2.0
/*
 * USER_MAPS: the mappings a user-stack walker needs from a process's
 * address space (kstack_ioctl.h): every file's mapping and every
 * kernel-named one, and of the anonymous mappings the executable ones
 * (JIT code) and those holding an address the caller asks about.
 * /proc/PID/maps formats every mapping as text, two lines a thread in a
 * big process, and the tool parsed them all to use a few dozen.
 * Read under mmap_read_lock_killable(), as /proc/PID/maps reads them;
 * entries and names are gathered into kernel buffers and copied out
 * after the lock is dropped (a fault on the caller's buffer must not
 * nest in the target's mm lock, which may be the caller's own).
 */
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include "kstack.h"

struct kstack_maps_out {
	struct kstack_user_map *v;
	u32 nr, cap;		/* entries gathered (all counted, cap kept) */
	char *names;
	u32 names_len, names_cap;	/* names counted; bytes allocated */
	u32 names_kept;		/* bytes of names in names (those that fit the room) */
	u32 max, names_max;	/* the caller's room */
	char *path;		/* PATH_MAX bytes for d_path() */
};

static int kstack_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Does [start, end) hold one of the n sorted addresses? */
static bool kstack_holds_addr(const u64 *addrs, u32 n, u64 start, u64 end)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (addrs[mid] < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && addrs[lo] < end;
}

/* Grow buf (of elem-byte items) to hold need of them; kvrealloc-free: a copy. */
static int kstack_maps_grow(void **buf, u32 *cap, u32 need, size_t elem)
{
	u32 ncap = *cap ? *cap : 16;
	void *nb;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nb = kstack_counted(kvmalloc_array(ncap, elem, GFP_KERNEL));
	if (!nb)
		return -ENOMEM;
	if (*buf)
		memcpy(nb, *buf, (size_t)*cap * elem);
	kstack_free(*buf);
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* A name into the names area (counted even past the caller's room). */
static int kstack_maps_name(struct kstack_maps_out *o, struct kstack_user_map *e,
			    const char *name)
{
	size_t len = strlen(name) + 1;
	u32 off = o->names_len;
	void *names = o->names;
	int ret;

	if (len > KSTACK_USER_MAPS_NAMES_MAX || off > KSTACK_USER_MAPS_NAMES_MAX - len)
		return -E2BIG;
	o->names_len += len;
	e->name_off = off;
	if (o->names_len > o->names_max)
		return 0;
	ret = kstack_maps_grow(&names, &o->names_cap, o->names_len, 1);
	o->names = names;
	if (ret)
		return ret;
	memcpy(o->names + off, name, len);
	o->names_kept = o->names_len;
	return 0;
}

/* The name /proc/PID/maps gives a mapping without a file (task_mmu.c), or NULL. */
static const char *kstack_vma_kernel_name(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_ops && vma->vm_ops->name)
		return vma->vm_ops->name(vma);	/* special mappings: [vdso], [vvar] */
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

static int kstack_maps_add(struct kstack_maps_out *o, struct vm_area_struct *vma,
			   const u64 *addrs, u32 naddrs)
{
	struct file *file = vma->vm_file;
	const char *kname = file ? NULL : kstack_vma_kernel_name(vma);
	struct kstack_user_map e = {
		.start = vma->vm_start, .end = vma->vm_end,
		.name_off = KSTACK_UMAP_NO_NAME,
	};
	void *v = o->v;
	int ret = 0;

	/* anonymous: only where a thread's sp is, or code (JIT: named from perf maps) */
	if (!file && !kname && !(vma->vm_flags & VM_EXEC) &&
	    !kstack_holds_addr(addrs, naddrs, vma->vm_start, vma->vm_end))
		return 0;
	e.flags = (vma->vm_flags & VM_READ ? KSTACK_UMAP_READ : 0) |
		  (vma->vm_flags & VM_WRITE ? KSTACK_UMAP_WRITE : 0) |
		  (vma->vm_flags & VM_EXEC ? KSTACK_UMAP_EXEC : 0) |
		  (vma->vm_flags & VM_MAYSHARE ? KSTACK_UMAP_SHARED : 0);
	if (file) {
		struct inode *inode = file_inode(file);
		char *p = d_path(&file->f_path, o->path, PATH_MAX);

		e.flags |= KSTACK_UMAP_FILE;
		e.offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
		e.ino = inode->i_ino;
		e.dev_major = MAJOR(inode->i_sb->s_dev);
		e.dev_minor = MINOR(inode->i_sb->s_dev);
		/* a path too long for PATH_MAX: listed without one, as unnamed */
		if (!IS_ERR(p))
			ret = kstack_maps_name(o, &e, p);
	} else if (kname) {
		e.flags |= KSTACK_UMAP_NAMED;
		ret = kstack_maps_name(o, &e, kname);
	}
	if (ret)
		return ret;
	if (o->nr < o->max) {
		ret = kstack_maps_grow(&v, &o->cap, o->nr + 1, sizeof(e));
		o->v = v;
		if (ret)
			return ret;
		o->v[o->nr] = e;
	}
	o->nr++;
	return 0;
}

static int kstack_maps_gather(struct mm_struct *mm, struct kstack_maps_out *o,
			      const u64 *addrs, u32 naddrs)
{
	struct vm_area_struct *vma;
	int ret;

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			ret = kstack_maps_add(o, vma, addrs, naddrs);
			if (ret)
				break;
		}
	}
#else
	for (vma = mm->mmap; vma && !ret; vma = vma->vm_next)
		ret = kstack_maps_add(o, vma, addrs, naddrs);
#endif
	mmap_read_unlock(mm);
	return ret;
}

static int kstack_maps_check(const struct kstack_user_maps *req)
{
	if (req->reserved || !req->max || req->max > KSTACK_USER_MAPS_MAX ||
	    req->nr_addrs > KSTACK_USER_MAPS_ADDRS_MAX || !req->names_size ||
	    req->names_size > KSTACK_USER_MAPS_NAMES_MAX)
		return -EINVAL;
	return 0;
}

long kstack_user_maps(void __user *uarg)
{
	struct kstack_maps_out o = { };
	struct kstack_user_maps req;
	struct task_struct *task;
	struct mm_struct *mm;
	u64 *addrs = NULL;
	int ret;

	ret = kstack_req_in(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	ret = kstack_maps_check(&req);
	if (ret)
		return ret;
	if (req.nr_addrs) {
		addrs = kstack_counted(kvmalloc_array(req.nr_addrs, sizeof(*addrs), GFP_KERNEL));
		if (!addrs)
			return -ENOMEM;
		if (copy_from_user(addrs, u64_to_user_ptr(req.addrs),
				   (size_t)req.nr_addrs * sizeof(*addrs))) {
			ret = -EFAULT;
			goto out;
		}
		sort(addrs, req.nr_addrs, sizeof(*addrs), kstack_cmp_u64, NULL);
	}
	task = kstack_get_task(req.pid);
	if (!task) {
		ret = -ESRCH;
		goto out;
	}
	/* as /proc/PID/stack is checked: the access a stack copy needs anyway */
	mm = kstack_may_read_task(task) ? get_task_mm(task) : NULL;
	ret = mm ? 0 : kstack_may_read_task(task) ? -ESRCH : -EPERM;
	kstack_task_put(task);
	if (ret)
		goto out;
	o.max = req.max;
	o.names_max = req.names_size;
	o.path = kstack_counted(kmalloc(PATH_MAX, GFP_KERNEL));
	ret = o.path ? kstack_maps_gather(mm, &o, addrs, req.nr_addrs) : -ENOMEM;
	mmput(mm);
	if (ret)
		goto out;
	if (copy_to_user(u64_to_user_ptr(req.buffer), o.v,
			 (size_t)min(o.nr, req.max) * sizeof(*o.v)) ||
	    (o.names_kept &&
	     copy_to_user(u64_to_user_ptr(req.names), o.names, o.names_kept))) {
		ret = -EFAULT;
		goto out;
	}
	ret = o.nr > req.max || o.names_len > req.names_size ? -ENOSPC : 0;
	req.nr = ret ? o.nr : min(o.nr, req.max);
	req.names_used = o.names_len;
	if (kstack_req_out(uarg, &req, sizeof(req)))
		ret = -EFAULT;
out:
	kstack_free(o.path);
	kstack_free(o.names);
	kstack_free(o.v);
	kstack_free(addrs);
	return ret;
}
