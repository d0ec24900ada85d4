// SPDX-License-Identifier: GPL-2.0
/*
 * ksdrv_test: MODULE_ORC (modorc) vs /sys/module/NAME/sections and the
 * tables themselves, read back; every refusal.
 */
#define _GNU_SOURCE
#include "ksdrv_test.h"
#include "ksyms_mini.h"

/* /sys/module/MOD/sections/SEC as a number, 0 if absent */
static uint64_t sys_section(const char *mod, const char *sec)
{
	char path[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", mod, sec);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llx", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int modorc_call(int fd, struct kstack_module_orc *buf, uint32_t max, struct kstack_module_orcs *req)
{
	HDR(*req);
	req->buffer = (uintptr_t)buf;
	req->max = max;
	return ioctl(fd, KSTACK_IOCTL_MODULE_ORC, req);
}

/*
 * Each entry against what sysfs shows for the module (the table addresses
 * are the loader's, which sysfs names by section), and the tables read back
 * through READ_MEMORY: every ip inside the module's text, sorted. Every
 * live module with ORC sections is listed. EXPECT: modules that must be there.
 */
int cmd_modorc(int argc, char **argv)
{
	static struct kstack_module_orc mods[KSTACK_MODULE_ORC_MAX];
	struct kstack_module_orcs req;
	struct kstack_version v;
	int fd = open_dev(), ret, bad = 0, missing = 0;
	char line[512], why[256] = "-";
	FILE *pm;

	HDR(v);
	ioctl(fd, KSTACK_IOCTL_VERSION, &v);
	result(!!(v.caps & KSTACK_CAP_MODULE_ORC), "VERSION reports KSTACK_CAP_MODULE_ORC",
	       "caps %#x", v.caps);
	ret = modorc_call(fd, mods, KSTACK_MODULE_ORC_MAX, &req);
	for (uint32_t i = 0; ret == 0 && i < req.nr; i++) {
		const struct kstack_module_orc *m = &mods[i];
		uint64_t text = sys_section(m->name, ".text");
		int32_t *ips = calloc(m->num_orcs, 4);
		uint8_t last_orc[6];
		uint64_t prev = 0;
		int ok;

		ok = memchr(m->name, 0, sizeof(m->name)) && m->num_orcs &&
		     m->orc_ip == sys_section(m->name, ".orc_unwind_ip") &&
		     m->orc == sys_section(m->name, ".orc_unwind") &&
		     m->text_start < m->text_end && (!text || (text >= m->text_start && text < m->text_end));
		if (!ok && !bad)
			snprintf(why, sizeof(why), "%.56s: not as sysfs shows it (ip %#" PRIx64 " orc %#" PRIx64 ")",
				 m->name, m->orc_ip, m->orc);
		if (ok && (read_mem(fd, m->orc_ip, ips, m->num_orcs * 4, NULL) ||
			   read_mem(fd, m->orc + (m->num_orcs - 1) * 6ull, last_orc, 6, NULL))) {
			ok = 0;
			if (!bad)
				snprintf(why, sizeof(why), "%.56s: READ_MEMORY of its tables: %s", m->name,
					 strerror(errno));
		}
		/*
		 * sorted by the loader (orc_sort()); entries for .init.text lie
		 * outside the core text (that memory is freed after init, the
		 * kernel's orc_module_find() no longer reaches them), the rest
		 * inside it; a terminator may sit at the text's very end
		 */
		for (uint32_t k = 0, in = 0; ok && k < m->num_orcs; k++) {
			uint64_t ip = m->orc_ip + 4ull * k + (int64_t)ips[k];

			in += ip >= m->text_start && ip <= m->text_end;
			if (ip < prev || (k == m->num_orcs - 1 && in * 2 < m->num_orcs)) {
				ok = 0;
				if (!bad)
					snprintf(why, sizeof(why), "%.56s: entry %u ip %#" PRIx64 " unsorted, or only %u of %u in [%#" PRIx64 ", %#" PRIx64 "]",
						 m->name, k, ip, in, m->num_orcs, m->text_start, m->text_end);
			}
			prev = ip;
		}
		bad += !ok;
		free(ips);
	}
	result(ret == 0 && req.nr > 0 && !bad, "MODULE_ORC: every entry as sysfs shows it, tables readable, sorted, in the module's text",
	       "ret=%d errno=%d nr=%u bad=%d: %s", ret, errno, req.nr, bad, why);
	/* every live module with ORC sections is there */
	pm = fopen("/proc/modules", "r");
	while (ret == 0 && pm && fgets(line, sizeof(line), pm)) {
		char name[64], state[16];
		int found = 0;

		if (sscanf(line, "%63s %*s %*s %*s %15s", name, state) != 2 || strcmp(state, "Live") ||
		    !sys_section(name, ".orc_unwind_ip"))
			continue;
		for (uint32_t i = 0; i < req.nr; i++)
			found |= !strcmp(mods[i].name, name);
		if (!found) {
			printf("# MODULE_ORC misses %s\n", name);
			missing++;
		}
	}
	if (pm)
		fclose(pm);
	result(ret == 0 && !missing, "MODULE_ORC lists every live module with ORC tables",
	       "%d missing", missing);
	for (int a = 0; a < argc; a++) {
		int found = 0;
		char what[128];

		for (uint32_t i = 0; ret == 0 && i < req.nr; i++)
			found |= !strcmp(mods[i].name, argv[a]);
		snprintf(what, sizeof(what), "MODULE_ORC lists %s", argv[a]);
		result(found, what, "not among %u entries", req.nr);
	}
	/* our own module: its ioctl handler lies inside the text range given */
	if (!ksyms_load()) {
		uint64_t h = ksym_addr("kstack_ioctl [kstack]");
		int in = 0;

		for (uint32_t i = 0; ret == 0 && i < req.nr; i++)
			in |= !strcmp(mods[i].name, "kstack") && h >= mods[i].text_start &&
			      h < mods[i].text_end;
		result(in, "MODULE_ORC: kstack's text range holds kstack_ioctl", "kstack_ioctl %#" PRIx64, h);
	}
	if (req.nr > 1) {
		struct kstack_module_orc one[2];
		struct kstack_module_orcs r1;

		memset(one, 0x5a, sizeof(one));
		ret = modorc_call(fd, one, 1, &r1);
		result(ret < 0 && errno == ENOSPC && r1.nr == req.nr && !memcmp(&one[0], &mods[0], sizeof(one[0])) &&
		       ((unsigned char *)&one[1])[0] == 0x5a,
		       "MODULE_ORC with room for 1: ENOSPC, the count, the first entry, nothing past it",
		       "ret=%d errno=%d nr=%u of %u", ret, errno, r1.nr, req.nr);
	}
	ret = modorc_call(fd, mods, 0, &req);
	result(ret < 0 && errno == EINVAL, "MODULE_ORC with max 0 -> EINVAL", "ret=%d errno=%d", ret, errno);
	ret = modorc_call(fd, mods, KSTACK_MODULE_ORC_MAX + 1, &req);
	result(ret < 0 && errno == EINVAL, "MODULE_ORC over the limit -> EINVAL", "ret=%d errno=%d", ret, errno);
	ret = modorc_call(fd, (void *)8, 16, &req);
	result(ret < 0 && errno == EFAULT, "MODULE_ORC into a bad user buffer -> EFAULT", "ret=%d errno=%d", ret, errno);
	HDR(req);
	req.hdr.size = 16;
	ret = ioctl(fd, KSTACK_IOCTL_MODULE_ORC, &req);
	result(ret < 0 && errno == EINVAL, "MODULE_ORC truncated request -> EINVAL", "ret=%d errno=%d", ret, errno);
	close(fd);
	return 0;
}
