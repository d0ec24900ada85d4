# make demo, inside the VM: a few busy processes, their stacks.
insmod /kstack.ko || { echo "demo: insmod failed"; exit 1; }
zoo -n 1 -o /tmp/zoo.txt &
zoo_pid=$!
n=600
while [ ! -s /tmp/zoo.txt ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
echo "=== kstack demo: kernel $(uname -r)"
echo "=== zoo (pid $zoo_pid): one thread per blocking state"
cat /tmp/zoo.txt
echo
if [ -x /bin/kstack ]; then
	echo "=== kstack $zoo_pid (user-space ORC walker)"
	kstack "$zoo_pid"
	echo
	echo "=== kstack --verify on the zoo"
	kstack --verify "$zoo_pid"
	echo
fi
echo "=== driver STACK next to /proc, for zoo, init, kthreadd, rcu and ksoftirqd"
stackdump "$zoo_pid" 1 2 $(pidof rcu_sched rcu_preempt ksoftirqd/0 2>/dev/null)
