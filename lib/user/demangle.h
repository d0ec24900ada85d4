/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readable names for mangled symbols, with GNU libiberty's demanglers (the
 * ones gdb, binutils' c++filt and perf's --demangle use; Debian:
 * libiberty-dev, a static library):
 *   C++, Itanium ABI ("_Z..."): cplus_demangle_v3(DMGL_PARAMS | DMGL_ANSI),
 *     the text libstdc++'s __cxa_demangle gives (eu-stack, gdb, pstack):
 *     "_ZN3kst4work6Waiter4grabERSt5mutex" -> "kst::work::Waiter::grab(std::mutex&)"
 *   Rust legacy ("_ZN...17h<16 hex>E") and v0 ("_R...", RFC 2603):
 *     rust_demangle(), tried first as cplus_demangle() does (a legacy Rust
 *     name is also a valid Itanium one), without the hash and crate
 *     disambiguators (rustc-demangle's "{:#}" form, as gdb and perf show
 *     them): "_RNvNtCs1234_7mycrate4work5sleep" -> "mycrate::work::sleep".
 *     libiberty 20230104 (Debian 12) handles both schemes.
 * A symbol version ("@@GLIBCXX_3.4", "@GLIBC_2.2.5") is not part of the
 * mangled name: the name before it is demangled and the version kept.
 *
 * Mangled names come from files the target controls: the result is raw
 * bytes (a Rust v0 identifier may be any Unicode, a C++ one any bytes), to
 * be escaped (escape.h) before it is printed, and bounded: a name that
 * demangles to more than KS_DEMANGLE_MAX bytes (a crafted one can expand
 * enormously) is left mangled.
 */
#ifndef KSTACK_DEMANGLE_H
#define KSTACK_DEMANGLE_H

#include <stddef.h>

/* The longest demangled text kept (real template-heavy C++ stays far below). */
#define KS_DEMANGLE_MAX		(64u << 10)

/*
 * The demangled form of sym (NUL-terminated), malloc'd; NULL when sym is
 * not a mangled C++ or Rust name (plain C "main", a malformed one), when
 * its text would pass KS_DEMANGLE_MAX, or without memory: the caller
 * keeps sym as it is.
 */
char *ks_demangle(const char *sym);

#endif
