// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Each module's own names, read once per run (pe_modules.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "pe_modules.h"

/*
 * Past this an image is not read: kernel and DLL images are a few MiB, and
 * a file that claims more is not worth holding in memory for names.
 */
#define MAX_IMAGE_FILE (256u << 20)

void ks_pe_modules_add(struct ks_symbols *s, ULONG64 base, ULONG64 size,
		       const char *path, int kernel)
{
	struct ks_pe_module *m, *nv;
	const char *file, *dot;
	size_t i, n;

	for (i = 0; i < s->npe; i++)
		if (s->pe[i].base == base)
			return;
	if (s->npe == s->pe_cap) {
		n = s->pe_cap ? 2 * s->pe_cap : 64;
		nv = realloc(s->pe, n * sizeof(*nv));
		if (!nv)
			return;	/* its frames stay unnamed, nothing worse */
		s->pe = nv;
		s->pe_cap = n;
	}
	m = &s->pe[s->npe++];
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->size = size;
	m->kernel = kernel;
	snprintf(m->path, sizeof(m->path), "%s", path);
	/* dbghelp's ModuleName: the file name without its extension. */
	file = strrchr(path, '\\');
	file = file ? file + 1 : path;
	dot = strrchr(file, '.');
	n = dot ? (size_t)(dot - file) : strlen(file);
	snprintf(m->name, sizeof(m->name), "%.*s", (int)n, file);
}

/* The whole file into memory (plain CreateFile/ReadFile: NT 3.1's). */
static int read_whole_file(const char *path, void **data, size_t *size)
{
	HANDLE h;
	DWORD n, high = 0, got;
	char *buf;
	size_t done = 0;

	h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE |
			FILE_SHARE_DELETE, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return -1;
	n = GetFileSize(h, &high);
	if (n == INVALID_FILE_SIZE || high || n > MAX_IMAGE_FILE || !(buf = malloc(n ? n : 1))) {
		CloseHandle(h);
		return -1;
	}
	while (done < n) {
		if (!ReadFile(h, buf + done, (DWORD)(n - done), &got, NULL) || !got)
			break;
		done += got;
	}
	CloseHandle(h);
	if (done < n) {
		free(buf);
		return -1;
	}
	*data = buf;
	*size = n;
	return 0;
}

/* The mapped layout's reader for a kernel module: offsets from its base. */
struct kernel_image {
	struct ks_symbols *s;
	ULONG64 base;
};

static int read_kernel_image(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct kernel_image *k = ctx;

	return k->s->kernel_read(k->s->kernel_read_ctx, k->base + off, buf, len);
}

/*
 * The file first: it alone has the COFF table. A file whose SizeOfImage
 * is not the loaded module's is another build of it (a WOW64 System32 /
 * SysWOW64 mix-up, a driver replaced on disk): its names would be wrong,
 * so it is not used. A kernel module then, or when its file cannot be
 * opened, comes from memory where a reader is set.
 */
static void read_module(struct ks_symbols *s, struct ks_pe_module *m)
{
	void *data;
	size_t size;
	int rc = -1;

	m->read = -1;
	/*
	 * A kernel module's file only by a full path ("X:\\..."): one listed
	 * by an NT path, a bare or relative name must not be looked for in
	 * kstack's current directory; memory is read instead.
	 */
	if ((!m->kernel || (m->path[0] && m->path[1] == ':' && m->path[2] == '\\')) &&
	    !read_whole_file(m->path, &data, &size)) {
		rc = ks_pesyms_from_file(&m->syms, data, size);
		free(data);
		if (!rc && m->size && m->syms.image_size != m->size) {
			ks_pesyms_free(&m->syms);
			rc = -1;
		}
	}
	if (rc && m->kernel && s->kernel_read) {
		struct kernel_image k = { s, m->base };

		rc = ks_pesyms_from_mapped(&m->syms, read_kernel_image, &k);
	}
	if (rc)
		return;
	m->read = 1;
	if (!m->size)
		m->size = m->syms.image_size;
}

/*
 * A linear search: a few hundred modules at most, and a frame that
 * reaches here is one dbghelp could not name.
 */
struct ks_pe_module *ks_pe_modules_find(struct ks_symbols *s, ULONG64 base, ULONG64 addr)
{
	struct ks_pe_module *m = NULL;
	size_t i;

	for (i = 0; i < s->npe; i++) {
		if (base ? s->pe[i].base == base
			 : s->pe[i].base <= addr && (!m || s->pe[i].base > m->base))
			m = &s->pe[i];
	}
	if (!m)
		return NULL;
	if (!m->read)
		read_module(s, m);
	/* By address, the module must hold it (a kernel module's size is
	 * known only once read). */
	if (!base && (!m->size || addr - m->base >= m->size))
		return NULL;
	return m;
}

void ks_pe_modules_free(struct ks_symbols *s)
{
	size_t i;

	for (i = 0; i < s->npe; i++)
		ks_pesyms_free(&s->pe[i].syms);
	free(s->pe);
	s->pe = NULL;
	s->npe = s->pe_cap = 0;
}
