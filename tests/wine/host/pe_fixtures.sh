#!/bin/sh
# pe_fixtures.sh DIR: the PE symbol reader's fixtures (test_pe_symbols.c),
# real mingw images, x64 and x86: an .exe with static functions and no
# DWARF (-g0: its COFF symbol table is all it has), a DLL with named,
# NONAME (ordinal-only) and forwarded exports, and stripped (-s) copies
# of both.
set -e
fx=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$fx"
for a in 64:x86_64 32:i686; do
	bits=${a%%:*}
	cc=${a#*:}-w64-mingw32-gcc
	$cc -O1 -g0 -o "$fx/prog$bits.exe" "$here/pe_prog.c"
	$cc -O1 -g0 -s -o "$fx/prog$bits-s.exe" "$here/pe_prog.c"
	$cc -O1 -g0 -shared -o "$fx/lib$bits.dll" "$here/pe_lib.c" "$here/pe_lib.def"
	$cc -O1 -g0 -shared -s -o "$fx/lib$bits-s.dll" "$here/pe_lib.c" "$here/pe_lib.def"
done
