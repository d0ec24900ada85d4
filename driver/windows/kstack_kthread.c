// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * KTHREAD offset tables, one per architecture, and the released builds
 * each layout was documented for. Builds not listed (Windows 11, Server
 * 2003 / XP x64 whose SP1 and SP2 share build 3790 but not the layout,
 * insider builds) are unsupported: THREAD_CONTEXT says so and the debug
 * log names the build.
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
 *          so they share its KTHREAD.
 *  [NDK64] ReactOS NDK, sdk/include/ndk/amd64/ketypes.h, KSWITCH_FRAME
 *          (P1Home..P5Home, ApcBypass, Fill1[7], Rbp at 0x30, Return at
 *          0x38; 0x40 bytes), the frame x64 SwapContext leaves at
 *          KernelStack.
 *  No public source we could check gives the x86 switch frame for these
 *  builds, so x86 entries report the saved sp only.
 */
#include "kstack_drv.h"
#include "kstack_kthread.h"

#if defined(_WIN64)
#define KSTACK_X64_FRAME 0x40, 0x30, 0x38	/* [NDK64] */

static const struct kstack_kthread_layout kstack_vista = {
	"Windows Vista / Server 2008 x64 (6.0)",
	0x28, 0x30, 0x38, 0x154, 0x94, 0x124, KSTACK_X64_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x30, KernelStack 0x38, "
	"State 0x154, WaitReason 0x94, ContextSwitches 0x124 (6.0); [NDK64]",
};
static const struct kstack_kthread_layout kstack_win7 = {
	"Windows 7 / Server 2008 R2 x64 (6.1)",
	0x28, 0x30, 0x38, 0x164, 0x26b, 0x134, KSTACK_X64_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x30, KernelStack 0x38, "
	"State 0x164, ContextSwitches 0x134; WaitReason 0x26B ([GC62] 'previously at'); [NDK64]",
};
static const struct kstack_kthread_layout kstack_win8_10 = {
	"Windows 8 to 10 22H2 x64 (6.2 to 10.0.19045)",
	0x28, 0x30, 0x58, 0x184, 0x283, 0x154, KSTACK_X64_FRAME,
	"[GC62] InitialStack 0x28, StackLimit 0x30, KernelStack 0x58, "
	"State 0x184, WaitReason 0x283, ContextSwitches 0x154 (6.2 and higher); "
	"[MSEP]; [NDK64]",
};
#else
#define KSTACK_X86_NO_FRAME 0, KSTACK_NO_OFFSET, KSTACK_NO_OFFSET

static const struct kstack_kthread_layout kstack_xp = {
	"Windows XP x86 (5.1)",
	0x18, 0x1c, 0x28, 0x2d, 0x5b, 0x4c, KSTACK_X86_NO_FRAME,
	"[GC351] InitialStack 0x18, StackLimit 0x1C, KernelStack 0x28, "
	"State 0x2D, WaitReason 0x5B, ContextSwitches 0x4C (5.1)",
};
static const struct kstack_kthread_layout kstack_vista = {
	"Windows Vista / Server 2008 x86 (6.0)",
	0x28, 0x2c, 0x30, 0x5c, 0x6c, 0x58, KSTACK_X86_NO_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x2C, KernelStack 0x30, "
	"State 0x5C, WaitReason 0x6C, ContextSwitches 0x58 (6.0)",
};
static const struct kstack_kthread_layout kstack_win7 = {
	"Windows 7 x86 (6.1)",
	0x28, 0x2c, 0x30, 0x68, 0x187, 0x64, KSTACK_X86_NO_FRAME,
	"[GC52] InitialStack 0x28, StackLimit 0x2C, KernelStack 0x30, "
	"State 0x68, ContextSwitches 0x64; WaitReason 0x187 ([GC62] 'previously at')",
};
static const struct kstack_kthread_layout kstack_win8_10 = {
	"Windows 8 to 10 22H2 x86 (6.2 to 10.0.19045)",
	0x20, 0x24, 0x48, 0x90, 0x18b, 0x8c, KSTACK_X86_NO_FRAME,
	"[GC62] InitialStack 0x20, StackLimit 0x24, KernelStack 0x48, "
	"State 0x90, WaitReason 0x18B, ContextSwitches 0x8C (6.2 and higher); "
	"[MSEP]",
};
#endif

static const struct kstack_kthread_build kstack_kthread_builds[] = {
#if !defined(_WIN64)
	{ 2600, &kstack_xp },		/* XP RTM, SP1-SP3 */
#endif
	{ 6000, &kstack_vista },	/* Vista RTM */
	{ 6001, &kstack_vista },	/* Vista SP1 / Server 2008 */
	{ 6002, &kstack_vista },	/* SP2 */
	{ 6003, &kstack_vista },	/* SP2 after the 2019 servicing rename */
	{ 7600, &kstack_win7 },
	{ 7601, &kstack_win7 },		/* SP1 */
	{ 9200, &kstack_win8_10 },	/* 8 */
	{ 9600, &kstack_win8_10 },	/* 8.1 */
	{ 10240, &kstack_win8_10 },	/* 10 1507 */
	{ 10586, &kstack_win8_10 },	/* 1511 */
	{ 14393, &kstack_win8_10 },	/* 1607 */
	{ 15063, &kstack_win8_10 },	/* 1703 */
	{ 16299, &kstack_win8_10 },	/* 1709 */
	{ 17134, &kstack_win8_10 },	/* 1803 */
	{ 17763, &kstack_win8_10 },	/* 1809 */
	{ 18362, &kstack_win8_10 },	/* 1903 */
	{ 18363, &kstack_win8_10 },	/* 1909 (1903 + enablement package) */
	{ 19041, &kstack_win8_10 },	/* 2004 */
	{ 19042, &kstack_win8_10 },	/* 20H2 [MSEP] */
	{ 19043, &kstack_win8_10 },	/* 21H1 [MSEP] */
	{ 19044, &kstack_win8_10 },	/* 21H2 [MSEP] */
	{ 19045, &kstack_win8_10 },	/* 22H2 [MSEP] */
};

const struct kstack_kthread_layout *kstack_kthread_lookup(ULONG build)
{
	ULONG i;

	for (i = 0; i < ARRAYSIZE(kstack_kthread_builds); i++)
		if (kstack_kthread_builds[i].build == build)
			return kstack_kthread_builds[i].layout;
	return NULL;
}
