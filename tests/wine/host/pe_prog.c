// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* A fixture of test_pe_symbols.c: static functions, one with a name past 8 bytes. */
#include <stdio.h>

static int __attribute__((noinline)) helper_static(int x)
{
	return x * 3 + 1;
}

static int __attribute__((noinline)) another_static_function_with_a_long_name(int x)
{
	return helper_static(x) ^ 5;
}

int __attribute__((noinline)) public_fn(int x);
int __attribute__((noinline)) public_fn(int x)
{
	return another_static_function_with_a_long_name(x) + 2;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("%d\n", public_fn(argc));
	return 0;
}
