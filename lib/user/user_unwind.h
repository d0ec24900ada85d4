/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unwinding and naming the user-mode half of captured threads
 * (user_stack.h) with elfutils libdwfl, the way perf's
 * tools/perf/util/unwind-libdw.c unwinds sampled user stacks: one Dwfl per
 * process, its modules reported from the process's maps, a
 * Dwfl_Thread_Callbacks whose set_initial_registers hands over the
 * registers saved at kernel entry (x86_64 or i386 DWARF numbering) and
 * whose memory_read serves the stack copy (process_vm_readv for anything
 * else), dwfl_getthread_frames for the walk (CFI from .eh_frame or
 * .debug_frame; libebl's frame-pointer rule where there is none) and
 * dwfl_module_addrinfo for names (.symtab, or .dynsym of a stripped file,
 * or separate debuginfo found by build-id under /usr/lib/debug; debuginfod
 * only in a dynamically linked build with DEBUGINFOD_URLS set, as libdwfl
 * loads its client with dlopen).
 *
 * Files are opened through /proc/PID/map_files (the very file mapped, even
 * when deleted or in another mount namespace), else /proc/PID/root/PATH;
 * each ELF file once per run, keyed by (device, inode), and shared by every
 * process's Dwfl through libelf's reference count. Each distinct (file,
 * address) is named once per run.
 */
#ifndef KSTACK_USER_UNWIND_H
#define KSTACK_USER_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_error.h"
#include "user_cfi.h"
#include "perf_map.h"
#include "user_stack.h"

/* ks_user_frame.flags */
#define KS_UF_EXACT	(1u << 0)	/* pc is where the thread is, not a return address */
#define KS_UF_FALLBACK	(1u << 1)	/* found without CFI (frame pointer): "? " */

struct ks_user_frame {
	uint64_t pc;
	uint32_t flags;		/* KS_UF_* */
	/*
	 * "libc.so.6!__clock_nanosleep+0x4d/0x80", "myprog!+0x1234" (only the
	 * module known: the ELF address, as addr2line takes it) or
	 * "[unknown]"; escaped; valid until ks_user_unwinder_fini(). A
	 * mangled C++ or Rust symbol is demangled (demangle.h) unless the
	 * unwinder's raw_names is set: "l18cxx!kst::work::Waiter::grab(std::mutex&)+0x18/0x2c".
	 * JIT code named by the process's perf map (perf_map.h) has the map
	 * as its module: "perf-1234.map!LazyCompile:*fib /app/fib.js:3+0x1c/0x80".
	 */
	const char *name;
	/*
	 * The same with the symbol as the file has it (mangled), where name
	 * shows it demangled; else NULL. Escaped, valid as long as name.
	 */
	const char *raw;
};

enum ks_user_stop {
	KS_USTOP_END,		/* reached the outermost frame: whole (walk_thread()) */
	KS_USTOP_LIMIT,		/* cut at the frame limit */
	KS_USTOP_ERROR,		/* the unwinder could not go on: cut short (why) */
	KS_USTOP_NONE,		/* not walked (no registers, no stack copy): why */
};

struct ks_user_walk {
	struct ks_user_frame *frames;
	size_t nr;
	enum ks_user_stop stop;
	char why[96];		/* ERROR/NONE: the reason, escaped */
	/*
	 * ERROR: the walk ended in a binary's code that has no unwind
	 * information there (no CFI, and no frame-pointer chain to follow):
	 * the file's limit, not the walker's (eu-stack stops there too, and
	 * says "No DWARF information found"); the caller decides whether
	 * that is whole as far as the binary allows or cut short.
	 */
	bool no_cfi;
};

struct ks_user_elf;
struct ks_user_dwfl;

/*
 * ELF files kept open between Dwfls (each open file costs a descriptor
 * and its mapped pages): enough for the libraries a system's processes
 * share; a file closed is opened again when a later process maps it.
 */
#define KS_USER_FILES_OPEN_MAX	64

struct ks_user_unwinder {
	void *files;		/* tsearch tree of struct ks_user_elf, by (dev, ino) */
	void *names;		/* tsearch tree of named addresses */
	struct ks_user_elf **vdsos;	/* distinct vDSO images seen */
	size_t nvdso;
	struct ks_user_elf **open;	/* the files open now (at most ..._OPEN_MAX between Dwfls) */
	size_t nopen, open_cap;
	/* the Dwfl of the last process, kept for the next while the layout is the same */
	struct ks_user_dwfl *held;
	const char *proc;	/* "/proc" */
	struct ks_cfi_rules rules;	/* the fast walk's, per (file, address) */
	/*
	 * --verify-user: walk every thread the fast walk did with libdwfl too
	 * and compare them frame for frame: verified walks compared,
	 * verify_differ of them not equal, the first one's thread and why in
	 * verify_first.
	 */
	bool verify;
	bool dwfl_only;		/* every thread by libdwfl (make bench's comparison) */
	size_t verified, verify_differ;
	char verify_first[160];
	/* statistics (tests, bench) */
	size_t files_opened, files_closed, names_made, names_reused, mem_fallback_reads;
	size_t dwfls_made, fast_walks, dwfl_walks;
	/* names as the files have them: no demangling (--no-demangle) */
	bool raw_names;
	/*
	 * Where to say what the user should know but the walk cannot show
	 * (a perf map not used, and why); NULL: nowhere. msg is raw (it may
	 * quote a path of the target's): the receiver escapes it.
	 */
	void (*note)(void *note_arg, const char *msg);
	void *note_arg;
	/*
	 * the perf map of the process named last (jit_pid), read on first
	 * need; checked for changes once each time the process is walked
	 * again (jit_checked: since its last take), as --sample does
	 */
	struct ks_perf_map jit;
	uint64_t jit_pid;
	bool jit_read, jit_checked;
	void *jit_names;	/* tsearch tree of the JIT names made (strings) */
};

/*
 * Names demangled, no notes: set raw_names and note after init, before
 * the first walk.
 */
void ks_user_unwinder_init(struct ks_user_unwinder *u);
void ks_user_unwinder_fini(struct ks_user_unwinder *u);

/*
 * Walk the threads of p whose stacks the last ks_user_proc_copy_batch()
 * dealt with (p->live), at most max_frames frames each, into
 * walks[i] for thread v[i] (walks: p->n of them, zeroed before first use;
 * a thread walked again has its old walk freed). One Dwfl for p: the
 * unwinder's held one if the process before had the same layout
 * (ks_user_same_layout()), else a new one, held in turn. Errors only for
 * the process as a whole (no module could be read, no memory).
 */
struct ks_error *ks_user_unwind_live(struct ks_user_unwinder *u, struct ks_user_proc *p,
				     size_t max_frames, struct ks_user_walk *walks);

/* End the held Dwfl (its files stay cached, at most KS_USER_FILES_OPEN_MAX open). */
void ks_user_unwinder_release(struct ks_user_unwinder *u);

/*
 * Walk every thread of p (its stacks copied: ks_user_proc_copy()) with one
 * Dwfl, at most max_frames frames each, into walks[0..p->n). Errors only
 * for the process as a whole (no module could be read, no memory); a thread
 * that cannot be walked (its copy not live) says why in its walk. Free
 * with ks_user_walks_fini().
 */
struct ks_error *ks_user_unwind_proc(struct ks_user_unwinder *u, struct ks_user_proc *p,
				     size_t max_frames, struct ks_user_walk *walks);

/*
 * Do a and b map the same ELF files at the same addresses (their vDSO
 * too)? Then one Dwfl serves both: processes forked without exec (workers
 * of one server) share modules, and a static binary without
 * .eh_frame_hdr (gcc -static links it without) costs libdw a parse of its
 * whole .eh_frame per Dwfl.
 */
bool ks_user_same_layout(const struct ks_user_proc *a, const struct ks_user_proc *b);

/*
 * ks_user_unwind_proc() for n processes, in turn: those of one layout in
 * a row share one Dwfl. walks[k] receives procs[k]'s walks.
 */
struct ks_error *ks_user_unwind_procs(struct ks_user_unwinder *u, struct ks_user_proc **procs,
				      size_t n, size_t max_frames, struct ks_user_walk **walks);

void ks_user_walks_fini(struct ks_user_walk *walks, size_t n);

#endif
