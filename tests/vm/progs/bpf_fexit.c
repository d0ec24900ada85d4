// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_fexit FUNC READYFILE: attach an empty BPF fexit program to kernel
 * function FUNC with raw bpf(2) (no libbpf: its BTF id found by walking
 * /sys/kernel/btf/vmlinux), create READYFILE, and hold it attached until
 * killed. While attached, a thread sleeping in FUNC returns into a BPF
 * trampoline: JIT code with no ORC entry, which the kernel's unwinder steps
 * with the frame pointer. Exit 1 with a message if anything fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char *read_all(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* bytes of kind-specific data after a struct btf_type (include/uapi/linux/btf.h) */
static long btf_extra(const struct btf_type *t)
{
	unsigned int vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM: return vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO: return vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR: return sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return sizeof(struct btf_decl_tag);
	case 19 /* BTF_KIND_ENUM64 */: return vlen * 12;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/* the BTF id of FUNC name, 0 if not found */
static uint32_t btf_func_id(const char *name)
{
	size_t len;
	char *buf = read_all("/sys/kernel/btf/vmlinux", &len);
	const struct btf_header *h = (const void *)buf;
	const char *types, *strs;
	uint32_t id = 1, off = 0;

	if (!buf || len < sizeof(*h) || h->magic != BTF_MAGIC)
		return 0;
	types = buf + h->hdr_len + h->type_off;
	strs = buf + h->hdr_len + h->str_off;
	while (off + sizeof(struct btf_type) <= h->type_len) {
		const struct btf_type *t = (const void *)(types + off);
		long extra = btf_extra(t);

		if (extra < 0)
			return 0;
		if (BTF_INFO_KIND(t->info) == BTF_KIND_FUNC && t->name_off < h->str_len &&
		    !strcmp(strs + t->name_off, name))
			return id;
		off += sizeof(*t) + extra;
		id++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[65536];
	union bpf_attr a;
	uint32_t id;
	int prog, link;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: bpf_fexit FUNC READYFILE\n");
		return 2;
	}
	id = btf_func_id(argv[1]);
	if (!id) {
		fprintf(stderr, "bpf_fexit: no BTF FUNC %s in /sys/kernel/btf/vmlinux\n", argv[1]);
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = BPF_TRACE_FEXIT;
	a.attach_btf_id = id;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (prog < 0) {
		fprintf(stderr, "bpf_fexit: BPF_PROG_LOAD: %s\n%.500s\n", strerror(errno), log);
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.prog_fd = prog;
	link = syscall(SYS_bpf, BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a));
	if (link < 0) {
		fprintf(stderr, "bpf_fexit: attach: %s\n", strerror(errno));
		return 1;
	}
	f = fopen(argv[2], "w");
	if (f) {
		fprintf(f, "attached %s\n", argv[1]);
		fclose(f);
	}
	for (;;)
		pause();
}
