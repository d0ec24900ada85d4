// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_error.h"

struct ks_error ks_error_not_found = { 0, "not found" };
struct ks_error ks_error_stop = { 0, "stop" };
struct ks_error ks_error_nomem = { ENOMEM, "out of memory" };

static int ks_error_is_static(const struct ks_error *err)
{
	return err == &ks_error_not_found || err == &ks_error_stop ||
	       err == &ks_error_nomem;
}

struct ks_error *ks_error_format(int code, const char *fmt, ...)
{
	struct ks_error *err = malloc(sizeof(*err));
	va_list ap;

	if (!err)
		return &ks_error_nomem;
	va_start(ap, fmt);
	if (vasprintf(&err->message, fmt, ap) < 0) {
		va_end(ap);
		free(err);
		return &ks_error_nomem;
	}
	va_end(ap);
	err->code = code;
	return err;
}

struct ks_error *ks_error_wrap(struct ks_error *err, const char *fmt, ...)
{
	char *prefix, *msg;
	va_list ap;

	if (!err || ks_error_is_static(err))
		return err;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0) {
		va_end(ap);
		return err;
	}
	va_end(ap);
	if (asprintf(&msg, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = msg;
	}
	free(prefix);
	return err;
}

void ks_error_destroy(struct ks_error *err)
{
	if (!err || ks_error_is_static(err))
		return;
	free(err->message);
	free(err);
}
