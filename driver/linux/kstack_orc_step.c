// SPDX-License-Identifier: GPL-2.0
/*
 * The x86_64 ORC step rules of the user-space walker, compiled into the
 * module for kstack_walk.c: one implementation for both walkers, and the
 * one the tests compare frame for frame with the kernel's unwinder.
 */
#include "../../lib/arch_x86_64.c"
