// SPDX-License-Identifier: GPL-2.0
/*
 * ksstress badbuf: every ioctl with variable-length output, and every
 * request struct, on buffers that end exactly at an unmapped page or sit
 * on a read-only page: EFAULT, never a success with part of the answer.
 */
#define _GNU_SOURCE
#include "ksstress.h"

/* ---- bad buffers ---- */

static int badbuf_calls;

static void want_efault(int r, const char *name)
{
	badbuf_calls++;
	tu_result(r < 0 && errno == EFAULT, name, "ioctl %d errno %d (%s)", r,
		  r < 0 ? errno : 0, r < 0 ? strerror(errno) : "-");
}

static void want_ok(int r, const char *name)
{
	badbuf_calls++;
	tu_result(r == 0, name, "ioctl %d errno %d (%s)", r, errno, strerror(errno));
}

/* a request struct of size len that ends exactly at an unmapped page */
#define EDGE_REQ(type, var) type *var = tu_edge_alloc(sizeof(type), 0)

int cmd_badbuf(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct kstack_kernel_info ki;
	struct kstack_snapshot s;
	struct kstack_stack st;
	uint64_t text, *frames, *addrs;
	char *buf, *ro;
	int fd = tu_open(), ro_mode;
	pid_t me = getpid();

	if (fd < 0) {
		tu_result(0, "badbuf: open", "%s", strerror(errno));
		return 1;
	}
	TU_HDR(ki);
	if (ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, &ki)) {
		tu_result(0, "badbuf: KERNEL_INFO", "%s", strerror(errno));
		return 1;
	}
	text = ki.text_start;

	/* READ_MEMORY: exactly the mapped bytes fit; one more page does not */
	buf = tu_edge_alloc((size_t)pg, 0);
	want_ok(tu_read_mem(fd, text, buf, (uint32_t)pg),
		"badbuf: READ_MEMORY into a buffer ending exactly at an unmapped page (fits)");
	want_efault(tu_read_mem(fd, text, buf, (uint32_t)pg * 2),
		    "badbuf: READ_MEMORY past the end of the buffer -> EFAULT");
	tu_edge_free(buf, (size_t)pg, 0);
	ro = tu_edge_alloc((size_t)pg, 1);
	want_efault(tu_read_mem(fd, text, ro, 64), "badbuf: READ_MEMORY into a read-only page -> EFAULT");
	tu_edge_free(ro, (size_t)pg, 1);

	/* STACK: frames of our own sleeping... we are running: use init (pid 1) */
	frames = tu_edge_alloc(8, 0);
	want_efault(tu_stack(fd, 1, frames, KSTACK_FRAMES_MAX, &st),
		    "badbuf: STACK frames into 8 bytes before an unmapped page -> EFAULT");
	tu_edge_free(frames, 8, 0);
	frames = tu_edge_alloc(KSTACK_FRAMES_MAX * 8, 1);
	want_efault(tu_stack(fd, 1, frames, KSTACK_FRAMES_MAX, &st),
		    "badbuf: STACK frames into a read-only page -> EFAULT");
	tu_edge_free(frames, KSTACK_FRAMES_MAX * 8, 1);

	/* SNAPSHOT of the system, all three modes: 64 KiB then unmapped; read-only */
	for (ro_mode = 0; ro_mode < 2; ro_mode++) {
		size_t len = ro_mode ? (size_t)pg * 4 : (size_t)pg;
		unsigned int m;

		for (m = 0; m < 3; m++) {
			char name[160];

			buf = tu_edge_alloc(len, ro_mode);
			snprintf(name, sizeof(name), "badbuf: SNAPSHOT (mode %u) %s -> EFAULT", modes[m],
				 ro_mode ? "into a read-only buffer" :
					   "into one page before an unmapped page, size claimed 32 MiB");
			want_efault(tu_snap(fd, 0, modes[m], buf, ro_mode ? len : 32 << 20, &s), name);
			tu_edge_free(buf, len, ro_mode);
		}
	}
	/* the bytes_needed answer stays right: a too-small (valid) buffer -> ENOSPC */
	buf = tu_edge_alloc(4096, 0);
	badbuf_calls++;
	{
		int r = tu_snap(fd, 0, KSTACK_SNAP_RAW, buf, 4096, &s);

		tu_result(r < 0 && errno == ENOSPC && s.bytes_needed > 4096 && s.bytes_used <= 4096,
			  "badbuf: SNAPSHOT into a small buffer at an unmapped page -> ENOSPC, records that fit",
			  "ioctl %d errno %d needed %" PRIu64 " used %" PRIu64, r, errno,
			  s.bytes_needed, s.bytes_used);
	}
	tu_edge_free(buf, 4096, 0);

	/* SYMBOLIZE: names for 4 into room for 1; addresses ending at the page */
	buf = tu_edge_alloc(KSTACK_SYM_LEN, 0);
	addrs = calloc(4, 8);
	addrs[0] = addrs[1] = addrs[2] = addrs[3] = text;
	want_efault(tu_symbolize(fd, addrs, 4, buf),
		    "badbuf: SYMBOLIZE names into room for 1 of 4 before an unmapped page -> EFAULT");
	want_ok(tu_symbolize(fd, addrs, 1, buf),
		"badbuf: SYMBOLIZE one name into exactly its room before an unmapped page (fits)");
	tu_edge_free(buf, KSTACK_SYM_LEN, 0);
	free(addrs);
	ro = tu_edge_alloc(KSTACK_SYM_LEN, 1);
	addrs = tu_edge_alloc(8, 0);
	addrs[0] = text;
	want_efault(tu_symbolize(fd, addrs, 1, ro), "badbuf: SYMBOLIZE names into a read-only page -> EFAULT");
	tu_edge_free(ro, KSTACK_SYM_LEN, 1);
	buf = malloc(KSTACK_SYM_LEN * 2);
	want_efault(tu_symbolize(fd, addrs, 2, buf),
		    "badbuf: SYMBOLIZE with addresses running into an unmapped page -> EFAULT");
	free(buf);
	tu_edge_free(addrs, 8, 0);

	/* CATCH_RUNNING: the record exactly fits before the page, or runs into it */
	{
		static char rec[KSTACK_CATCH_RECORD_SIZE(KSTACK_FRAMES_MAX, 4096)];
		struct kstack_catch_running c;
		uint32_t need;

		/* this thread: SELF, a record of a fixed size */
		if (tu_catch(fd, (uint64_t)tu_gettid(), rec, sizeof(rec), 8, 0, &c)) {
			tu_result(0, "badbuf: CATCH_RUNNING of this thread", "%s", strerror(errno));
		} else {
			need = c.rec_size;
			buf = tu_edge_alloc(need, 0);
			want_ok(tu_catch(fd, (uint64_t)tu_gettid(), buf, need, 8, 0, &c),
				"badbuf: CATCH_RUNNING record ending exactly at an unmapped page (fits)");
			tu_edge_free(buf, need, 0);
			buf = tu_edge_alloc(need - 8, 0);
			want_efault(tu_catch(fd, (uint64_t)tu_gettid(), buf, need, 8, 0, &c),
				    "badbuf: CATCH_RUNNING record running 8 bytes into an unmapped page -> EFAULT");
			tu_edge_free(buf, need - 8, 0);
			ro = tu_edge_alloc(4096, 1);
			want_efault(tu_catch(fd, (uint64_t)tu_gettid(), ro, 4096, 8, 0, &c),
				    "badbuf: CATCH_RUNNING record into a read-only page -> EFAULT");
			tu_edge_free(ro, 4096, 1);
		}
	}

	/* every request struct: whole at the page's end works, one byte short faults */
	{
		EDGE_REQ(struct kstack_version, v);
		EDGE_REQ(struct kstack_kernel_info, k);
		EDGE_REQ(struct kstack_thread_context, tc);
		char *cut = tu_edge_alloc(sizeof(struct kstack_version) - 8, 0);

		TU_HDR(*v);
		want_ok(ioctl(fd, KSTACK_IOCTL_VERSION, v),
			"badbuf: VERSION request ending exactly at an unmapped page (fits)");
		TU_HDR(*k);
		want_ok(ioctl(fd, KSTACK_IOCTL_KERNEL_INFO, k),
			"badbuf: KERNEL_INFO request ending exactly at an unmapped page (fits)");
		TU_HDR(*tc);
		tc->tid = 1;
		want_ok(ioctl(fd, KSTACK_IOCTL_THREAD_CONTEXT, tc),
			"badbuf: THREAD_CONTEXT request ending exactly at an unmapped page (fits)");
		memcpy(cut, v, sizeof(struct kstack_hdr));	/* claims the full size */
		want_efault(ioctl(fd, KSTACK_IOCTL_VERSION, cut),
			    "badbuf: VERSION request running 8 bytes into an unmapped page -> EFAULT");
		tu_edge_free(v, sizeof(*v), 0);
		tu_edge_free(k, sizeof(*k), 0);
		tu_edge_free(tc, sizeof(*tc), 0);
		tu_edge_free(cut, sizeof(struct kstack_version) - 8, 0);
	}
	{
		/* out: the request carries answers back (SYMBOLIZE's are all in) */
		static const struct {
			unsigned long cmd;
			size_t size;
			const char *name;
			bool out;
		} reqs[] = {
			{ KSTACK_IOCTL_VERSION, sizeof(struct kstack_version), "VERSION", true },
			{ KSTACK_IOCTL_KERNEL_INFO, sizeof(struct kstack_kernel_info), "KERNEL_INFO", true },
			{ KSTACK_IOCTL_THREAD_CONTEXT, sizeof(struct kstack_thread_context),
			  "THREAD_CONTEXT", true },
			{ KSTACK_IOCTL_STACK, sizeof(struct kstack_stack), "STACK", true },
			{ KSTACK_IOCTL_READ_MEMORY, sizeof(struct kstack_read_memory), "READ_MEMORY", true },
			{ KSTACK_IOCTL_SNAPSHOT, sizeof(struct kstack_snapshot), "SNAPSHOT", true },
			{ KSTACK_IOCTL_SYMBOLIZE, sizeof(struct kstack_symbolize), "SYMBOLIZE", false },
			{ KSTACK_IOCTL_CATCH_RUNNING, sizeof(struct kstack_catch_running),
			  "CATCH_RUNNING", true },
		};
		static uint64_t fr[KSTACK_FRAMES_MAX];
		static char snapb[1 << 20], names[KSTACK_SYM_LEN];
		size_t i;

		/* valid requests on a read-only page: read in, the answer cannot go out */
		for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
			char name[160], tmpl[512];
			struct kstack_hdr *h = (void *)tmpl;
			void *req;

			memset(tmpl, 0, sizeof(tmpl));
			h->size = (uint32_t)reqs[i].size;
			h->version = KSTACK_PROTO_VERSION;
			if (reqs[i].cmd == KSTACK_IOCTL_THREAD_CONTEXT) {
				((struct kstack_thread_context *)tmpl)->tid = 1;
			} else if (reqs[i].cmd == KSTACK_IOCTL_STACK) {
				struct kstack_stack *q = (void *)tmpl;

				q->tid = 1;
				q->frames = (uintptr_t)fr;
				q->max_frames = KSTACK_FRAMES_MAX;
			} else if (reqs[i].cmd == KSTACK_IOCTL_READ_MEMORY) {
				struct kstack_read_memory *q = (void *)tmpl;

				q->address = text;
				q->buffer = (uintptr_t)fr;
				q->length = 64;
			} else if (reqs[i].cmd == KSTACK_IOCTL_SNAPSHOT) {
				struct kstack_snapshot *q = (void *)tmpl;

				q->pid = (uint64_t)me;
				q->mode = KSTACK_SNAP_FRAMES;
				q->max_frames = 16;
				q->buffer = (uintptr_t)snapb;
				q->buffer_size = sizeof(snapb);
			} else if (reqs[i].cmd == KSTACK_IOCTL_CATCH_RUNNING) {
				struct kstack_catch_running *q = (void *)tmpl;

				q->tid = (uint64_t)tu_gettid();
				q->record = (uintptr_t)snapb;
				q->record_size = sizeof(snapb);
				q->max_frames = 8;
			} else if (reqs[i].cmd == KSTACK_IOCTL_SYMBOLIZE) {
				struct kstack_symbolize *q = (void *)tmpl;

				q->addrs = (uintptr_t)&text;
				q->names = (uintptr_t)names;
				q->nr = 1;
			}
			req = tu_edge_alloc(reqs[i].size, 0);
			memcpy(req, tmpl, reqs[i].size);
			mprotect((void *)((uintptr_t)req & ~(uintptr_t)(pg - 1)), (size_t)pg, PROT_READ);
			snprintf(name, sizeof(name), "badbuf: %s request on a read-only page -> %s",
				 reqs[i].name, reqs[i].out ? "EFAULT" : "served (nothing to write back)");
			if (reqs[i].out)
				want_efault(ioctl(fd, reqs[i].cmd, req), name);
			else
				want_ok(ioctl(fd, reqs[i].cmd, req), name);
			munmap((void *)((uintptr_t)req & ~(uintptr_t)(pg - 1)), (size_t)pg);
		}
	}
	printf("figures: badbuf: %d calls with bad or edge buffers\n", badbuf_calls);
	close(fd);
	return 0;
}
