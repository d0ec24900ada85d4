// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "output.h"

/* Names come from kallsyms, i.e. from whoever built a module: escaped. */
static int ks_format_sym(char *buf, size_t len, const struct ks_symbol *s)
{
	size_t n = ks_escape_str(buf, len, s->name);

	if (n >= len)
		return (int)n;
	/*
	 * kallsyms lists no sizes: ksyms.c takes the distance to the owner's
	 * next symbol, which for BPF code ([bpf]: programs and trampolines,
	 * each its own image) is not the image's size: left out there.
	 */
	if (s->size && strcmp(s->owner, "bpf"))
		return (int)n + snprintf(buf + n, len - n, "+0x%" PRIx64 "/0x%" PRIx64, s->offset,
					 s->size);
	return (int)n + snprintf(buf + n, len - n, "+0x%" PRIx64, s->offset);
}

void ks_format_symbol(char *buf, size_t len, const struct ks_ksyms *ks, uint64_t ip,
		      bool exact)
{
	struct ks_symbol s;
	int n;

	if (!ks || !(exact ? ks_ksyms_lookup(ks, ip, &s) : ks_ksyms_lookup_return(ks, ip, &s))) {
		snprintf(buf, len, "[unknown]");
		return;
	}
	n = (int)ks_escape_str(buf, len, s.owner);
	if (n >= 0 && (size_t)n + 1 < len) {
		buf[n++] = '!';
		ks_format_sym(buf + n, len - (size_t)n, &s);
	}
}

void ks_format_frame(char *buf, size_t len, const struct ks_ksyms *ks, uint64_t ip,
		     bool exact, bool reliable)
{
	int n = snprintf(buf, len, "%016" PRIx64 " : %s", ip, reliable ? "" : "? ");

	if (n >= 0 && (size_t)n < len)
		ks_format_symbol(buf + n, len - (size_t)n, ks, ip, exact);
}

void ks_format_proc(char *buf, size_t len, const struct ks_ksyms *ks, uint64_t ip)
{
	struct ks_symbol s;
	int n;

	/*
	 * %pB: return-address lookup; unknown addresses print as hex, and so
	 * do ftrace trampolines and kprobe slots ("[__builtin__ftrace]",
	 * "[__builtin__kprobes]" in kallsyms): only the kallsyms listing
	 * names them, the kernel's lookup by address does not (v6.1)
	 */
	if (!ks || !ks_ksyms_lookup_return(ks, ip, &s) ||
	    !strncmp(s.owner, "__builtin__", 11)) {
		snprintf(buf, len, "%#" PRIx64, ip);
		return;
	}
	n = ks_format_sym(buf, len, &s);
	/* BPF code is named with no module (bpf_address_lookup()) */
	if (n >= 0 && (size_t)n + 2 < len && s.owner != ks->owners[0] && strcmp(s.owner, "bpf")) {
		memcpy(buf + n, " [", 2);
		n += 2;
		n += (int)ks_escape_str(buf + n, len - (size_t)n, s.owner);
		if ((size_t)n + 1 < len)
			memcpy(buf + n, "]", 2);
	}
}

char ks_task_state_letter(uint32_t state)
{
	/* include/linux/sched.h (6.1): bit i of TASK_REPORT -> "RSDTtXZPI"[i + 1] */
	static const char letters[] = "SDTtXZP";
	unsigned int i;

	if ((state & 0x402) == 0x402)	/* TASK_IDLE = UNINTERRUPTIBLE | NOLOAD */
		return 'I';
	if (state & 0x1000)		/* TASK_RTLOCK_WAIT reads as D */
		return 'D';
	for (i = 0; i < 7; i++)
		if (state & (1u << i))
			return letters[i];
	return 'R';
}
