// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Test client for KStack.sys under Wine: every ioctl's happy path and every
 * bad input, each checked against the Win32 error documented in
 * driver/windows/README.md. Prints "PASS: name" / "FAIL: name: why".
 *
 *   drvtest check     run all ioctl checks (exit 0 when all pass)
 *   drvtest open      open \\.\KStack: exit 0 opened, 2 not found, 1 other
 */
#include <windows.h>
#include <winioctl.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "kstack/kstack_ioctl.h"

#define EXPECT_OK 0xffffffffu	/* "the call succeeds" instead of an error */

static int failures;
static HANDLE dev;

static void pass(const char *name)
{
	printf("PASS: wine-driver: %s\n", name);
}

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: wine-driver: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

/*
 * One DeviceIoControl, checked: `want` is EXPECT_OK or the Win32 error
 * the call must fail with. Returns 1 when the expectation held.
 */
static int ioctl_expect(const char *name, DWORD code, const void *in,
			DWORD in_len, void *out, DWORD out_len, DWORD want,
			DWORD *got_bytes)
{
	DWORD bytes = 0, err;
	BOOL ok;

	SetLastError(0);
	ok = DeviceIoControl(dev, code, (void *)in, in_len, out, out_len,
			     &bytes, NULL);
	err = ok ? 0 : GetLastError();
	if (got_bytes)
		*got_bytes = bytes;
	if (want == EXPECT_OK) {
		if (!ok) {
			fail(name, "expected success, got error %lu", err);
			return 0;
		}
		return 1;
	}
	if (ok) {
		fail(name, "expected error %lu, call succeeded (%lu bytes)",
		     want, bytes);
		return 0;
	}
	if (err != want) {
		fail(name, "expected error %lu, got %lu", want, err);
		return 0;
	}
	pass(name);
	return 1;
}

static unsigned char self_test_byte(unsigned i)
{
	return (unsigned char)((i * 37u + 11u) & 0xffu);	/* README.md */
}

static struct kstack_version ver;

static void check_version(void)
{
	struct kstack_version v;
	DWORD bytes;

	memset(&v, 0xcc, sizeof(v));
	v.hdr.size = sizeof(v);
	v.hdr.version = KSTACK_PROTO_VERSION;
	if (!ioctl_expect("version", KSTACK_IOCTL_VERSION, &v, sizeof(v), &v,
			  sizeof(v), EXPECT_OK, &bytes))
		return;
	if (bytes != sizeof(v))
		fail("version", "returned %lu bytes, want %u", bytes, (unsigned)sizeof(v));
	else if (v.hdr.size != sizeof(v) || v.proto_version != KSTACK_PROTO_VERSION)
		fail("version", "hdr.size %u proto %u", v.hdr.size, v.proto_version);
	else if (v.driver_version != KSTACK_DRIVER_VERSION)
		fail("version", "driver_version 0x%x", v.driver_version);
	else if (v.arch != KSTACK_ARCH_X86_64)
		fail("version", "arch %u, want x86_64", v.arch);
	else if (!(v.caps & KSTACK_CAP_READ_MEMORY) || !(v.caps & KSTACK_CAP_WINE_HOST))
		fail("version", "caps 0x%x lack READ_MEMORY or WINE_HOST", v.caps);
	else if (v.caps & (KSTACK_CAP_THREAD_CONTEXT | KSTACK_CAP_STACK))
		fail("version", "caps 0x%x claim THREAD_CONTEXT/STACK on Wine", v.caps);
	else if (!v.self_test_addr || v.self_test_len != 256)
		fail("version", "self-test region %#llx+%u", v.self_test_addr,
		     v.self_test_len);
	else if (strncmp(v.release, "Windows ", 8) != 0 ||
		 !memchr(v.release, 0, sizeof(v.release)))
		fail("version", "release text \"%.64s\"", v.release);
	else if (v.os_build == 0)
		fail("version", "os_build 0");
	/* No KTHREAD probe on Wine: no layout, and VERSION says why. */
	else if (v.kthread_layout != KSTACK_KTHREAD_NONE ||
		 v.kthread_checks != KSTACK_KTC_NOT_RUN)
		fail("version", "kthread_layout %u checks %#x, want none / NOT_RUN",
		     v.kthread_layout, v.kthread_checks);
	else {
		printf("# driver %#x on %s, caps %#x, self-test at %#llx\n",
		       v.driver_version, v.release, v.caps, v.self_test_addr);
		pass("version");
	}
	ver = v;
}

/* A newer client's larger request is served; we get back the v1 layout. */
static void check_version_newer_client(void)
{
	unsigned char buf[sizeof(struct kstack_version) + 16];
	struct kstack_version *v = (struct kstack_version *)buf;
	DWORD bytes;

	memset(buf, 0xcc, sizeof(buf));
	v->hdr.size = sizeof(buf);
	v->hdr.version = KSTACK_PROTO_VERSION;
	if (!ioctl_expect("version: larger (newer) request", KSTACK_IOCTL_VERSION,
			  buf, sizeof(buf), buf, sizeof(buf), EXPECT_OK, &bytes))
		return;
	if (bytes != sizeof(*v) || v->hdr.size != sizeof(*v) ||
	    v->proto_version != KSTACK_PROTO_VERSION)
		fail("version: larger (newer) request",
		     "%lu bytes, hdr.size %u, want %u", bytes, v->hdr.size,
		     (unsigned)sizeof(*v));
	else
		pass("version: larger (newer) request answered with the v1 layout");
}

static void check_version_bad(void)
{
	struct kstack_version v;

	memset(&v, 0, sizeof(v));
	v.hdr.size = sizeof(v);
	v.hdr.version = KSTACK_PROTO_VERSION;
	ioctl_expect("version: input smaller than the header", KSTACK_IOCTL_VERSION,
		     &v, 4, &v, sizeof(v), ERROR_INVALID_PARAMETER, NULL);
	ioctl_expect("version: no input buffer", KSTACK_IOCTL_VERSION,
		     NULL, 0, &v, sizeof(v), ERROR_INVALID_PARAMETER, NULL);
	ioctl_expect("version: input smaller than hdr.size", KSTACK_IOCTL_VERSION,
		     &v, sizeof(v) - 8, &v, sizeof(v), ERROR_INVALID_PARAMETER, NULL);
	v.hdr.size = 8;
	ioctl_expect("version: hdr.size below the v1 size", KSTACK_IOCTL_VERSION,
		     &v, sizeof(v), &v, sizeof(v), ERROR_INVALID_PARAMETER, NULL);
	v.hdr.size = sizeof(v);
	v.hdr.version = KSTACK_PROTO_VERSION + 1;
	ioctl_expect("version: unknown protocol version", KSTACK_IOCTL_VERSION,
		     &v, sizeof(v), &v, sizeof(v), ERROR_REVISION_MISMATCH, NULL);
	v.hdr.version = KSTACK_PROTO_VERSION;
	ioctl_expect("version: output buffer too small", KSTACK_IOCTL_VERSION,
		     &v, sizeof(v), &v, sizeof(v) - 1, ERROR_INSUFFICIENT_BUFFER, NULL);
}

static DWORD read_mem(const char *name, kstack_u64 addr, kstack_u32 len,
		      void *out, DWORD out_len, DWORD want)
{
	struct kstack_read_memory r;
	DWORD bytes = 0;

	memset(&r, 0, sizeof(r));
	r.hdr.size = sizeof(r);
	r.hdr.version = KSTACK_PROTO_VERSION;
	r.address = addr;
	r.length = len;
	if (!ioctl_expect(name, KSTACK_IOCTL_READ_MEMORY, &r, sizeof(r), out,
			  out_len, want, &bytes))
		return (DWORD)-1;
	return bytes;
}

static void check_read_memory(void)
{
	static unsigned char buf[KSTACK_READ_MAX + 16];
	unsigned i, bad = 0;
	DWORD bytes;

	if (!ver.self_test_addr) {
		fail("read_memory: self-test region", "VERSION gave no region");
		return;
	}
	memset(buf, 0, sizeof(buf));
	bytes = read_mem("read_memory: self-test region", ver.self_test_addr,
			 ver.self_test_len, buf, ver.self_test_len, EXPECT_OK);
	if (bytes != (DWORD)-1) {
		for (i = 0; i < ver.self_test_len; i++)
			bad += buf[i] != self_test_byte(i);
		if (bytes != ver.self_test_len || bad)
			fail("read_memory: self-test region",
			     "%lu bytes, %u differ from the pattern", bytes, bad);
		else
			pass("read_memory: self-test region, byte for byte");
	}

	/* A piece in the middle, into a larger output buffer. */
	memset(buf, 0x5a, 64);
	bytes = read_mem("read_memory: 17 bytes at offset 100",
			 ver.self_test_addr + 100, 17, buf, 64, EXPECT_OK);
	if (bytes != (DWORD)-1) {
		for (i = bad = 0; i < 17; i++)
			bad += buf[i] != self_test_byte(100 + i);
		if (bytes != 17 || bad || buf[17] != 0x5a)
			fail("read_memory: 17 bytes at offset 100",
			     "%lu bytes, %u differ, byte 17 is %#x", bytes, bad, buf[17]);
		else
			pass("read_memory: 17 bytes at offset 100");
	}

	/* Bad inputs, in the order the driver checks them. */
	{
		struct kstack_read_memory r;

		memset(&r, 0, sizeof(r));
		r.hdr.size = sizeof(r);
		r.hdr.version = KSTACK_PROTO_VERSION;
		r.address = ver.self_test_addr;
		r.length = 16;
		ioctl_expect("read_memory: input buffer too small",
			     KSTACK_IOCTL_READ_MEMORY, &r, sizeof(r) - 1, buf, 16,
			     ERROR_INVALID_PARAMETER, NULL);
	}
	read_mem("read_memory: length 0", ver.self_test_addr, 0, buf, 16,
		 ERROR_INVALID_PARAMETER);
	read_mem("read_memory: length over KSTACK_READ_MAX", ver.self_test_addr,
		 KSTACK_READ_MAX + 1, buf, KSTACK_READ_MAX + 1, ERROR_INVALID_PARAMETER);
	read_mem("read_memory: output buffer smaller than length",
		 ver.self_test_addr, 64, buf, 63, ERROR_INSUFFICIENT_BUFFER);
	read_mem("read_memory: range wraps past 2^64", ~0ull - 15, 32, buf, 32,
		 ERROR_ARITHMETIC_OVERFLOW);
	read_mem("read_memory: address 0", 0, 16, buf, 16, ERROR_NOACCESS);
	read_mem("read_memory: user-mode address (our own buffer)",
		 (kstack_u64)(ULONG_PTR)buf, 16, buf, 16, ERROR_NOACCESS);
	read_mem("read_memory: range runs past the self-test region",
		 ver.self_test_addr + ver.self_test_len - 8, 16, buf, 16,
		 ERROR_NOACCESS);
}

static void check_thread_context(void)
{
	struct kstack_thread_context tc;

	memset(&tc, 0, sizeof(tc));
	tc.hdr.size = sizeof(tc);
	tc.hdr.version = KSTACK_PROTO_VERSION;
	tc.tid = GetCurrentThreadId();
	ioctl_expect("thread_context: input buffer too small",
		     KSTACK_IOCTL_THREAD_CONTEXT, &tc, sizeof(tc) - 8, &tc,
		     sizeof(tc), ERROR_INVALID_PARAMETER, NULL);
	ioctl_expect("thread_context: output buffer too small",
		     KSTACK_IOCTL_THREAD_CONTEXT, &tc, sizeof(tc), &tc,
		     sizeof(tc) - 8, ERROR_INSUFFICIENT_BUFFER, NULL);
	tc.tid = 0;
	ioctl_expect("thread_context: thread id 0", KSTACK_IOCTL_THREAD_CONTEXT,
		     &tc, sizeof(tc), &tc, sizeof(tc), ERROR_INVALID_PARAMETER, NULL);
	tc.tid = 0x7ffffff0;
	ioctl_expect("thread_context: no such thread id",
		     KSTACK_IOCTL_THREAD_CONTEXT, &tc, sizeof(tc), &tc,
		     sizeof(tc), ERROR_INVALID_PARAMETER, NULL);
	tc.tid = ~0ull;
	ioctl_expect("thread_context: thread id beyond a pointer",
		     KSTACK_IOCTL_THREAD_CONTEXT, &tc, sizeof(tc), &tc,
		     sizeof(tc), ERROR_INVALID_PARAMETER, NULL);
	/* A real thread: Wine has no KTHREAD layout, so NOT_SUPPORTED. */
	tc.tid = GetCurrentThreadId();
	ioctl_expect("thread_context: live thread on Wine is not supported",
		     KSTACK_IOCTL_THREAD_CONTEXT, &tc, sizeof(tc), &tc,
		     sizeof(tc), ERROR_NOT_SUPPORTED, NULL);
}

static void check_stack(void)
{
	static unsigned char out[sizeof(struct kstack_stack) + 8 * (KSTACK_FRAMES_MAX + 1)];
	struct kstack_stack st;

	memset(&st, 0, sizeof(st));
	st.hdr.size = sizeof(st);
	st.hdr.version = KSTACK_PROTO_VERSION;
	st.tid = GetCurrentThreadId();
	st.max_frames = 16;
	ioctl_expect("stack: input buffer too small", KSTACK_IOCTL_STACK, &st,
		     sizeof(st) - 8, out, sizeof(out), ERROR_INVALID_PARAMETER, NULL);
	st.max_frames = 0;
	ioctl_expect("stack: max_frames 0", KSTACK_IOCTL_STACK, &st, sizeof(st),
		     out, sizeof(out), ERROR_INVALID_PARAMETER, NULL);
	st.max_frames = KSTACK_FRAMES_MAX + 1;
	ioctl_expect("stack: max_frames over KSTACK_FRAMES_MAX", KSTACK_IOCTL_STACK,
		     &st, sizeof(st), out, sizeof(out), ERROR_INVALID_PARAMETER, NULL);
	st.max_frames = 16;
	st.timeout_ms = 10001;
	ioctl_expect("stack: timeout_ms over 10 s", KSTACK_IOCTL_STACK, &st,
		     sizeof(st), out, sizeof(out), ERROR_INVALID_PARAMETER, NULL);
	st.timeout_ms = 0;
	ioctl_expect("stack: output too small for max_frames", KSTACK_IOCTL_STACK,
		     &st, sizeof(st), out, sizeof(st) + 15 * 8,
		     ERROR_INSUFFICIENT_BUFFER, NULL);
	st.tid = 0x7ffffff0;
	ioctl_expect("stack: no such thread id", KSTACK_IOCTL_STACK, &st,
		     sizeof(st), out, sizeof(out), ERROR_INVALID_PARAMETER, NULL);
	st.tid = GetCurrentThreadId();
	ioctl_expect("stack: live thread on Wine is not supported",
		     KSTACK_IOCTL_STACK, &st, sizeof(st), out, sizeof(out),
		     ERROR_NOT_SUPPORTED, NULL);
}

static void check_unknown_ioctl(void)
{
	struct kstack_version v;

	memset(&v, 0, sizeof(v));
	v.hdr.size = sizeof(v);
	v.hdr.version = KSTACK_PROTO_VERSION;
	ioctl_expect("unknown ioctl code", KSTACK_CTL(99), &v, sizeof(v), &v,
		     sizeof(v), ERROR_INVALID_FUNCTION, NULL);
}

static HANDLE open_device(DWORD access, DWORD *err)
{
	HANDLE h = CreateFileA(KSTACK_DEVICE_WIN32, access, 0, NULL,
			       OPEN_EXISTING, 0, NULL);

	*err = h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
	return h;
}

/*
 * The codes are FILE_READ_ACCESS, not FILE_ANY_ACCESS: the I/O manager
 * refuses them on a handle opened without read access, before the driver.
 */
static void check_read_access_required(void)
{
	static const struct { DWORD access; const char *name; } opens[] = {
		{ 0, "ioctl on a handle opened with no access" },
		{ GENERIC_WRITE, "ioctl on a write-only handle" },
	};
	struct kstack_version v;
	HANDLE saved = dev;
	DWORD err;
	unsigned i;

	for (i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		dev = open_device(opens[i].access, &err);
		if (dev == INVALID_HANDLE_VALUE) {
			fail(opens[i].name, "open failed: error %lu", err);
			continue;
		}
		memset(&v, 0, sizeof(v));
		v.hdr.size = sizeof(v);
		v.hdr.version = KSTACK_PROTO_VERSION;
		ioctl_expect(opens[i].name, KSTACK_IOCTL_VERSION, &v, sizeof(v),
			     &v, sizeof(v), ERROR_ACCESS_DENIED, NULL);
		CloseHandle(dev);
	}
	dev = saved;
}

int main(int argc, char **argv)
{
	DWORD err;

	/* Plain \n on stdout, so the PASS:/FAIL: lines parse on the unix side. */
	_setmode(_fileno(stdout), _O_BINARY);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 2 || (strcmp(argv[1], "check") && strcmp(argv[1], "open"))) {
		fprintf(stderr, "usage: drvtest check|open\n");
		return 64;
	}

	dev = open_device(GENERIC_READ, &err);
	if (!strcmp(argv[1], "open")) {
		if (dev == INVALID_HANDLE_VALUE) {
			printf("# open %s: error %lu\n", KSTACK_DEVICE_WIN32, err);
			return err == ERROR_FILE_NOT_FOUND ? 2 : 1;
		}
		CloseHandle(dev);
		return 0;
	}
	if (dev == INVALID_HANDLE_VALUE) {
		fail("open", "CreateFile(%s) failed: error %lu", KSTACK_DEVICE_WIN32, err);
		return 1;
	}
	pass("open");

	check_version();
	check_version_newer_client();
	check_version_bad();
	check_read_memory();
	check_thread_context();
	check_stack();
	check_unknown_ioctl();
	check_read_access_required();

	if (!CloseHandle(dev))
		fail("close", "CloseHandle failed: error %lu", GetLastError());
	else
		pass("close");
	return failures ? 1 : 0;
}
