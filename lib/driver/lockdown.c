// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lockdown.h"

bool ks_memory_refused(struct ks_driver *drv)
{
	struct kstack_kernel_info ki;
	struct ks_error *err = ks_driver_kernel_info(drv, &ki);
	uint64_t word;
	bool refused;

	if (err) {
		ks_error_destroy(err);
		return false;
	}
	if (!ki.text_start)
		return false;
	err = ks_driver_read(drv, ki.text_start, &word, sizeof(word));
	refused = err && err->code == EPERM;
	ks_error_destroy(err);
	return refused;
}

bool ks_lockdown_level(char *buf, size_t len)
{
	/* "none integrity [confidentiality]": the bracketed one is in force */
	char line[128], *open, *close;
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	bool ok = false;

	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && (open = strchr(line, '[')) &&
	    (close = strchr(open, ']'))) {
		*close = '\0';
		snprintf(buf, len, "%s", open + 1);
		ok = true;
	}
	fclose(f);
	return ok;
}
