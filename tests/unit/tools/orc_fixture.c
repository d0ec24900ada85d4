// SPDX-License-Identifier: GPL-2.0
/*
 * Host tool: cut a small ORC fixture out of a vmlinux ELF (Debian's vmlinuz
 * unpacked with the kernel's scripts/extract-vmlinux keeps its section
 * headers). Keeps the entries whose ip lies in the given [lo, hi) ranges plus
 * the entry in force at each lo, re-encoded in the kernel's raw form:
 *
 *   "KSORCFX1" | u64 ip_table_addr | u64 n | s32 ip_off[n] | u8 orc[n][6]
 *
 * where ip = ip_table_addr + 4 * i + ip_off[i], as in .orc_unwind_ip.
 * Usage: orc_fixture VMLINUX OUT LO:HI [LO:HI ...]   (hex addresses)
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Elf_Data *section(Elf *elf, const char *want, uint64_t *addr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	elf_getshdrstrndx(elf, &shstrndx);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		gelf_getshdr(scn, &sh);
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, want)) {
			*addr = sh.sh_addr;
			return elf_getdata(scn, NULL);
		}
	}
	fprintf(stderr, "no section %s\n", want);
	exit(1);
}

int main(int argc, char **argv)
{
	uint64_t ipaddr, orcaddr, n, i, kept = 0, *ips;
	unsigned char *keep;
	Elf_Data *ipd, *orcd;
	FILE *out;
	Elf *elf;
	int fd, a;

	if (argc < 4) {
		fprintf(stderr, "usage: %s VMLINUX OUT LO:HI...\n", argv[0]);
		return 2;
	}
	elf_version(EV_CURRENT);
	fd = open(argv[1], O_RDONLY);
	elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
	if (!elf) {
		perror(argv[1]);
		return 1;
	}
	ipd = section(elf, ".orc_unwind_ip", &ipaddr);
	orcd = section(elf, ".orc_unwind", &orcaddr);
	n = ipd->d_size / 4;
	ips = malloc(n * sizeof(*ips));
	keep = calloc(n, 1);
	for (i = 0; i < n; i++) {
		int32_t off;

		memcpy(&off, (char *)ipd->d_buf + 4 * i, 4);
		ips[i] = ipaddr + 4 * i + (int64_t)off;
	}
	for (a = 3; a < argc; a++) {
		uint64_t lo, hi, last = 0;
		int have = 0;

		if (sscanf(argv[a], "%lx:%lx", &lo, &hi) != 2)
			return 2;
		for (i = 0; i < n; i++) {
			if (ips[i] <= lo) {
				last = i;
				have = 1;
			}
			if (ips[i] >= lo && ips[i] < hi)
				keep[i] = 1;
		}
		if (have)
			keep[last] = 1;
	}
	out = fopen(argv[2], "wb");
	for (i = 0; i < n; i++)
		kept += keep[i];
	fwrite("KSORCFX1", 1, 8, out);
	fwrite(&ipaddr, 8, 1, out);
	fwrite(&kept, 8, 1, out);
	for (i = 0, a = 0; i < n; i++) {
		if (keep[i]) {
			int32_t off = (int32_t)(ips[i] - (ipaddr + 4 * (uint64_t)a));

			fwrite(&off, 4, 1, out);
			a++;
		}
	}
	for (i = 0; i < n; i++)
		if (keep[i])
			fwrite((char *)orcd->d_buf + 6 * i, 1, 6, out);
	fclose(out);
	fprintf(stderr, "%lu of %lu entries kept\n", (unsigned long)kept, (unsigned long)n);
	return 0;
}
