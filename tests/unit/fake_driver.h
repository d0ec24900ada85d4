/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' fake driver: a test links with -Wl,--wrap=ioctl, so
 * the library's ioctl() calls land here; those on fake_fd (a test opens
 * /dev/null for it and puts it in its struct ks_driver) go to the test's
 * own fake_snapshot() for SNAPSHOT and fail with ENOTTY otherwise (names
 * stay unnamed, THREAD_CONTEXT and the rest are refused); any other fd
 * reaches the real ioctl. Include it in one file of a test binary.
 */
#ifndef KSTACK_TEST_FAKE_DRIVER_H
#define KSTACK_TEST_FAKE_DRIVER_H

#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>

#include "kstack/kstack_ioctl.h"

static int fake_fd = -1;

/* The test's answer to a SNAPSHOT on fake_fd: 0, or -1 with errno set. */
static int fake_snapshot(struct kstack_snapshot *q);

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_fd)
		return __real_ioctl(fd, req, arg);
	if (req == KSTACK_IOCTL_SNAPSHOT)
		return fake_snapshot(arg);
	errno = ENOTTY;
	return -1;
}

#endif
