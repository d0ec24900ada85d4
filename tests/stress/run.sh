#!/bin/bash
# Stress suite (make stress; make check runs it): the VM, booted with
# panic_on_warn=1 oops=panic as every VM run, with tests/stress/guest/*.sh:
# exit races, concurrent clients, bad user buffers, the module's task
# reference and allocation counters (tests/vm/progs/ksstress.c). Sizes:
# KSTACK_STRESS=THREADS,PROCS,CLIENTS,SECONDS,WALKS (default
# 10000,10000,8,60,10000; tests/stress/guest/10-stress.sh).
here=$(cd "$(dirname "$0")" && pwd)
export KSTACK_VM_GUEST_DIR=$here/guest KSTACK_VM_RUN_NAME=stress
# unknown KEY=VALUE kernel parameters reach init (and the guest) as environment
[ -n "${KSTACK_STRESS:-}" ] && export VM_APPEND="${VM_APPEND:-} KSTACK_STRESS=$KSTACK_STRESS"
exec "$here/../vm/run.sh"
