// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_orc.h"
#include "orc_lazy.h"

/* more entries than any module has (ext4: ~30,000) means a bad entry */
#define KS_MODULE_ORC_ENTRIES_MAX (1u << 22)

static void ks_note(const struct ks_kernel_orc_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ks_note(const struct ks_kernel_orc_opts *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->note(o->note_ctx, buf);
}

struct ks_error *ks_kernel_orc_layout(uint32_t driver_layout, const char *release,
				      enum ks_orc_layout *ret)
{
	unsigned int a = 0, b = 0, c = 0;
	enum ks_orc_layout by_version;

	if (!release || sscanf(release, "%u.%u.%u", &a, &b, &c) < 2)
		return ks_error_format(EINVAL, "cannot parse kernel release \"%s\"",
				       release ? release : "");
	by_version = ks_orc_layout_for_kernel(KS_KERNEL_VERSION(a, b, c > 255 ? 255 : c));
	if (by_version == KS_ORC_LAYOUT_UNKNOWN)
		return ks_error_format(ENOTSUP, "kernel %s has no ORC format this tool knows", release);
	if (driver_layout && driver_layout != (uint32_t)by_version)
		return ks_error_format(EPROTO,
				       "driver reports ORC layout %u but kernel %s implies %s; refusing to guess",
				       driver_layout, release, ks_orc_layout_name(by_version));
	*ret = by_version;
	return NULL;
}

static struct ks_error *ks_load_table(const struct ks_kernel_orc_opts *o, const char *name,
				      uint64_t ip_addr, uint64_t orc_addr, size_t n,
				      uint64_t start, uint64_t end, bool need_end,
				      struct ks_orc_table **ret)
{
	void *ipbuf = malloc(n * 4), *orcbuf = malloc(n * KS_ORC_RAW_SIZE);
	struct ks_error *err;

	if (!ipbuf || !orcbuf) {
		err = &ks_error_nomem;
		goto out;
	}
	err = o->read(o->ctx, ip_addr, ipbuf, n * 4);
	if (!err)
		err = o->read(o->ctx, orc_addr, orcbuf, n * KS_ORC_RAW_SIZE);
	if (err) {
		err = ks_error_wrap(err, "%s: reading ORC tables", name);
		goto out;
	}
	err = ks_orc_table_from_raw(name, o->layout, ipbuf, ip_addr, orcbuf, n, start, end, ret);
	if (err)
		goto out;
	err = ks_orc_table_check(*ret, need_end, NULL);
	if (err) {
		ks_orc_table_destroy(*ret);
		*ret = NULL;
	}
out:
	free(ipbuf);
	free(orcbuf);
	return err;
}

static struct ks_error *ks_load_vmlinux(const struct ks_kernel_orc_opts *o, struct ks_orc_set *set)
{
	const struct ks_ksyms *ks = o->ksyms;
	uint64_t ip0, ip1, orc0, orc1;
	struct ks_orc_table *t;
	struct ks_error *err;
	size_t n;

	if (o->kinfo && o->kinfo->orc_lookup_start) {
		err = ks_orc_lazy_table("vmlinux", o->layout, o->read, o->ctx, o->kinfo, &t);
		return err ? err : ks_orc_set_add(set, t);
	}
	if (!ks)
		return ks_error_format(ENOENT, "vmlinux: neither KERNEL_INFO nor kallsyms to find its ORC tables");
	ip0 = ks->orc_ip_start;
	ip1 = ks->orc_ip_stop;
	orc0 = ks->orc_start;
	orc1 = ks->orc_stop;
	if (!ip0 || !ip1 || !orc0 || !orc1)
		return ks_error_format(ENOENT, "vmlinux: no __start/__stop_orc_unwind(_ip) in kallsyms (kernel built without CONFIG_UNWINDER_ORC?)");
	if (!ks->stext || !ks->etext)
		return ks_error_format(ENOENT, "vmlinux: no _stext/_etext in kallsyms");
	if (ip1 <= ip0 || orc1 <= orc0 || (ip1 - ip0) % 4 || (orc1 - orc0) % KS_ORC_RAW_SIZE ||
	    (ip1 - ip0) / 4 != (orc1 - orc0) / KS_ORC_RAW_SIZE)
		return ks_error_format(EPROTO, "vmlinux: ORC table bounds disagree (ip %#" PRIx64 "..%#" PRIx64 ", orc %#" PRIx64 "..%#" PRIx64 ")",
				       ip0, ip1, orc0, orc1);
	n = (size_t)((ip1 - ip0) / 4);
	err = ks_load_table(o, "vmlinux", ip0, orc0, n, ks->stext, ks->etext, true, &t);
	if (err)
		return err;
	return ks_orc_set_add(set, t);
}

/*
 * Each module's tables where the driver's MODULE_ORC says the loader put
 * them, whole. A module whose tables cannot be read or fail the checks is
 * noted and left out: its frames get the frame-pointer/scan fallback.
 */
static void ks_load_modules(const struct ks_kernel_orc_opts *o, struct ks_orc_set *set)
{
	size_t i;

	if (!o->modules) {
		ks_note(o, "driver has no MODULE_ORC: module frames will have no ORC data");
		return;
	}
	for (i = 0; i < o->nr_modules; i++) {
		const struct kstack_module_orc *m = &o->modules[i];
		char name[KSTACK_MODULE_NAME_LEN];
		struct ks_orc_table *t;
		struct ks_error *err;

		memcpy(name, m->name, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		if (!m->num_orcs || m->num_orcs > KS_MODULE_ORC_ENTRIES_MAX ||
		    m->text_end <= m->text_start) {
			ks_note(o, "module %s: MODULE_ORC entry makes no sense (%u entries for [%#" PRIx64 ", %#" PRIx64 "))",
				name, m->num_orcs, m->text_start, m->text_end);
			continue;
		}
		err = ks_load_table(o, name, m->orc_ip, m->orc, m->num_orcs, m->text_start,
				    m->text_end, false, &t);
		if (!err)
			err = ks_orc_set_add(set, t);
		if (err) {
			ks_note(o, "module %s: %s", name, err->message);
			ks_error_destroy(err);
		}
	}
}

struct ks_error *ks_kernel_orc_load(const struct ks_kernel_orc_opts *o, struct ks_orc_set *set)
{
	struct ks_error *err = ks_load_vmlinux(o, set);

	if (err)
		return err;
	ks_load_modules(o, set);
	return NULL;
}
