# Running threads (issue 24), inside the VM as root: a thread on a CPU is
# taken where it runs (CATCH_RUNNING): the driver alone (kscatch_test).
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

# the driver alone: kinds of answer, records, refusals
kscatch_test

