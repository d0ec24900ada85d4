// SPDX-License-Identifier: GPL-2.0
/* How user frames are named, as the command line says (cli.h: cli_user_names()). */
#include "cli.h"
#include "user_half.h"

/* cli_message() escapes what it prints: a note may quote the target's paths. */
static void note_stderr(void *arg, const char *msg)
{
	(void)arg;
	cli_message("%s", msg);
}

void cli_user_names(struct ks_user_half *h, const struct opts *o)
{
	h->unwinder.raw_names = o->no_demangle;
	h->unwinder.note = note_stderr;
	h->unwinder.note_arg = NULL;
}
