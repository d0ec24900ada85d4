// SPDX-License-Identifier: GPL-2.0
/* kstack's messages on stderr, escaped: they may quote module names, paths or arguments. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"

void cli_message(const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs("kstack: ", stderr);
	if (n >= 0)
		ks_escape_write(stderr, msg, (size_t)n);	/* our own text is plain ASCII */
	else
		fputs("out of memory", stderr);
	fputc('\n', stderr);
	free(msg);
}
