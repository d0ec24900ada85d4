/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Errors as values: a function that can fail returns struct ks_error *
 * (NULL on success) and writes its results through *_ret pointers.
 * Two static errors steer a walk without allocating: ks_error_not_found
 * and ks_error_stop. Never free them; ks_error_destroy() knows.
 */
#ifndef KSTACK_KS_ERROR_H
#define KSTACK_KS_ERROR_H

struct ks_error {
	int code;		/* errno value (positive), 0 for steering errors */
	char *message;		/* human-readable, without trailing newline */
};

extern struct ks_error ks_error_not_found;
extern struct ks_error ks_error_stop;
extern struct ks_error ks_error_nomem;

/* printf-style; code is a positive errno value. Never returns NULL. */
struct ks_error *ks_error_format(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix an existing error's message: "prefix: old message"; returns err. */
struct ks_error *ks_error_wrap(struct ks_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void ks_error_destroy(struct ks_error *err);

#endif
