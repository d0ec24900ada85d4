// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * KTHREAD layouts, one table per architecture, the released builds each
 * was documented for, and the candidates tried on a build the table does
 * not list. Every layout is checked at load before use (kstack_kthread.h);
 * a listed build whose layout fails the check gets no THREAD_CONTEXT.
 *
 * Sources (all numbers transcribed, not derived):
 *  [GC351] Geoff Chappell, "KTHREAD (3.51 to 5.1)",
 *          https://www.geoffchappell.com/studies/windows/km/ntoskrnl/inc/ntos/ke/kthread/351.htm
 *  [GC52]  Geoff Chappell, "KTHREAD (5.2 SP1 to 6.1)", .../kthread/late52.htm
 *  [GC62]  Geoff Chappell, "KTHREAD (6.2 and higher)", .../kthread/62.htm;
 *          its version columns end at Windows 10 2004 (build 19041)
 *  All three give "offsets, types and names ... from Microsoft's symbol
 *  files for the kernel".
 *  [MSEP]  Microsoft, "Windows 10, version 20H2 ... 22H2" enablement
 *          packages: 19042-19045 share the 2004 (19041) core OS files,
 *          so they share its KTHREAD; likewise Windows 11 23H2 (22631) is
 *          an enablement package over 22H2 (22621).
 *  [ND22]  ntdiff/headers (structures generated from Microsoft's symbol
 *          files), Win11_2209_22H2/x64/System32/ntoskrnl.exe/Standalone/
 *          _KTHREAD.h: ContextSwitches 0x154, State 0x184, WaitReason
 *          0x283 (build 22621; KTHREAD size 0x480)
 *  [VP23]  Vergilius Project, https://www.vergiliusproject.com/kernels/x64/
 *          windows-11/23h2/_KTHREAD (from Microsoft's symbols):
 *          InitialStack 0x28, StackLimit 0x30, KernelStack 0x58,
 *          ContextSwitches 0x154, State 0x184, WaitReason 0x283 (22631)
 *  [ND24]  ntdiff/headers, Win11_2409_24H2/x64/System32/ntoskrnl.exe/
 *          Standalone/_KTHREAD.h: InitialStack 0x28, StackLimit 0x30,
 *          KernelStack 0x58, ContextSwitches 0x154, State 0x184,
 *          WaitReason 0x283 (build 26100, the kernel of Windows 11 24H2
 *          and Windows Server 2025)
 *  [NDK64] ReactOS NDK, sdk/include/ndk/amd64/ketypes.h: KSWITCH_FRAME
 *          (P1Home..P5Home, ApcBypass, Fill1[7], Rbp at 0x30, Return at
 *          0x38; 0x40 bytes), the frame x64 SwapContext leaves at
 *          KernelStack; and ReactOS's own amd64 KTHREAD (sdk/include/ndk/
 *          ketypes.h): InitialStack 0x28, StackLimit 0x30, KernelStack
 *          0x38, ContextSwitches 0x124, State 0x154, WaitReason 0x92.
 *  [NDK86] ReactOS NDK, sdk/include/ndk/ketypes.h, KTHREAD for i386
 *          (ReactOS reports NT 5.2 build 3790): InitialStack 0x18,
 *          StackLimit 0x1C, KernelStack 0x20, ContextSwitches 0x48, State
 *          0x4C, WaitReason 0x5A; the switch frame at KernelStack is
 *          ReactOS's KSWITCHFRAME (ntoskrnl/ke/i386/thrdini.c:
 *          ExceptionList, ApcBypassDisable, RetAddr at 0x8: the return
 *          into KiSwapContext) and above it what KiSwapContext saved
 *          before its call (ntoskrnl/ke/i386/ctxswitch.S: `sub esp, 4*4`,
 *          EBP at 0xC, EDI, ESI, EBX) and its own return address, into
 *          KiSwapThread, at 0x1C: 0x20 bytes. That return address is the
 *          one reported: KiSwapContext is assembly that keeps no frame,
 *          so a walk from the return into it loses KiSwapThread (seen on
 *          the live CD), one from 0x1C with the EBP at 0xC does not.
 *  No public source we could check gives the switch frame of Microsoft's
 *  x86 builds, so those entries report the saved sp only. Builds 20348
 *  (Server 2022) and 22000 (Windows 11 21H2) have no entry: we found no
 *  source to cite for them; the candidate check below covers them (the
 *  Windows 8 to 11 layout is used there when it passes).
 */
#include "kstack_kthread.h"

#define KSTACK_X64_FRAME 0x40, 0x30, 0x38	/* [NDK64] */
#define KSTACK_X86_NO_FRAME 0, KSTACK_NO_OFFSET, KSTACK_NO_OFFSET

/* x64 ---------------------------------------------------------------------- */

static const struct kstack_kthread_layout kstack_x64_vista = {
	KSTACK_KTHREAD_X64_VISTA, "Windows Vista / Server 2008 x64 (6.0)", 8,
	0x28, 0x30, 0x38, 0x154, 0x94, 0x124, KSTACK_X64_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x30, KernelStack 0x38, "
	"State 0x154, WaitReason 0x94, ContextSwitches 0x124 (6.0); [NDK64]",
	KSTACK_HIGH_ABOVE_INITIAL,
};
static const struct kstack_kthread_layout kstack_x64_win7 = {
	KSTACK_KTHREAD_X64_WIN7, "Windows 7 / Server 2008 R2 x64 (6.1)", 8,
	0x28, 0x30, 0x38, 0x164, 0x26b, 0x134, KSTACK_X64_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x30, KernelStack 0x38, "
	"State 0x164, ContextSwitches 0x134; WaitReason 0x26B ([GC62] 'previously at'); [NDK64]",
	KSTACK_HIGH_ABOVE_INITIAL,
};
static const struct kstack_kthread_layout kstack_x64_win8_11 = {
	KSTACK_KTHREAD_X64_WIN8_11,
	"Windows 8 to 11 24H2 / Server 2012 to 2025 x64 (6.2 to 10.0.26100)", 8,
	0x28, 0x30, 0x58, 0x184, 0x283, 0x154, KSTACK_X64_FRAME,
	"[GC62] InitialStack 0x28, StackLimit 0x30, KernelStack 0x58, "
	"State 0x184, WaitReason 0x283, ContextSwitches 0x154 (6.2 to 2004); "
	"[MSEP]; the same offsets in [ND22] 22621, [VP23] 22631, [ND24] 26100; [NDK64]",
	KSTACK_HIGH_ABOVE_INITIAL,
};
static const struct kstack_kthread_layout kstack_x64_reactos = {
	KSTACK_KTHREAD_X64_REACTOS, "ReactOS amd64 (NT 5.2)", 8,
	0x28, 0x30, 0x38, 0x154, 0x92, 0x124, KSTACK_X64_FRAME,
	"[NDK64] InitialStack 0x28, StackLimit 0x30, KernelStack 0x38, "
	"State 0x154, WaitReason 0x92, ContextSwitches 0x124",
	KSTACK_HIGH_REACTOS_AMD64,
};

static const struct kstack_kthread_build kstack_x64_builds[] = {
	{ 6000, &kstack_x64_vista },	/* Vista RTM [GC52] */
	{ 6001, &kstack_x64_vista },	/* Vista SP1 / Server 2008 [GC52] */
	{ 6002, &kstack_x64_vista },	/* SP2 [GC52] */
	{ 6003, &kstack_x64_vista },	/* SP2 after the 2019 servicing rename */
	{ 7600, &kstack_x64_win7 },	/* [GC52] */
	{ 7601, &kstack_x64_win7 },	/* SP1 [GC52] */
	{ 9200, &kstack_x64_win8_11 },	/* 8 [GC62] */
	{ 9600, &kstack_x64_win8_11 },	/* 8.1 [GC62] */
	{ 10240, &kstack_x64_win8_11 },	/* 10 1507 [GC62] */
	{ 10586, &kstack_x64_win8_11 },	/* 1511 [GC62] */
	{ 14393, &kstack_x64_win8_11 },	/* 1607 / Server 2016 [GC62] */
	{ 15063, &kstack_x64_win8_11 },	/* 1703 [GC62] */
	{ 16299, &kstack_x64_win8_11 },	/* 1709 [GC62] */
	{ 17134, &kstack_x64_win8_11 },	/* 1803 [GC62] */
	{ 17763, &kstack_x64_win8_11 },	/* 1809 / Server 2019 [GC62] */
	{ 18362, &kstack_x64_win8_11 },	/* 1903 [GC62] */
	{ 18363, &kstack_x64_win8_11 },	/* 1909 (1903 + enablement package) */
	{ 19041, &kstack_x64_win8_11 },	/* 2004 [GC62] */
	{ 19042, &kstack_x64_win8_11 },	/* 20H2 [MSEP] */
	{ 19043, &kstack_x64_win8_11 },	/* 21H1 [MSEP] */
	{ 19044, &kstack_x64_win8_11 },	/* 21H2 [MSEP] */
	{ 19045, &kstack_x64_win8_11 },	/* 22H2 [MSEP] */
	{ 22621, &kstack_x64_win8_11 },	/* 11 22H2 [ND22] */
	{ 22631, &kstack_x64_win8_11 },	/* 11 23H2 [VP23], [MSEP] */
	{ 26100, &kstack_x64_win8_11 },	/* 11 24H2 / Server 2025 [ND24] */
};

/* Newest first: the most likely kernel for an unlisted build. */
static const struct kstack_kthread_layout *const kstack_x64_candidates[] = {
	&kstack_x64_win8_11, &kstack_x64_win7, &kstack_x64_vista,
	&kstack_x64_reactos,
};

const struct kstack_kthread_arch kstack_kthread_x64 = {
	kstack_x64_builds, sizeof(kstack_x64_builds) / sizeof(kstack_x64_builds[0]),
	kstack_x64_candidates,
	sizeof(kstack_x64_candidates) / sizeof(kstack_x64_candidates[0]),
};

/* x86 ---------------------------------------------------------------------- */

static const struct kstack_kthread_layout kstack_x86_xp = {
	KSTACK_KTHREAD_X86_XP, "Windows XP x86 (5.1)", 4,
	0x18, 0x1c, 0x28, 0x2d, 0x5b, 0x4c, KSTACK_X86_NO_FRAME,
	"[GC351] InitialStack 0x18, StackLimit 0x1C, KernelStack 0x28, "
	"State 0x2D, WaitReason 0x5B, ContextSwitches 0x4C (5.1)",
	KSTACK_HIGH_ABOVE_INITIAL,
};
static const struct kstack_kthread_layout kstack_x86_vista = {
	KSTACK_KTHREAD_X86_VISTA, "Windows Vista / Server 2008 x86 (6.0)", 4,
	0x28, 0x2c, 0x30, 0x5c, 0x6c, 0x58, KSTACK_X86_NO_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x2C, KernelStack 0x30, "
	"State 0x5C, WaitReason 0x6C, ContextSwitches 0x58 (6.0)",
	KSTACK_HIGH_ABOVE_INITIAL,
};
static const struct kstack_kthread_layout kstack_x86_win7 = {
	KSTACK_KTHREAD_X86_WIN7, "Windows 7 x86 (6.1)", 4,
	0x28, 0x2c, 0x30, 0x68, 0x187, 0x64, KSTACK_X86_NO_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x2C, KernelStack 0x30, "
	"State 0x68, ContextSwitches 0x64; WaitReason 0x187 ([GC62] 'previously at')",
	KSTACK_HIGH_ABOVE_INITIAL,
};
static const struct kstack_kthread_layout kstack_x86_win8_10 = {
	KSTACK_KTHREAD_X86_WIN8_10, "Windows 8 to 10 22H2 x86 (6.2 to 10.0.19045)", 4,
	0x20, 0x24, 0x48, 0x90, 0x18b, 0x8c, KSTACK_X86_NO_FRAME,
	"[GC62] InitialStack 0x20, StackLimit 0x24, KernelStack 0x48, "
	"State 0x90, WaitReason 0x18B, ContextSwitches 0x8C (6.2 and higher); "
	"[MSEP]",
	KSTACK_HIGH_ABOVE_INITIAL,
};
static const struct kstack_kthread_layout kstack_x86_reactos = {
	KSTACK_KTHREAD_X86_REACTOS, "ReactOS x86 (NT 5.2)", 4,
	0x18, 0x1c, 0x20, 0x4c, 0x5a, 0x48, 0x20, 0x0c, 0x1c,
	"[NDK86] InitialStack 0x18, StackLimit 0x1C, KernelStack 0x20, "
	"State 0x4C, WaitReason 0x5A, ContextSwitches 0x48; switch frame and "
	"KiSwapContext's saves 0x20 bytes, EBP at 0xC, return into KiSwapThread at 0x1C",
	KSTACK_HIGH_REACTOS_X86,
};

/* Windows 11 and Server 2022/2025 have no x86 release. */
static const struct kstack_kthread_build kstack_x86_builds[] = {
	{ 2600, &kstack_x86_xp },	/* XP RTM, SP1-SP3 [GC351] */
	{ 6000, &kstack_x86_vista },	/* Vista RTM [GC52] */
	{ 6001, &kstack_x86_vista },	/* Vista SP1 / Server 2008 [GC52] */
	{ 6002, &kstack_x86_vista },	/* SP2 [GC52] */
	{ 6003, &kstack_x86_vista },	/* SP2 after the 2019 servicing rename */
	{ 7600, &kstack_x86_win7 },	/* [GC52] */
	{ 7601, &kstack_x86_win7 },	/* SP1 [GC52] */
	{ 9200, &kstack_x86_win8_10 },	/* 8 [GC62] */
	{ 9600, &kstack_x86_win8_10 },	/* 8.1 [GC62] */
	{ 10240, &kstack_x86_win8_10 },	/* 10 1507 [GC62] */
	{ 10586, &kstack_x86_win8_10 },	/* 1511 [GC62] */
	{ 14393, &kstack_x86_win8_10 },	/* 1607 [GC62] */
	{ 15063, &kstack_x86_win8_10 },	/* 1703 [GC62] */
	{ 16299, &kstack_x86_win8_10 },	/* 1709 [GC62] */
	{ 17134, &kstack_x86_win8_10 },	/* 1803 [GC62] */
	{ 17763, &kstack_x86_win8_10 },	/* 1809 [GC62] */
	{ 18362, &kstack_x86_win8_10 },	/* 1903 [GC62] */
	{ 18363, &kstack_x86_win8_10 },	/* 1909 (1903 + enablement package) */
	{ 19041, &kstack_x86_win8_10 },	/* 2004 [GC62] */
	{ 19042, &kstack_x86_win8_10 },	/* 20H2 [MSEP] */
	{ 19043, &kstack_x86_win8_10 },	/* 21H1 [MSEP] */
	{ 19044, &kstack_x86_win8_10 },	/* 21H2 [MSEP] */
	{ 19045, &kstack_x86_win8_10 },	/* 22H2 [MSEP] */
};

/*
 * Build 3790 is not listed: Server 2003 reports it (its SP1 and SP2 differ
 * in KTHREAD) and so does ReactOS, whose layout is its own; the check
 * tells them apart.
 */
static const struct kstack_kthread_layout *const kstack_x86_candidates[] = {
	&kstack_x86_win8_10, &kstack_x86_win7, &kstack_x86_vista,
	&kstack_x86_xp, &kstack_x86_reactos,
};

const struct kstack_kthread_arch kstack_kthread_x86 = {
	kstack_x86_builds, sizeof(kstack_x86_builds) / sizeof(kstack_x86_builds[0]),
	kstack_x86_candidates,
	sizeof(kstack_x86_candidates) / sizeof(kstack_x86_candidates[0]),
};
