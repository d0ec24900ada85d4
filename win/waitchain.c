// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Wait Chain Traversal (waitchain.h). The types are wct.h's (Windows SDK,
 * Vista): declared here because this build targets NT 5.1's headers,
 * where wct.h declares nothing; their layout is asserted below.
 */
#include <string.h>

#include "waitchain.h"

/* wct.h: WCT_OBJECT_TYPE */
enum {
	KS_WCT_CRITICAL_SECTION = 1,
	KS_WCT_SEND_MESSAGE,
	KS_WCT_MUTEX,
	KS_WCT_ALPC,
	KS_WCT_COM,
	KS_WCT_THREAD_WAIT,
	KS_WCT_PROCESS_WAIT,
	KS_WCT_THREAD,
	KS_WCT_COM_ACTIVATION,
	KS_WCT_UNKNOWN,
	KS_WCT_SOCKET_IO,
	KS_WCT_SMB_IO,
};

/* wct.h: WCT_OBJECT_STATUS */
enum {
	KS_WCT_NO_ACCESS = 1,
	KS_WCT_RUNNING,
	KS_WCT_BLOCKED,
	KS_WCT_PID_ONLY,
	KS_WCT_PID_ONLY_RPCSS,
	KS_WCT_OWNED,
	KS_WCT_NOT_OWNED,
	KS_WCT_ABANDONED,
	KS_WCT_STATUS_UNKNOWN,
	KS_WCT_ERROR,
};

/* wct.h: WAITCHAIN_NODE_INFO (WCT_OBJNAME_LENGTH 128) */
struct ks_wct_node {
	DWORD type;		/* WCT_OBJECT_TYPE */
	DWORD status;		/* WCT_OBJECT_STATUS */
	union {
		struct {
			WCHAR name[128];
			LARGE_INTEGER timeout;
			BOOL alertable;
		} lock;
		struct {
			DWORD pid, tid, wait_time, context_switches;
		} thread;
	} u;
};

_Static_assert(sizeof(struct ks_wct_node) == 280, "WAITCHAIN_NODE_INFO is 280 bytes");

/* GetThreadWaitChain's Flags: every kind of chain (WCTP_GETINFO_ALL_FLAGS) */
#define KS_WCT_ALL_FLAGS	0xf

typedef void *(WINAPI *ks_wct_open_fn)(DWORD flags, void *callback);
typedef void (WINAPI *ks_wct_close_fn)(void *session);
typedef BOOL (WINAPI *ks_wct_get_fn)(void *session, DWORD_PTR context, DWORD flags, DWORD tid,
				     DWORD *count, struct ks_wct_node *nodes, BOOL *cycle);

static FARPROC ks_wct_resolve(const char *name)
{
	HMODULE m = GetModuleHandleA("advapi32.dll");

	return m ? GetProcAddress(m, name) : NULL;
}

int ks_wct_open(struct ks_wct *w)
{
	ks_wct_open_fn open = (ks_wct_open_fn)(void (*)(void))ks_wct_resolve("OpenThreadWaitChainSession");

	memset(w, 0, sizeof(*w));
	w->get = (void *)ks_wct_resolve("GetThreadWaitChain");
	w->close = (void *)ks_wct_resolve("CloseThreadWaitChainSession");
	if (!open || !w->get || !w->close) {
		w->why = "not available on this Windows (advapi32 has no Wait Chain Traversal: Vista and later have it)";
		return -1;
	}
	/* synchronous: no callback */
	w->session = open(0, NULL);
	if (!w->session) {
		w->why = GetLastError() == ERROR_NOT_SUPPORTED || GetLastError() == ERROR_CALL_NOT_IMPLEMENTED ?
			 "not available on this Windows (Wait Chain Traversal not implemented)" :
			 "not available: OpenThreadWaitChainSession failed";
		return -1;
	}
	return 0;
}

void ks_wct_close(struct ks_wct *w)
{
	if (w->session)
		((ks_wct_close_fn)(void (*)(void))w->close)(w->session);
	w->session = NULL;
}

static const char *ks_wct_kind(DWORD type)
{
	switch (type) {
	case KS_WCT_CRITICAL_SECTION:
		return "critical_section";
	case KS_WCT_SEND_MESSAGE:
		return "send_message";
	case KS_WCT_MUTEX:
		return "mutex";
	case KS_WCT_ALPC:
		return "alpc";
	case KS_WCT_COM:
		return "com";
	case KS_WCT_THREAD_WAIT:
		return "thread";
	case KS_WCT_PROCESS_WAIT:
		return "process";
	case KS_WCT_COM_ACTIVATION:
		return "com_activation";
	case KS_WCT_SOCKET_IO:
		return "socket_io";
	case KS_WCT_SMB_IO:
		return "smb_io";
	default:
		return "unknown";
	}
}

DWORD ks_wct_thread(struct ks_wct *w, DWORD tid, struct ks_wct_wait *out)
{
	static struct ks_wct_node nodes[KS_WCT_MAX_NODES];
	DWORD count = KS_WCT_MAX_NODES, i, k;
	BOOL cycle = FALSE;

	memset(out, 0, sizeof(*out));
	if (!((ks_wct_get_fn)(void (*)(void))w->get)(w->session, 0, KS_WCT_ALL_FLAGS, tid, &count,
						       nodes, &cycle))
		return GetLastError();
	if (count > KS_WCT_MAX_NODES)
		count = KS_WCT_MAX_NODES;
	/* nodes[0] is the thread; a blocked one's next is what it waits for */
	if (count < 2 || nodes[0].type != KS_WCT_THREAD || nodes[1].type == KS_WCT_THREAD)
		return 0;
	out->waits = 1;
	out->kind = ks_wct_kind(nodes[1].type);
	if (count >= 3 && nodes[2].type == KS_WCT_THREAD) {
		out->holder_pid = nodes[2].u.thread.pid;
		out->holder_tid = nodes[2].u.thread.tid;
	} else if (nodes[1].status == KS_WCT_ABANDONED) {
		out->reason = "abandoned: its owner exited holding it";
	} else if (nodes[1].status == KS_WCT_NO_ACCESS) {
		out->reason = "no access to its owner";
	} else {
		out->reason = "no owner recorded";
	}
	out->cycle = cycle;
	/* the cycle's threads: every thread node until one comes round again */
	for (i = 0; cycle && i < count; i++) {
		if (nodes[i].type != KS_WCT_THREAD)
			continue;
		for (k = 0; k < out->ncycle && out->cycle_tids[k] != nodes[i].u.thread.tid; k++)
			;
		if (k < out->ncycle) {
			/* the cycle is the part from its first visit on */
			DWORD j;

			for (j = k; j < out->ncycle; j++)
				out->cycle_tids[j - k] = out->cycle_tids[j];
			out->ncycle -= k;
			break;
		}
		out->cycle_tids[out->ncycle++] = nodes[i].u.thread.tid;
	}
	return 0;
}
