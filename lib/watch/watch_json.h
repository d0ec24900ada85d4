/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kstack --watch --format json: one JSON object a line, each a whole
 * event, the form journald, Loki and Elastic pipelines ingest line by line:
 *
 *   {"event":"stuck","time":"2024-12-08T03:00:12.345Z","tid":412,"tgid":400,
 *    "comm":"nginx","state":"D","seconds":31.0,"function":"wait_for_vfork_done",
 *    "ctxsw":{"voluntary":3,"involuntary":0},"end":"user","partial":false,
 *    "kernel_frames":[...],"user_frames":[...]}
 *   {"event":"unstuck","time":"...","tid":412,"tgid":400,"comm":"nginx",
 *    "seconds":45.2,"exited":false}
 *
 * Frames as the JSON report writes them (report_json.c, schema
 * doc/kstack-report.schema.json: address, name, module, function,
 * raw_function, offset, reliable, exact), innermost first. Strings are
 * escaped as in the text (escape.h), so every line is plain ASCII.
 */
#ifndef KSTACK_WATCH_JSON_H
#define KSTACK_WATCH_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"

struct ks_watch_event {
	const char *event;		/* "stuck", "unstuck" */
	uint64_t time_ns;		/* CLOCK_REALTIME */
	uint64_t tid, tgid;
	const char *comm;		/* raw, NUL-ended */
	char state;			/* ps letter; 0: not written */
	double seconds;			/* stuck so long (unstuck: had been) */
	const char *function;		/* escaped; NULL: not written */
	bool exited;			/* unstuck: it exited (else it made progress) */
	/* stuck: its stack as taken when it was reported (with_stack) */
	bool with_stack;
	uint64_t nvcsw, nivcsw;
	const char *end;		/* "user", "kernel_thread", "truncated", "stopped", "running" */
	const char *stop_reason;	/* NULL: whole */
	const struct ks_cap_frame *kf, *uf;	/* names escaped, never NULL */
	size_t nk, nu;
	/* what the thread waits for, where known (the wait-for analysis); NULL: nothing */
	const char *waiting_for;
	/* the stack could not be taken: why (NULL: it was) */
	const char *no_stack;
};

/* One line: the event as one JSON object and a newline. EIO, ENOMEM. */
struct ks_error *ks_watch_json_write(FILE *out, const struct ks_watch_event *e);

#endif
