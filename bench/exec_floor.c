// SPDX-License-Identifier: GPL-2.0
/*
 * exec_floor: a static program that does nothing. kbench starts it as it
 * starts kstack (exec to exit): what any whole command costs before it
 * does any work, under qemu TCG a sizeable share of a /proc loop.
 */
int main(void)
{
	return 0;
}
