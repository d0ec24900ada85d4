// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * StackWalk64 driving: the read callback sends user addresses to
 * ReadProcessMemory and kernel addresses to the driver's READ_MEMORY, so
 * one walk follows a stack that crosses from user mode into the kernel.
 */
#include <string.h>
#include <windows.h>
#include <dbghelp.h>

#include "compat.h"
#include "walk.h"

/* StackWalk64's callbacks take no context argument: the walk in progress.
 * Set and used only under the dbghelp lock. */
static struct ks_walker *g_walk;

ULONG64 ks_kernel_start(void)
{
	SYSTEM_INFO si;
	BOOL wow = FALSE;

	/* 64-bit Windows: the kernel owns the upper canonical half. */
	if (sizeof(void *) == 8 ||
	    (IsWow64Process(GetCurrentProcess(), &wow) && wow))
		return 0xFFFF800000000000ull;
	/* 32-bit Windows: 2 GB or (/3GB) 3 GB of user space. */
	GetSystemInfo(&si);
	return (ULONG64)(ULONG_PTR)si.lpMaximumApplicationAddress + 1;
}

static BOOL CALLBACK read_memory(HANDLE process, DWORD64 addr, PVOID buf,
				 DWORD size, LPDWORD nread)
{
	SIZE_T got = 0;

	*nread = 0;
	if (!g_walk || !size)
		return FALSE;
	if (addr >= g_walk->kernel_start) {
		if (!g_walk->dev || ks_device_read(g_walk->dev, addr, buf, size))
			return FALSE;
		*nread = size;
		return TRUE;
	}
	if (addr + size < addr || addr + size > g_walk->kernel_start)
		return FALSE;
	/* A partial read (the end of a mapping) still helps dbghelp. */
	ReadProcessMemory(process, (LPCVOID)(ULONG_PTR)addr, buf, size, &got);
	*nread = (DWORD)got;
	return got != 0;
}

/*
 * x86, after StackWalk64 gave up: the rest of the chain of saved EBPs,
 * from fp, the frame pointer of the last frame it found. Code built with
 * frame pointers (mingw's -fno-omit-frame-pointer, ReactOS) needs no FPO
 * or CFI to be walked, and a dbghelp that cannot read a module's unwind
 * data (NT's reads PDBs only; ReactOS's an old DWARF) stops there. Each
 * step must move up the stack and return into a module dbghelp knows, so
 * a frame pointer used as a plain register ends the walk, not the output.
 * dbghelp lock held (read_memory, SymGetModuleBase64).
 */
static void walk_frame_pointers(struct ks_walker *w, ULONG64 fp,
				ULONG64 stop_below, struct ks_frames *out)
{
	DWORD link[2], got;	/* [fp]: caller's EBP; [fp + 4]: return address */
	int first = 1;

	while (fp && !(fp & 3)) {
		if (!read_memory(w->process, fp, link, sizeof(link), &got) ||
		    got != sizeof(link))
			return;
		if (!link[1] || link[1] < stop_below ||
		    !SymGetModuleBase64(w->process, link[1]))
			return;
		if (out->nr == out->max) {	/* a real frame left out */
			out->truncated = 1;
			return;
		}
		/*
		 * dbghelp may leave the last frame's AddrFrame one frame low
		 * (ReactOS's does): the first link then returns the pc it
		 * already gave, which is not shown twice.
		 */
		if (!first || link[1] != out->pc[out->nr - 1])
			out->pc[out->nr++] = link[1];
		first = 0;
		if (link[0] <= fp)	/* the chain must go up the stack */
			return;
		fp = link[0];
	}
}

/*
 * The loop shared by user and kernel walks. ctx is the machine's context
 * record (CONTEXT or WOW64_CONTEXT), updated in place by StackWalk64.
 * stop_below: stop at the first pc below it (kernel walk), else 0.
 */
static void walk_frames(struct ks_walker *w, DWORD machine, STACKFRAME64 *sf,
			void *ctx, ULONG64 stop_below, struct ks_frames *out)
{
	ULONG64 last_pc = 0, last_sp = 0, last_fp = 0;
	int gave_up = 1;	/* StackWalk64 ended the walk, not a check here */

	out->nr = 0;
	out->truncated = 0;
	ks_dbghelp_lock();
	g_walk = w;
	while (StackWalk64(machine, w->process, w->thread, sf, ctx, read_memory,
			   SymFunctionTableAccess64, SymGetModuleBase64, NULL)) {
		ULONG64 pc = sf->AddrPC.Offset, sp = sf->AddrStack.Offset;

		if (!pc || pc < stop_below) {
			gave_up = !pc;
			break;
		}
		/* dbghelp can repeat a frame forever on a corrupt stack. */
		if (out->nr && pc == last_pc && sp == last_sp) {
			gave_up = 0;	/* corrupt: not to be gone on with */
			break;
		}
		if (out->nr == out->max) {
			out->truncated = 1;
			gave_up = 0;
			break;
		}
		out->pc[out->nr++] = pc;
		last_pc = pc;
		last_sp = sp;
		last_fp = sf->AddrFrame.Offset;
	}
	if (gave_up && machine == IMAGE_FILE_MACHINE_I386 && out->nr)
		walk_frame_pointers(w, last_fp, stop_below, out);
	g_walk = NULL;
	ks_dbghelp_unlock();
}

static void init_frame(STACKFRAME64 *sf, ULONG64 pc, ULONG64 sp, ULONG64 fp)
{
	memset(sf, 0, sizeof(*sf));
	sf->AddrPC.Offset = pc;
	sf->AddrPC.Mode = AddrModeFlat;
	sf->AddrStack.Offset = sp;
	sf->AddrStack.Mode = AddrModeFlat;
	sf->AddrFrame.Offset = fp;
	sf->AddrFrame.Mode = AddrModeFlat;
}

DWORD ks_walk_user(struct ks_walker *w, struct ks_frames *out)
{
	STACKFRAME64 sf;
	CONTEXT ctx;

	out->nr = 0;
#ifdef _WIN64
	if (w->target_wow64) {
		WOW64_CONTEXT wctx;

		memset(&wctx, 0, sizeof(wctx));
		wctx.ContextFlags = WOW64_CONTEXT_FULL;
		if (!ks_wow64_get_thread_context(w->thread, &wctx))
			return GetLastError();
		init_frame(&sf, wctx.Eip, wctx.Esp, wctx.Ebp);
		walk_frames(w, IMAGE_FILE_MACHINE_I386, &sf, &wctx, 0, out);
		return 0;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.ContextFlags = CONTEXT_FULL;
	if (!GetThreadContext(w->thread, &ctx))
		return GetLastError();
	init_frame(&sf, ctx.Rip, ctx.Rsp, ctx.Rbp);
	walk_frames(w, IMAGE_FILE_MACHINE_AMD64, &sf, &ctx, 0, out);
#else
	memset(&ctx, 0, sizeof(ctx));
	ctx.ContextFlags = CONTEXT_FULL;
	if (!GetThreadContext(w->thread, &ctx))
		return GetLastError();
	init_frame(&sf, ctx.Eip, ctx.Esp, ctx.Ebp);
	walk_frames(w, IMAGE_FILE_MACHINE_I386, &sf, &ctx, 0, out);
#endif
	return 0;
}

DWORD ks_walk_kernel_context(struct ks_walker *w,
			     const struct kstack_thread_context *tc,
			     struct ks_frames *out)
{
	STACKFRAME64 sf;
	CONTEXT ctx;

	out->nr = 0;
	if (!tc->ip || tc->ip < w->kernel_start)
		return ERROR_INVALID_DATA;
	/* Kernel images must be known to dbghelp for x64 unwind data. */
	ks_symbols_load_kernel(w->syms);
	memset(&ctx, 0, sizeof(ctx));
	ctx.ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
#ifdef _WIN64
	ctx.Rip = tc->ip;
	ctx.Rsp = tc->sp;
	ctx.Rbp = tc->fp;
	init_frame(&sf, tc->ip, tc->sp, tc->fp);
	walk_frames(w, IMAGE_FILE_MACHINE_AMD64, &sf, &ctx, w->kernel_start, out);
#else
	ctx.Eip = (DWORD)tc->ip;
	ctx.Esp = (DWORD)tc->sp;
	ctx.Ebp = (DWORD)tc->fp;
	init_frame(&sf, tc->ip, tc->sp, tc->fp);
	walk_frames(w, IMAGE_FILE_MACHINE_I386, &sf, &ctx, w->kernel_start, out);
#endif
	return 0;
}
