// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_orc.h"
#include "orc_lazy.h"

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

/* Address of /sys/module/NAME/sections/SECTION (root only shows them). */
static bool ks_section_addr(const char *dir, const char *mod, const char *sec, uint64_t *ret)
{
	char path[512];
	unsigned long long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s/sections/%s", dir, mod, sec);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fscanf(f, "%llx", &v) == 1;
	fclose(f);
	*ret = v;
	return ok && v;
}

/* Lowest section address above addr, or 0: bounds a section's size. */
static uint64_t ks_next_section(const char *dir, const char *mod, uint64_t addr)
{
	char path[512];
	uint64_t best = 0, v;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/sections", dir, mod);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (ks_section_addr(dir, mod, de->d_name, &v) && v > addr && (!best || v < best))
			best = v;
	}
	closedir(d);
	return best;
}

/*
 * sysfs gives section addresses, not sizes. The module loader lays out
 * .orc_unwind and .orc_unwind_ip (both read-only, alignment 1) next to each
 * other in section order, so the gap between them is one table's size:
 * n = gap / 6 (orc first, as objtool emits them) or gap / 4. Check it with
 * the section that follows; the table checks then catch a wrong guess.
 */
static bool ks_module_orc_count(const char *dir, const char *mod, uint64_t ip, uint64_t orc,
				size_t *ret)
{
	uint64_t after, n;

	if (orc < ip) {
		if ((ip - orc) % KS_ORC_RAW_SIZE)
			return false;
		n = (ip - orc) / KS_ORC_RAW_SIZE;
		after = ks_next_section(dir, mod, ip);
		if (after && ip + 4 * n > after)
			return false;
	} else {
		if ((orc - ip) % 4)
			return false;
		n = (orc - ip) / 4;
		after = ks_next_section(dir, mod, orc);
		if (after && orc + KS_ORC_RAW_SIZE * n > after)
			return false;
	}
	*ret = (size_t)n;
	return n > 0;
}

static void ks_load_modules(const struct ks_kernel_orc_opts *o, struct ks_orc_set *set)
{
	const char *dir = o->sys_module ? o->sys_module : "/sys/module";
	const char *pm = o->proc_modules ? o->proc_modules : "/proc/modules";
	char line[1024];
	FILE *f = fopen(pm, "re");

	if (!f) {
		ks_note(o, "%s: %s: module frames will have no ORC data", pm, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[256];
		unsigned long long size, base;
		uint64_t ip, orc;
		struct ks_orc_table *t;
		struct ks_error *err;
		size_t n;

		if (sscanf(line, "%255s %llu %*s %*s %*s %llx", name, &size, &base) != 3)
			continue;
		if (!base) {
			ks_note(o, "module %s: address hidden (not root?): no ORC data", name);
			continue;
		}
		if (!ks_section_addr(dir, name, ".orc_unwind_ip", &ip) ||
		    !ks_section_addr(dir, name, ".orc_unwind", &orc)) {
			ks_note(o, "module %s has no ORC tables: its frames use the frame-pointer/scan fallback",
				name);
			continue;
		}
		if (!ks_module_orc_count(dir, name, ip, orc, &n)) {
			ks_note(o, "module %s: cannot size its ORC tables from section addresses", name);
			continue;
		}
		err = ks_load_table(o, name, ip, orc, n, base, base + size, false, &t);
		if (!err)
			err = ks_orc_set_add(set, t);
		if (err) {
			ks_note(o, "module %s: %s", name, err->message);
			ks_error_destroy(err);
		}
	}
	fclose(f);
}

struct ks_error *ks_kernel_orc_load(const struct ks_kernel_orc_opts *o, struct ks_orc_set *set)
{
	struct ks_error *err = ks_load_vmlinux(o, set);

	if (err)
		return err;
	ks_load_modules(o, set);
	return NULL;
}
