// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* A fixture of test_pe_symbols.c: exported as pe_lib.def says; lib_hidden is not. */
static int __attribute__((noinline)) lib_static(int x)
{
	return x + 7;
}

int lib_first(int x)
{
	return lib_static(x) * 2;
}

int lib_second(int x)
{
	return lib_first(x) - 1;
}

int lib_hidden(int x)
{
	return x - 3;
}

int lib_noname(int x)
{
	return x * 11;
}
