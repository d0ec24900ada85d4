// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <elfutils/libdwfl.h>

#include "demangle.h"
#include "escape.h"
#include "user_names.h"
#include "user_unwind.h"
#include "vec.h"

/*
 * One ELF file (or vDSO image) of the run, shared by every process's Dwfl.
 * The entry lives for the run (named addresses are keyed by it); its file
 * is closed again when more than KS_USER_FILES_OPEN_MAX are open, and
 * reopened if a later process maps it.
 */
struct ks_user_elf {
	uint64_t dev, ino;	/* vDSO: dev UINT64_MAX, ino its index */
	int fd;			/* -1 for a vDSO image or a file that did not open */
	Elf *elf;		/* our reference; NULL: not an ELF file we could read */
	uint8_t *image;		/* vDSO: the bytes elf was made from */
	size_t image_len;
	uint64_t used;		/* the last Dwfl that used it (ks_user_unwinder.dwfls_made) */
	bool open;		/* in u->open: fd/elf held */
	char name[];		/* escaped base name: "libc.so.6", "[vdso]" */
};

/* A named address: (file, address relative to the file, exact). */
struct ks_user_name {
	const struct ks_user_elf *file;
	uint64_t rel;
	bool exact;
	signed char cfi;	/* does CFI cover the lookup address? -1: not asked yet */
	bool top;		/* a function that starts a stack (stack_start()) */
	uint32_t raw_at;	/* where the raw (mangled) text starts in text; 0: none */
	char text[];		/* the name, then its raw form if it differs */
};

/* What name_pc() tells of a pc. */
struct pc_name {
	const char *text;	/* the frame's name (escaped) */
	const char *raw;	/* its mangled form where text is demangled, else NULL */
	bool cfi;		/* CFI covers it */
	bool file;		/* it is code of a mapped ELF file that could be read */
	bool top;		/* the outermost frame of its stack (stack_start()) */
};

struct ks_user_dwfl;

/* One reported module (Dwfl_Module userdata). */
struct ks_user_mod {
	struct ks_user_unwinder *u;
	const struct ks_user_dwfl *d;	/* its Dwfl: the process walked now */
	const struct ks_map *map;	/* its first mapping, in d->layout */
	bool vdso;
	struct ks_user_elf *file;	/* set by find_elf */
};

/*
 * What the Dwfl_Thread_Callbacks see: the process walked now and the
 * thread being walked.
 */
struct ks_user_ctx {
	struct ks_user_unwinder *u;
	struct ks_user_proc *p;
	struct ks_user_thread *cur;
	size_t next;			/* next_thread's cursor */
	bool compat;			/* cur is an i386 task: 4-byte words */
};

/*
 * The Dwfl held from one process to the next while they have the same
 * layout (forked without exec): its modules' mappings are its own copy,
 * as the process it was made for is dropped before the next is taken.
 */
struct ks_user_dwfl {
	Dwfl *dwfl;
	struct ks_maps layout;		/* the mappings with a name (module_layout()) */
	struct ks_user_mod *mods;
	size_t nmods;
	uint64_t pid;			/* the process walked now (io_id): files open through it */
	uint64_t space;			/* ks_user_proc.space of the process it was made for */
	struct ks_user_ctx ctx;
};

static const char unknown_name[] = "[unknown]";

static bool is_module_map(const struct ks_map *m);

static int cmp_file(const void *a, const void *b)
{
	const struct ks_user_elf *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_name(const void *a, const void *b)
{
	const struct ks_user_name *x = a, *y = b;

	if (x->file != y->file)
		return (uintptr_t)x->file < (uintptr_t)y->file ? -1 : 1;
	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	return (int)x->exact - (int)y->exact;
}

void ks_user_unwinder_init(struct ks_user_unwinder *u)
{
	memset(u, 0, sizeof(*u));
	u->proc = "/proc";
	elf_version(EV_CURRENT);
}

static void free_file(void *node)
{
	struct ks_user_elf *f = node;

	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	free(f->image);
	free(f);
}

void ks_user_unwinder_fini(struct ks_user_unwinder *u)
{
	size_t i;

	ks_user_unwinder_release(u);
	ks_cfi_rules_fini(&u->rules);
	free(u->open);
	tdestroy(u->files, free_file);
	tdestroy(u->names, free);
	tdestroy(u->jit_names, free);
	ks_perf_map_fini(&u->jit);
	for (i = 0; i < u->nvdso; i++)
		free_file(u->vdsos[i]);
	free(u->vdsos);
	memset(u, 0, sizeof(*u));
}

static struct ks_user_elf *new_file(const char *path, uint64_t dev, uint64_t ino)
{
	const char *base = strrchr(path, '/');
	size_t len = ks_escape_str(NULL, 0, base ? base + 1 : path);
	struct ks_user_elf *f = calloc(1, sizeof(*f) + len + 1);

	if (!f)
		return NULL;
	f->dev = dev;
	f->ino = ino;
	f->fd = -1;
	ks_escape_str(f->name, len + 1, base ? base + 1 : path);
	return f;
}

/*
 * The mapped file itself: /proc/PID/map_files/START-END is the file the
 * mapping holds (also when deleted since, or in another mount namespace;
 * needs CAP_SYS_ADMIN, which the tool has), else the path seen from the
 * process's root, accepted only if it is the same inode.
 */
static int open_mapped(const struct ks_user_mod *m)
{
	char path[4200];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%" PRIu64 "/map_files/%" PRIx64 "-%" PRIx64,
		 m->u->proc, m->d->pid, m->map->start, m->map->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/%" PRIu64 "/root%s", m->u->proc, m->d->pid,
		 m->map->path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ino != m->map->ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Close f's file (its entry stays: names are keyed by it). */
static void close_file(struct ks_user_elf *f)
{
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	f->elf = NULL;
	f->fd = -1;
	f->open = false;
}

/*
 * Keep at most KS_USER_FILES_OPEN_MAX files open between Dwfls: close the
 * ones the longest unused (each Dwfl holds its own references to the
 * files it uses, so only those of Dwfls already ended are freed).
 */
static void bound_open_files(struct ks_user_unwinder *u)
{
	while (u->nopen > KS_USER_FILES_OPEN_MAX) {
		size_t i, old = 0;

		for (i = 1; i < u->nopen; i++)
			if (u->open[i]->used < u->open[old]->used)
				old = i;
		close_file(u->open[old]);
		u->open[old] = u->open[--u->nopen];
		u->files_closed++;
	}
}

/* The run's entry for a mapped file, opened on first use (again if closed since). */
static struct ks_user_elf *file_of(struct ks_user_mod *m)
{
	struct ks_user_elf key = {
		.dev = (uint64_t)m->map->dev_major << 32 | m->map->dev_minor,
		.ino = m->map->ino,
	};
	struct ks_user_elf *f, **slot;

	slot = tfind(&key, &m->u->files, cmp_file);
	if (slot && ((*slot)->open || (*slot)->used == m->u->dwfls_made))
		return *slot;	/* open, or failed to open for this very Dwfl */
	if (slot) {
		f = *slot;
	} else {
		f = new_file(m->map->path, key.dev, key.ino);
		if (!f)
			return NULL;
		slot = tsearch(f, &m->u->files, cmp_file);
		if (!slot) {
			free(f);
			return NULL;
		}
	}
	if (!ks_vec_grow(&m->u->open, &m->u->open_cap, m->u->nopen + 1, sizeof(*m->u->open), 16))
		return f;	/* not opened: its frames go unnamed */
	f->used = m->u->dwfls_made;
	m->u->files_opened++;
	f->fd = open_mapped(m);
	if (f->fd >= 0) {
		f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
		if (f->elf && elf_kind(f->elf) != ELF_K_ELF) {
			elf_end(f->elf);
			f->elf = NULL;
		}
	}
	if (f->fd >= 0 || f->elf) {
		f->open = true;
		m->u->open[m->u->nopen++] = f;
	}
	return f;
}

/*
 * The vDSO is not a file: copy its mapping (a whole ELF image, made so by
 * the kernel's vdso2c) and keep one entry per distinct image (a 64-bit and
 * a 32-bit one at most).
 */
static struct ks_user_elf *vdso_of(struct ks_user_mod *m)
{
	struct ks_user_unwinder *u = m->u;
	size_t len = m->map->end - m->map->start, i;
	struct ks_user_elf *f, **nv;
	struct iovec local, remote;
	uint8_t *img;

	if (len > (4u << 20) || !(img = malloc(len)))
		return NULL;
	local = (struct iovec){ img, len };
	remote = (struct iovec){ (void *)(uintptr_t)m->map->start, len };
	if (process_vm_readv((pid_t)m->d->pid, &local, 1, &remote, 1, 0) != (ssize_t)len) {
		free(img);
		return NULL;
	}
	for (i = 0; i < u->nvdso; i++) {
		if (u->vdsos[i]->image_len == len && !memcmp(u->vdsos[i]->image, img, len)) {
			free(img);
			return u->vdsos[i];
		}
	}
	nv = realloc(u->vdsos, (u->nvdso + 1) * sizeof(*nv));
	f = new_file("[vdso]", UINT64_MAX, u->nvdso);
	if (!nv || !f) {
		free(img);
		free(f);
		if (nv)
			u->vdsos = nv;
		return NULL;
	}
	u->vdsos = nv;
	f->image = img;
	f->image_len = len;
	f->elf = elf_memory((char *)img, len);
	u->vdsos[u->nvdso++] = f;
	u->files_opened++;
	return f;
}

/* Dwfl_Callbacks.find_elf: hand libdwfl a new reference to the shared Elf. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	struct ks_user_mod *m = *userdata;

	(void)mod;
	(void)base;
	*elfp = NULL;
	if (!m->file)
		m->file = m->vdso ? vdso_of(m) : file_of(m);
	if (!m->file || !m->file->elf)
		return -1;
	m->file->used = m->u->dwfls_made;
	/* libelf's dup: the same Elf, its reference count raised */
	*elfp = elf_begin(m->file->fd, ELF_C_READ_MMAP, m->file->elf);
	/* the path as the process sees it: where debuglink files are looked for */
	if (*elfp && !m->vdso)
		*file_name = strdup(name);
	return -1;	/* the fd stays ours */
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/*
 * Report the mapped ELF files and the vDSO as modules, as
 * dwfl_linux_proc_report() does (consecutive mappings of one file are one
 * module) but from the maps already read, with our userdata on each.
 */
static struct ks_error *report_modules(struct ks_user_unwinder *u, struct ks_user_dwfl *d)
{
	const struct ks_maps *maps = &d->layout;
	struct ks_user_mod *mods = d->mods;
	Dwfl *dwfl = d->dwfl;
	size_t i, n = 0;

	dwfl_report_begin(dwfl);
	for (i = 0; i < maps->n; i++) {
		const struct ks_map *mp = &maps->v[i];
		bool vdso = !strcmp(mp->path, "[vdso]");
		uint64_t end = mp->end;
		Dwfl_Module *mod;
		void **ud;

		if (!is_module_map(mp))
			continue;
		/* later mappings of the same file (anonymous ones between: its bss) */
		while (!vdso && i + 1 < maps->n) {
			const struct ks_map *nx = &maps->v[i + 1];

			if (nx->path[0] == '/' && (nx->ino != mp->ino || nx->dev_major != mp->dev_major ||
						   nx->dev_minor != mp->dev_minor ||
						   strcmp(nx->path, mp->path)))
				break;
			if (nx->path[0] != '/' && nx->path[0])
				break;
			if (nx->path[0] == '/')
				end = nx->end;
			i++;
		}
		mods[n] = (struct ks_user_mod){ .u = u, .d = d, .map = mp, .vdso = vdso };
		mod = dwfl_report_module(dwfl, mp->path, mp->start, end);
		if (!mod)
			continue;	/* overlaps one reported before: leave it out */
		dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
		*ud = &mods[n++];
	}
	d->nmods = n;
	if (dwfl_report_end(dwfl, NULL, NULL))
		return ks_error_format(EIO, "process %" PRIu64 ": reporting modules: %s", d->pid,
				       dwfl_errmsg(-1));
	return NULL;
}

/* Bytes of the thread's stack copy (or another thread's) at addr, if held. */
static bool copy_read(const struct ks_user_proc *p, const struct ks_user_thread *t,
		      uint64_t addr, void *buf, size_t len)
{
	if (!(t->flags & KS_UT_LIVE) || addr < t->stack_start ||
	    addr - t->stack_start > t->stack_len ||
	    t->stack_len - (addr - t->stack_start) < len)
		return false;
	memcpy(buf, ks_user_thread_stack(p, t) + (addr - t->stack_start), len);
	return true;
}

/* Dwfl_Thread_Callbacks.memory_read: a word of the process (4 bytes for i386). */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct ks_user_ctx *c = arg;
	size_t len = c->compat ? 4 : 8, i;
	struct iovec local, remote;
	uint64_t v = 0;

	(void)dwfl;
	if (c->cur && copy_read(c->p, c->cur, addr, &v, len))
		goto out;
	for (i = 0; i < c->p->nlive; i++)
		if (copy_read(c->p, &c->p->v[c->p->live[i]], addr, &v, len))
			goto out;
	/* not in any copy (a frame deeper than --user-stack-bytes, data) */
	local = (struct iovec){ &v, len };
	remote = (struct iovec){ (void *)(uintptr_t)addr, len };
	c->u->mem_fallback_reads++;
	if (process_vm_readv((pid_t)c->p->io_id, &local, 1, &remote, 1, 0) != (ssize_t)len)
		return false;
out:
	*result = v;
	return true;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct ks_user_ctx *c = arg;
	struct ks_user_thread *t;

	(void)dwfl;
	/* walk_thread() names the thread it asks for: no search */
	t = c->cur && c->cur->tid == (uint64_t)tid ? c->cur :
	    c->p ? ks_user_proc_thread(c->p, (uint64_t)tid) : NULL;
	if (!t)
		return false;
	*thread_argp = t;
	c->cur = t;
	return true;
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct ks_user_ctx *c = arg;

	(void)dwfl;
	if (!c->p || c->next >= c->p->n)
		return 0;
	c->cur = &c->p->v[c->next++];
	*thread_argp = c->cur;
	return (pid_t)c->cur->tid;
}

/*
 * The registers saved at kernel entry, in DWARF numbering (x86-64 psABI
 * table 3.36: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip; i386 psABI:
 * eax ecx edx ebx esp ebp esi edi eip), as perf's arch/x86/util/unwind-libdw.c.
 */
static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct ks_user_thread *t = arg;
	const struct kstack_user_regs *r = &t->regs;

	if (t->flags & KS_UT_COMPAT) {
		Dwarf_Word w[9] = {
			(uint32_t)r->ax, (uint32_t)r->cx, (uint32_t)r->dx, (uint32_t)r->bx,
			(uint32_t)r->sp, (uint32_t)r->bp, (uint32_t)r->si, (uint32_t)r->di,
			(uint32_t)r->ip,
		};

		return dwfl_thread_state_registers(thread, 0, 9, w);
	} else {
		Dwarf_Word w[17] = {
			r->ax, r->dx, r->cx, r->bx, r->si, r->di, r->bp, r->sp,
			r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
			r->ip,
		};

		return dwfl_thread_state_registers(thread, 0, 17, w);
	}
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* Does CFI (.eh_frame, else .debug_frame) describe the frame at lookup? */
static bool module_has_cfi(Dwfl_Module *mod, uint64_t lookup)
{
	Dwarf_Frame *frame;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;

	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (cfi && !dwarf_cfi_addrframe(cfi, lookup - bias, &frame)) {
		free(frame);
		return true;
	}
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	if (cfi && !dwarf_cfi_addrframe(cfi, lookup - bias, &frame)) {
		free(frame);
		return true;
	}
	return false;
}

/*
 * Does sym start a stack, with nothing a caller of it? Go's goroutines
 * start at runtime.goexit (newproc makes it the return address of each
 * goroutine's function), which the Go linker marks TOPFRAME: Go's own
 * traceback stops there. On amd64 the linker writes no CFI that says so
 * (DW_CFA_undefined of the return address is emitted only on
 * link-register machines, cmd/link dwarf.go writeframes(), Go 1.12-1.22),
 * so libdwfl reads a "caller" from beyond the goroutine's stack. ".abi0":
 * the assembly function's ABI suffix in Go 1.17+ symbol tables.
 */
static bool stack_start(const char *sym)
{
	return !strcmp(sym, "runtime.goexit") || !strcmp(sym, "runtime.goexit.abi0");
}

static void pc_name_of(const struct ks_user_name *n, struct pc_name *ret)
{
	ret->file = true;
	ret->text = n->text;
	ret->raw = n->raw_at ? n->text + n->raw_at : NULL;
	ret->cfi = n->cfi > 0;
	ret->top = n->top;
}

/*
 * The name of pc (exact: not a return address, else looked up at pc - 1
 * as a call may end a function, with the offset of pc itself), its raw
 * (mangled) form where the name is demangled, whether CFI covers it and
 * whether it starts a stack, into *ret, each worked out once per (file,
 * address) per run. Code outside any ELF file is named from p's perf map,
 * if it has one that covers pc.
 */
static void name_pc(struct ks_user_unwinder *u, Dwfl *dwfl, const struct ks_user_proc *p,
		    uint64_t pc, bool exact, struct pc_name *ret)
{
	uint64_t lookup = exact ? pc : pc - 1;
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
	struct ks_user_name key, *n, **slot;
	char *text = NULL, *raw = NULL, *dm = NULL;
	const char *sym = NULL, *jit;
	size_t len, raw_len = 0;
	struct ks_user_mod *m;
	Dwarf_Addr low, bias = 0;
	GElf_Off off = 0;
	GElf_Sym es;
	Elf *elf;
	void **ud;

	*ret = (struct pc_name){ .text = unknown_name };
	if (!mod) {
		jit = ks_user_jit_name(u, p, pc, lookup);
		ret->text = jit ? jit : unknown_name;
		return;
	}
	dwfl_module_info(mod, &ud, &low, NULL, NULL, NULL, NULL, NULL);
	m = *ud;
	elf = dwfl_module_getelf(mod, &bias);	/* runs find_elf: m->file */
	if (!elf) {
		bias = low;
		/* not an ELF file: a memfd or device mapping may hold JIT code */
		jit = ks_user_jit_name(u, p, pc, lookup);
		if (jit) {
			ret->text = jit;
			return;
		}
	}
	if (!m || !m->file)
		return;
	ret->file = true;
	key = (struct ks_user_name){ .file = m->file, .rel = pc - bias, .exact = exact };
	slot = tfind(&key, &u->names, cmp_name);
	if (slot) {
		n = *slot;
		u->names_reused++;
		if (n->cfi < 0)
			n->cfi = module_has_cfi(mod, lookup);
		pc_name_of(n, ret);
		return;
	}
	if (elf)
		sym = dwfl_module_addrinfo(mod, lookup, &off, &es, NULL, NULL, NULL);
	if (sym) {
		off += pc - lookup;
		dm = u->raw_names ? NULL : ks_demangle(sym);
		text = ks_user_format_name(m->file->name, dm ? dm : sym, strlen(dm ? dm : sym), off,
				   es.st_size);
		if (dm)
			raw = ks_user_format_name(m->file->name, sym, strlen(sym), off, es.st_size);
		free(dm);
		if (!text || (dm && !raw)) {
			free(text);
			free(raw);
			return;
		}
	} else if (asprintf(&text, "%s!+0x%" PRIx64, m->file->name, pc - bias) < 0) {
		return;
	}
	/* the entry with its texts inline: the name, then its raw form */
	len = strlen(text);
	raw_len = raw ? strlen(raw) + 1 : 0;
	n = len + 1 + raw_len <= UINT32_MAX ? malloc(sizeof(*n) + len + 1 + raw_len) : NULL;
	if (!n) {
		free(text);
		free(raw);
		return;
	}
	*n = key;
	n->top = sym && stack_start(sym);
	memcpy(n->text, text, len + 1);
	if (raw) {
		n->raw_at = (uint32_t)(len + 1);
		memcpy(n->text + n->raw_at, raw, raw_len);
	}
	free(text);
	free(raw);
	n->cfi = (signed char)module_has_cfi(mod, lookup);
	if (!tsearch(n, &u->names, cmp_name)) {
		free(n);
		return;
	}
	u->names_made++;
	pc_name_of(n, ret);
}

/*
 * w's one frame: where t is, from its registers alone. A stack that
 * could not be copied or walked still has the frame its ip names (the
 * walk's stop says why no more), as eu-stack prints frame #0 whatever
 * follows.
 */
static void name_ip(struct ks_user_unwinder *u, struct ks_user_dwfl *d, struct ks_user_proc *p,
		    const struct ks_user_thread *t, struct ks_user_walk *w)
{
	uint64_t ip = t->flags & KS_UT_COMPAT ? (uint32_t)t->regs.ip : t->regs.ip;
	struct ks_user_frame *f;
	struct pc_name pn;

	if (w->nr || !ip)
		return;
	f = malloc(sizeof(*f));
	if (!f)
		return;
	free(w->frames);
	name_pc(u, d->dwfl, p, ip, true, &pn);
	*f = (struct ks_user_frame){ .pc = ip, .flags = KS_UF_EXACT, .name = pn.text, .raw = pn.raw };
	w->frames = f;
	w->nr = 1;
}

/* DWARF numbers of the frame pointer: rbp (x86-64 psABI table 3.36), ebp (i386 psABI) */
#define DWARF_X86_64_RBP	6
#define DWARF_I386_EBP		5

struct walk_arg {
	struct ks_user_walk *w;
	size_t cap, max;
	unsigned fp_reg;	/* DWARF number of the frame pointer */
	bool fp_zero;		/* the last frame's frame pointer is known, and 0 */
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct walk_arg *a = arg;
	struct ks_user_walk *w = a->w;
	bool activation;
	Dwarf_Addr pc;
	Dwarf_Word fp;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (w->nr == a->max) {
		w->stop = KS_USTOP_LIMIT;
		return DWARF_CB_ABORT;
	}
	if (!ks_vec_grow(&w->frames, &a->cap, w->nr + 1, sizeof(*w->frames), 32)) {
		snprintf(w->why, sizeof(w->why), "out of memory");
		return DWARF_CB_ABORT;
	}
	w->frames[w->nr++] = (struct ks_user_frame){
		.pc = pc, .flags = activation ? KS_UF_EXACT : 0,
	};
	a->fp_zero = dwfl_frame_reg(state, a->fp_reg, &fp) == 0 && fp == 0;
	return DWARF_CB_OK;
}

/*
 * Did walk w end where a frame-pointer chain ends (walk_thread())? Its
 * last frame was reached by a frame-pointer step, has no CFI (last_cfi),
 * holds a frame pointer of 0 (fp_zero) and is code of a module: a step
 * through a word that was no frame record lands outside any module, as a
 * stack address or a small number does.
 */
static bool fp_chain_end(const struct ks_user_dwfl *d, const struct ks_user_walk *w, bool fp_zero,
			 bool last_cfi)
{
	const struct ks_user_frame *f = w->nr > 1 ? &w->frames[w->nr - 1] : NULL;

	return f && fp_zero && !last_cfi && (f->flags & KS_UF_FALLBACK) &&
	       dwfl_addrmodule(d->dwfl, f->flags & KS_UF_EXACT ? f->pc : f->pc - 1);
}

/*
 * Did a walk that stopped (KS_USTOP_ERROR) end for want of unwind
 * information in a binary? Its last frame is code of a file (last_file)
 * with no CFI there (last_cfi false), so the unwinder had only the
 * frame-pointer rule, which gave no caller; or its last frame is in no
 * file at all, reached by that rule from code of a file without CFI
 * there (prev_cfi false: a word that was no frame pointer). A walk that
 * stopped after a step by CFI (a word that could not be read, CFI that
 * leads nowhere) did not.
 */
static bool no_unwind_info(size_t nr, bool last_cfi, bool last_file, bool prev_cfi,
			   bool prev_file)
{
	if (!nr || last_cfi)
		return false;
	return last_file || (nr >= 2 && !prev_cfi && prev_file);
}

/* libdwfl's walk of t into a->w: its frames, and how it ended. */
static void dwfl_walk(struct ks_user_dwfl *d, struct ks_user_thread *t, struct walk_arg *a)
{
	struct ks_user_walk *w = a->w;
	int rc = dwfl_getthread_frames(d->dwfl, (pid_t)t->tid, frame_cb, a);

	if (rc == 0) {
		w->stop = KS_USTOP_END;
	} else if (w->stop != KS_USTOP_LIMIT) {
		w->stop = KS_USTOP_ERROR;
		if (!w->why[0])
			ks_escape_str(w->why, sizeof(w->why), dwfl_errmsg(-1));
	}
}

/* ks_cfi_walk_ops.module: the Dwfl's module at lookup, its file and bias */
static Dwfl_Module *fast_module(void *ctx, uint64_t lookup, const void **file_ret,
				uint64_t *bias_ret)
{
	struct ks_user_dwfl *d = ctx;
	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, lookup);
	struct ks_user_mod *m;
	Dwarf_Addr bias;
	void **ud;

	if (!mod)
		return NULL;
	dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	m = *ud;
	/* getelf runs find_elf: m->file, the run's entry for the file */
	if (!m || !dwfl_module_getelf(mod, &bias) || !m->file)
		return NULL;
	*file_ret = m->file;
	*bias_ret = bias;
	return mod;
}

static bool fast_read(void *ctx, uint64_t addr, uint64_t *word)
{
	struct ks_user_dwfl *d = ctx;
	Dwarf_Word v;

	if (!memory_read(d->dwfl, addr, &v, &d->ctx))
		return false;
	*word = v;
	return true;
}

/*
 * t walked by the compiled CFI rules (user_cfi.h) into w, as libdwfl
 * would walk it: false when some frame needs libdwfl (w untouched).
 */
static bool fast_walk(struct ks_user_unwinder *u, struct ks_user_dwfl *d,
		      struct ks_user_thread *t, size_t max, struct ks_user_walk *w)
{
	const struct ks_cfi_walk_ops ops = { .module = fast_module, .read = fast_read, .ctx = d };
	uint64_t stack_pcs[64], *pcs = stack_pcs;
	size_t nr, i;
	bool whole;

	if (max > 64 && !(pcs = malloc(max * sizeof(*pcs))))
		return false;
	if (!ks_cfi_walk(&u->rules, &ops, t->regs.ip, t->regs.sp, t->regs.bp, max, pcs, &nr,
			 &whole) ||
	    !(w->frames = malloc(nr * sizeof(*w->frames)))) {
		if (pcs != stack_pcs)
			free(pcs);
		return false;
	}
	for (i = 0; i < nr; i++)
		w->frames[i] = (struct ks_user_frame){ .pc = pcs[i], .flags = i ? 0 : KS_UF_EXACT };
	w->nr = nr;
	w->stop = whole ? KS_USTOP_END : KS_USTOP_LIMIT;
	if (pcs != stack_pcs)
		free(pcs);
	return true;
}

/* --verify-user: libdwfl walks t too; its frames and end must be w's. */
static void verify_walk(struct ks_user_unwinder *u, struct ks_user_dwfl *d,
			struct ks_user_thread *t, size_t max, const struct ks_user_walk *w)
{
	struct ks_user_walk ref = { 0 };
	struct walk_arg a = { .w = &ref, .max = max, .fp_reg = DWARF_X86_64_RBP };
	const char *why = NULL;
	size_t i, at = 0;

	dwfl_walk(d, t, &a);
	u->verified++;
	for (i = 0; !why && i < w->nr && i < ref.nr; i++)
		if (ref.frames[i].pc != w->frames[i].pc ||
		    (ref.frames[i].flags & KS_UF_EXACT) != (w->frames[i].flags & KS_UF_EXACT)) {
			why = "another frame";
			at = i;
		}
	if (!why && ref.nr != w->nr) {
		why = "another number of frames";
		at = i;
	}
	if (!why && ref.stop != w->stop)
		why = ref.stop == KS_USTOP_END ? "libdwfl's is whole" : "libdwfl's is cut short";
	if (why && !u->verify_differ++)
		snprintf(u->verify_first, sizeof(u->verify_first),
			 "thread %" PRIu64 ": %s at frame %zu (%zu frames here, %zu by libdwfl)",
			 t->tid, why, at, w->nr, ref.nr);
	free(ref.frames);
}

/*
 * Walk t, and say whether the walk reached the outermost frame (whole).
 * libdwfl's own answer first: dwfl_getthread_frames() returns 0 only when
 * a frame's CFI leaves the return address undefined (glibc's _start, and
 * clone/clone3 for a new thread, say so with .cfi_undefined rip) or
 * unwinds it to 0. Its frame-pointer fallback, used where a module has
 * no CFI, gives up at a frame pointer of 0 and returns -1: that is where
 * the x86-64 psABI (3.4.1: "the user code should mark the deepest stack
 * frame by setting the frame pointer to zero") ends the chain, so such an
 * end is whole too (fp_chain_end()). So is a stack that reaches a
 * function that starts stacks (stack_start(): Go's runtime.goexit), as
 * its outermost frame, whatever libdwfl made of the words beyond. Any
 * other end (no CFI and no frame pointer, a word that could not be
 * read, a module that could not be opened) cuts the stack short:
 * KS_USTOP_ERROR, why from libdwfl.
 */
static void walk_thread(struct ks_user_unwinder *u, struct ks_user_dwfl *d,
			struct ks_user_proc *p, struct ks_user_thread *t, size_t max,
			struct ks_user_walk *w)
{
	struct walk_arg a = {
		.w = w, .max = max,
		.fp_reg = t->flags & KS_UT_COMPAT ? DWARF_I386_EBP : DWARF_X86_64_RBP,
	};
	struct ks_user_ctx *c = &d->ctx;
	/* the last frame's and the one before it's: CFI there, code of a file */
	bool prev_cfi = false, pcfi = false, pfile = false, lfile = false;
	size_t i, top = SIZE_MAX;

	memset(w, 0, sizeof(*w));
	c->p = p;
	c->cur = t;
	c->compat = t->flags & KS_UT_COMPAT;
	if (c->compat || u->dwfl_only || !fast_walk(u, d, t, max, w)) {
		dwfl_walk(d, t, &a);
		u->dwfl_walks++;
	} else {
		u->fast_walks++;
		a.cap = w->nr;
		if (u->verify)
			verify_walk(u, d, t, max, w);
	}
	for (i = 0; i < w->nr && top == SIZE_MAX; i++) {
		struct ks_user_frame *f = &w->frames[i];
		struct pc_name pn;

		name_pc(u, d->dwfl, p, f->pc, f->flags & KS_UF_EXACT, &pn);
		f->name = pn.text;
		f->raw = pn.raw;
		/* frame i came from frame i - 1's rule: CFI, or else the frame pointer */
		if (i && !prev_cfi)
			f->flags |= KS_UF_FALLBACK;
		pcfi = prev_cfi;
		pfile = lfile;
		prev_cfi = pn.cfi;
		lfile = pn.file;
		if (pn.top)
			top = i;
	}
	if (top != SIZE_MAX) {
		/* the outermost frame: what libdwfl found past it is no caller */
		w->nr = top + 1;
		w->stop = KS_USTOP_END;
		w->why[0] = '\0';
	} else if (w->stop == KS_USTOP_ERROR && fp_chain_end(d, w, a.fp_zero, prev_cfi)) {
		w->stop = KS_USTOP_END;
		w->why[0] = '\0';
	} else if (w->stop == KS_USTOP_ERROR) {
		w->no_cfi = no_unwind_info(w->nr, prev_cfi, lfile, pcfi, pfile);
	}
	/* the walk gave up before its first frame: the registers still name it */
	if (!w->nr)
		name_ip(u, d, p, t, w);
	/* kept until printed, a thread's walk holds only its frames */
	if (w->nr && w->nr < a.cap) {
		struct ks_user_frame *nf = realloc(w->frames, w->nr * sizeof(*nf));

		if (nf)
			w->frames = nf;
	}
}

/* The modules a process reports: its file mappings and its vDSO. */
static bool is_module_map(const struct ks_map *m)
{
	return !strcmp(m->path, "[vdso]") ||
	       (m->path[0] == '/' && (m->ino || m->dev_major || m->dev_minor));
}

static bool layout_same(const struct ks_maps *a, const struct ks_maps *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		const struct ks_map *x, *y;

		while (i < a->n && !is_module_map(&a->v[i]))
			i++;
		while (j < b->n && !is_module_map(&b->v[j]))
			j++;
		if (i == a->n || j == b->n)
			return i == a->n && j == b->n;
		x = &a->v[i++];
		y = &b->v[j++];
		if (x->start != y->start || x->end != y->end || x->ino != y->ino ||
		    x->dev_major != y->dev_major || x->dev_minor != y->dev_minor ||
		    x->offset != y->offset || strcmp(x->path, y->path))
			return false;
	}
}

bool ks_user_same_layout(const struct ks_user_proc *a, const struct ks_user_proc *b)
{
	return layout_same(&a->maps, &b->maps);
}

/*
 * The mappings report_modules() reads, copied: those with a name (files,
 * [vdso], [heap]: a named one that is not a file ends a module's run of
 * mappings). Anonymous ones (thread stacks: thousands in a big process)
 * change nothing there and are left out.
 */
static struct ks_error *module_layout(const struct ks_maps *src, struct ks_maps *dst)
{
	size_t i, n = 0, text = 0;
	char *w;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++) {
		if (!src->v[i].path[0])
			continue;
		n++;
		text += strlen(src->v[i].path) + 1;
	}
	dst->v = calloc(n + 1, sizeof(*dst->v));
	dst->text = malloc(text + 1);
	if (!dst->v || !dst->text) {
		ks_maps_fini(dst);
		return &ks_error_nomem;
	}
	w = dst->text;
	for (i = 0; i < src->n; i++) {
		size_t len = strlen(src->v[i].path) + 1;

		if (!src->v[i].path[0])
			continue;
		dst->v[dst->n] = src->v[i];
		dst->v[dst->n++].path = memcpy(w, src->v[i].path, len);
		w += len;
	}
	return NULL;
}

void ks_user_unwinder_release(struct ks_user_unwinder *u)
{
	struct ks_user_dwfl *d = u->held;

	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d->mods);
	ks_maps_fini(&d->layout);
	free(d);
	u->held = NULL;
	bound_open_files(u);
}

/* A Dwfl for p's modules: the one held if p has its layout, else a new one. */
static struct ks_error *dwfl_for(struct ks_user_unwinder *u, struct ks_user_proc *p,
				 struct ks_user_dwfl **d_ret)
{
	struct ks_user_dwfl *d = u->held;
	struct ks_error *err;
	Elf *arch_elf = NULL;
	size_t i;

	/* a new take of the process: its perf map may have grown since */
	u->jit_checked = false;
	/* a process in the same shared address space has the same maps, unread */
	if (d && ((p->space && d->space == p->space) || layout_same(&d->layout, &p->maps))) {
		d->pid = p->io_id;
		d->ctx.p = p;
		d->ctx.next = 0;
		*d_ret = d;
		return NULL;
	}
	ks_user_unwinder_release(u);
	d = calloc(1, sizeof(*d));
	if (!d)
		return &ks_error_nomem;
	u->held = d;
	u->dwfls_made++;
	d->pid = p->io_id;
	d->space = p->space;
	d->ctx = (struct ks_user_ctx){ .u = u, .p = p };
	err = module_layout(&p->maps, &d->layout);
	if (err)
		goto fail;
	d->dwfl = dwfl_begin(&dwfl_callbacks);
	d->mods = calloc(d->layout.n + 1, sizeof(*d->mods));
	if (!d->dwfl || !d->mods) {
		err = &ks_error_nomem;
		goto fail;
	}
	err = report_modules(u, d);
	if (err)
		goto fail;
	/* the architecture (x86_64 or i386) from the first module that opens */
	for (i = 0; i < d->nmods && !arch_elf; i++) {
		Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, d->mods[i].map->start);
		Dwarf_Addr bias;

		if (mod)
			arch_elf = dwfl_module_getelf(mod, &bias);
	}
	if (!arch_elf) {
		err = ks_error_format(ENOEXEC, "process %" PRIu64 ": no ELF file of it could be read",
				      p->pid);
		goto fail;
	}
	if (!dwfl_attach_state(d->dwfl, arch_elf, (pid_t)p->pid, &thread_callbacks, &d->ctx)) {
		err = ks_error_format(EIO, "process %" PRIu64 ": dwfl_attach_state: %s", p->pid,
				      dwfl_errmsg(-1));
		goto fail;
	}
	*d_ret = d;
	return NULL;
fail:
	ks_user_unwinder_release(u);
	return err;
}

/* Walk thread i of p (its copy live, or it says why not) into w. */
static void walk_one(struct ks_user_unwinder *u, struct ks_user_dwfl *d, struct ks_user_proc *p,
		     size_t i, size_t max_frames, struct ks_user_walk *w)
{
	struct ks_user_thread *t = &p->v[i];

	free(w->frames);
	memset(w, 0, sizeof(*w));
	if (!(t->flags & KS_UT_LIVE) || !t->stack_len) {
		w->stop = KS_USTOP_NONE;
		snprintf(w->why, sizeof(w->why), "%s",
			 t->flags & KS_UT_NO_STACK ? "user sp in no readable mapping" :
			 "user stack not readable");
		name_ip(u, d, p, t, w);
		return;
	}
	walk_thread(u, d, p, t, max_frames, w);
}

struct ks_error *ks_user_unwind_live(struct ks_user_unwinder *u, struct ks_user_proc *p,
				     size_t max_frames, struct ks_user_walk *walks)
{
	struct ks_user_dwfl *d;
	struct ks_error *err;
	size_t i;

	if (!p->nlive)
		return NULL;
	err = dwfl_for(u, p, &d);
	if (err)
		return err;
	for (i = 0; i < p->nlive; i++)
		walk_one(u, d, p, p->live[i], max_frames, &walks[p->live[i]]);
	return NULL;
}

struct ks_error *ks_user_unwind_procs(struct ks_user_unwinder *u, struct ks_user_proc **procs,
				      size_t nprocs, size_t max_frames, struct ks_user_walk **walks)
{
	struct ks_user_dwfl *d;
	struct ks_error *err;
	size_t i, k;

	for (k = 0; k < nprocs; k++)
		memset(walks[k], 0, procs[k]->n * sizeof(*walks[k]));
	for (k = 0; k < nprocs; k++) {
		err = dwfl_for(u, procs[k], &d);
		if (err)
			return err;
		for (i = 0; i < procs[k]->n; i++)
			walk_one(u, d, procs[k], i, max_frames, &walks[k][i]);
	}
	return NULL;
}

struct ks_error *ks_user_unwind_proc(struct ks_user_unwinder *u, struct ks_user_proc *p,
				     size_t max_frames, struct ks_user_walk *walks)
{
	return ks_user_unwind_procs(u, &p, 1, max_frames, &walks);
}

void ks_user_walks_fini(struct ks_user_walk *walks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(walks[i].frames);
		walks[i].frames = NULL;
		walks[i].nr = 0;
	}
}
