#!/bin/bash
# Scale suite (make scale; not in make check: 80-90 s under TCG, more
# than check may grow by; the fallback's logic is unit-tested there,
# tests/unit/test_per_process.c): `kstack --all` past one
# SNAPSHOT's bound (KSTACK_SNAP_MAX_THREADS, 65,536 threads: the driver's
# E2BIG), with the real bound: two processes of 33,000 threads in a VM of
# VM_MEM (default 4G here: about 31 KiB of kernel memory a thread) under
# TCG. tests/scale/guest/10-bound.sh says what it checks.
here=$(cd "$(dirname "$0")" && pwd)
export KSTACK_VM_GUEST_DIR=$here/guest KSTACK_VM_RUN_NAME=scale
export VM_MEM=${VM_MEM_SCALE:-4G}
exec "$here/../vm/run.sh"
