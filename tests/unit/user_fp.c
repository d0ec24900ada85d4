// SPDX-License-Identifier: GPL-2.0
/*
 * Built without CFI (-fno-asynchronous-unwind-tables -fno-unwind-tables)
 * and with frame pointers: test_user_stack's thread passes through here,
 * so the frame above it can only be found by the frame-pointer fallback.
 */
void user_test_block(int fd);
void user_test_fp_middle(int fd);

void user_test_fp_middle(int fd)
{
	user_test_block(fd);
	__asm__ volatile("" ::: "memory");	/* not a tail call */
}
