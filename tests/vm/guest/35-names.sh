# Names people can read (issue 20), inside the VM as root: C++ and Rust
# names demangled as eu-stack (and gdb, perf) print them, raw with
# --no-demangle as eu-stack -r prints them; JIT code named from a perf map,
# and hostile maps not trusted; the first user frame named from the
# registers when the stack is in no mapping; Go stacks whole at
# runtime.goexit; --verify with a BPF trampoline on the stack.
. /tests/guest-lib.sh

grep -q '^kstack ' /proc/modules || insmod /kstack.ko

stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }


tid_of() { # PID COMM: the first thread with this name
	for t in /proc/$1/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && { basename "$t"; return; }
	done
}

# The function names of TID's user frames in a kstack listing, one a line:
# module and offset cut off, "?" where only the module (or nothing) is known.
kfuncs() {
	block "$1" "$2" | awk '
		/^user mode:/ { u = 1; next }
		u && /^[0-9a-f]+ : / {
			s = $0; sub(/^[0-9a-f]+ : (\? )?/, "", s)
			if (s ~ /^\[unknown\]/ || s ~ /^[^!]*!\+0x[0-9a-f]+$/) { print "?"; next }
			sub(/^[^!]*!/, "", s); sub(/\+0x[0-9a-f]+(\/0x[0-9a-f]+)?$/, "", s); print s
		}'
}

# The same from eu-stack -p's output: "#N 0xADDR NAME", "?" without a name.
efuncs() {
	awk -v tid="$2" '
		/^TID / { on = ($2 == tid ":"); next }
		on && /^#/ { s = $0; sub(/^#[0-9]+ +0x[0-9a-f]+ ?/, "", s); print (s == "" ? "?" : s) }' "$1"
}

# chain FILE TID "f|g|h": these functions appear in this order, adjacent
chain() {
	got="|$(kfuncs "$1" "$2" | tr '\n' '|')"
	case "$got" in *"|$3|"*) return 0 ;; esac
	echo "$got"
	return 1
}

have_eu=0
command -v eu-stack >/dev/null && have_eu=1

# --- C++: every thread's names as eu-stack's (which demangles), raw with
# --no-demangle as eu-stack -r's
if [ ! -x /bin/names_cxx ]; then
	fail "names: C++: names_cxx not built"
elif start /bin/names_cxx; then
	kstack "$upid" >/tmp/n-cxx.txt 2>/tmp/n-cxx.err
	rc=$?
	kstack --no-demangle "$upid" >/tmp/n-cxxr.txt 2>&1
	g=$(tid_of "$upid" grabber)
	x=$(chain /tmp/n-cxx.txt "$g" "kst::work::Waiter::grab(std::mutex&) [clone .isra.0]|std::thread::_State_impl<std::thread::_Invoker<std::tuple<main::{lambda()#1}> > >::_M_run()") &&
		chain /tmp/n-cxx.txt "$upid" "std::thread::join()|main" >/dev/null &&
		chain /tmp/n-cxx.txt "$(tid_of "$upid" waiter)" "kst::work::Waiter::wait_forever() [clone .isra.0]" >/dev/null &&
		chain /tmp/n-cxx.txt "$(tid_of "$upid" sleeper)" "void kst::work::nap<long>(long)" >/dev/null &&
		[ "$rc" = 0 ] &&
		pass "names: C++: namespace, class method, template, lambda and std:: names demangled, exit 0" ||
		{ fail "names: C++: exit $rc:$x"; block /tmp/n-cxx.txt "$g"; head -n 3 /tmp/n-cxx.err; }
	if [ $have_eu = 1 ]; then
		eu-stack -p "$upid" >/tmp/e-cxx.txt 2>/dev/null
		eu-stack -r -p "$upid" >/tmp/e-cxxr.txt 2>/dev/null
		tot=0 same=0 rsame=0 frames=0 dem=0 mang=0 rmang=0
		for t in $(ls /proc/$upid/task); do
			tot=$((tot + 1))
			kfuncs /tmp/n-cxx.txt "$t" >/tmp/k.f
			efuncs /tmp/e-cxx.txt "$t" >/tmp/e.f
			kfuncs /tmp/n-cxxr.txt "$t" >/tmp/kr.f
			efuncs /tmp/e-cxxr.txt "$t" >/tmp/er.f
			if [ -s /tmp/k.f ] && cmp -s /tmp/k.f /tmp/e.f; then
				same=$((same + 1))
			else
				echo "names: C++ thread $t: kstack | eu-stack:"
				paste -d '|' /tmp/k.f /tmp/e.f
			fi
			if [ -s /tmp/kr.f ] && cmp -s /tmp/kr.f /tmp/er.f; then
				rsame=$((rsame + 1))
			else
				echo "names: C++ thread $t: kstack --no-demangle | eu-stack -r:"
				paste -d '|' /tmp/kr.f /tmp/er.f
			fi
			frames=$((frames + $(wc -l </tmp/k.f)))
			dem=$((dem + $(grep -c '::' /tmp/k.f)))
			mang=$((mang + $(grep -c '^_Z' /tmp/k.f)))
			rmang=$((rmang + $(grep -c '^_Z' /tmp/kr.f)))
		done
		fig="$same of $tot threads, $dem of $frames frames demangled"
		[ "$tot" -ge 4 ] && [ "$same" = "$tot" ] && [ "$dem" -ge 6 ] && [ "$mang" = 0 ] &&
			pass "names: C++: kstack's names == eu-stack's ($fig)" ||
			fail "names: C++: kstack's names vs eu-stack's: $fig, $mang left mangled"
		[ "$tot" -ge 4 ] && [ "$rsame" = "$tot" ] && [ "$rmang" -ge 6 ] &&
			pass "names: C++: kstack --no-demangle == eu-stack -r ($rsame of $tot threads, $rmang mangled frames)" ||
			fail "names: C++: kstack --no-demangle vs eu-stack -r: $rsame of $tot threads, $rmang mangled frames"
	else
		skip "names: C++: kstack vs eu-stack: eu-stack not in the VM"
	fi
	# the reports: JSON carries both names, pprof's Function.name and
	# system_name; --match matches either; folded and --group the demangled
	kstack --format json -o /tmp/n-cxx.json "$upid" &&
		emit_check json names-cxx.json /tmp/n-cxx.json \
			"raw_function=std::thread::join()|_ZNSt6thread4joinEv"
	kstack --format pprof -o /tmp/n-cxx.pb.gz "$upid" &&
		emit_check pprof names-cxx.pb.gz /tmp/n-cxx.pb.gz \
			"user_functions=std::thread::join()" "system_name=std::thread::join()|_ZNSt6thread4joinEv"
	kstack --format folded -o /tmp/n-cxx.folded "$upid"
	kstack --group "$upid" >/tmp/n-cxx-g.txt 2>&1
	if grep -q ';std::thread::join() \[libstdc++.so.6\];' /tmp/n-cxx.folded && ! grep -q ';_Z' /tmp/n-cxx.folded &&
		grep -q '!std::thread::join()+0x' /tmp/n-cxx-g.txt; then
		pass "names: C++: folded and --group show the demangled names"
	else
		fail "names: C++: folded/--group: $(head -c 300 /tmp/n-cxx.folded)"
	fi
	n1=$(kstack --match '^kst::work::Waiter::grab' --format json "$upid" 2>/dev/null | grep -c '"tid"')
	n2=$(kstack --match '^_ZN3kst4work6Waiter4grab' --format json "$upid" 2>/dev/null | grep -c '"tid"')
	[ "$n1" = 1 ] && [ "$n2" = 1 ] &&
		pass "names: C++: --match finds the grabber by its demangled and by its mangled name" ||
		fail "names: C++: --match: $n1 threads by the demangled name, $n2 by the mangled one (want 1, 1)"
	stop "$upid"
fi

# --- Rust, legacy and v0 mangling: the crate's names and std's demangled
for v in names_rust names_rust_v0; do
	if [ ! -x /bin/$v ]; then
		skip "names: Rust ($v): not built: no rustc where the tests were built"
		continue
	fi
	start /bin/$v || continue
	kstack "$upid" >/tmp/n-$v.txt 2>/tmp/n-$v.err
	rc=$?
	kstack --no-demangle "$upid" >/tmp/n-$v-raw.txt 2>&1
	r=$(tid_of "$upid" receiver)
	kfuncs /tmp/n-$v.txt "$upid" >/tmp/k.f
	kfuncs /tmp/n-$v.txt "$r" >>/tmp/k.f
	left=$(grep -c '^_ZN\|^_R' /tmp/k.f)
	if [ "$rc" = 0 ] && grep -qx 'names_rust::kst::work::sleeper_inner' /tmp/k.f &&
		grep -qx 'std::thread::sleep' /tmp/k.f &&
		grep -qx '<\{0,1\}names_rust::kst::work::Mailbox>\{0,1\}::wait' /tmp/k.f && [ "$left" = 0 ]; then
		pass "names: Rust ($v): names_rust::kst::work::sleeper_inner, std::thread::sleep, Mailbox::wait: every name demangled ($(wc -l </tmp/k.f) frames)"
	else
		fail "names: Rust ($v): exit $rc, $left left mangled: $(tr '\n' '|' </tmp/k.f | head -c 600)"
	fi
	case $v in
	*_v0) want="$v!_RNvNtNtCs[0-9A-Za-z_]*10names_rust3kst4work13sleeper_inner+0x" ;;
	*) want="$v!_ZN10names_rust3kst4work13sleeper_inner17h[0-9a-f]\\{16\\}E+0x" ;;
	esac
	grep -q "$want" /tmp/n-$v-raw.txt &&
		pass "names: Rust ($v): --no-demangle prints the raw name" ||
		fail "names: Rust ($v): --no-demangle: no frame like '$want'"
	if [ $v = names_rust_v0 ]; then
		raw=$(sed -n "s/.*$v!\(_RNv[^+]*sleeper_inner\)+0x.*/\1/p" /tmp/n-$v-raw.txt | head -n 1)
		kstack --format json -o /tmp/n-rust.json "$upid" &&
			emit_check json names-rust-v0.json /tmp/n-rust.json \
				"raw_function=names_rust::kst::work::sleeper_inner|$raw"
		kstack --format pprof -o /tmp/n-rust.pb.gz "$upid" &&
			emit_check pprof names-rust-v0.pb.gz /tmp/n-rust.pb.gz \
				"user_functions=names_rust::kst::work::sleeper_inner" \
				"system_name=names_rust::kst::work::sleeper_inner|$raw"
	fi
	stop "$upid"
done

# --- JIT code: named from the process's perf map, as perf reads it; a
# map that is not the process's own, too big, or a symlink is not used
# (said on stderr), and a name's control bytes are escaped
jitname() { # FILE PID: the name of the frame under jit_callee
	kfuncs "$1" "$2" | awk 'p { print; exit } $0 == "jit_callee" { p = 1 }'
}
if [ ! -x /bin/names_jit ]; then
	fail "names: JIT: names_jit not built"
elif start /bin/names_jit; then
	set -- $(cat "$ready")
	addr=$3 size=$4
	map=/tmp/perf-$upid.map
	rm -f "$map"
	kstack "$upid" >/tmp/n-jit0.txt 2>&1
	n0=$(jitname /tmp/n-jit0.txt "$upid")
	printf '%s %s jit::hot_loop [tier 2]\n' "$addr" "$size" >"$map"
	kstack "$upid" >/tmp/n-jit.txt 2>/tmp/n-jit.err
	rc=$?
	x=$(chain /tmp/n-jit.txt "$upid" "jit_callee|jit::hot_loop [tier 2]|main")
	if [ "$n0" = "?" ] && [ -z "$x" ] && [ "$rc" = 0 ] &&
		grep -q "^[0-9a-f]* : perf-$upid.map!jit::hot_loop \[tier 2\]+0x6/0x8$" /tmp/n-jit.txt; then
		pass "names: JIT: the frame in anonymous code is named from /tmp/perf-PID.map (perf-$upid.map!jit::hot_loop [tier 2]+0x6/0x8), [unknown] without it"
	else
		fail "names: JIT: exit $rc, without a map '$n0':$x"
		block /tmp/n-jit.txt "$upid"
	fi
	# hostile maps: LABEL SETUP...: the frame stays unnamed, and why is said
	hostile() {
		label=$1
		shift
		rm -f "$map"
		"$@"
		kstack "$upid" >/tmp/n-jith.txt 2>/tmp/n-jith.err
		n=$(jitname /tmp/n-jith.txt "$upid")
		why=$(grep "perf map: " /tmp/n-jith.err | head -n 1)
		if [ "$n" = "?" ] && [ -n "$why" ]; then
			pass "names: JIT: $label: not used, said: ${why#kstack: }"
		else
			fail "names: JIT: $label: frame '$n', stderr: $(head -c 300 /tmp/n-jith.err)"
		fi
	}
	good_map() { printf '%s %s jit_fn\n' "$addr" "$size" >"$1"; }
	owner_map() { good_map "$map" && chown 4242 "$map"; }
	big_map() { good_map "$map" && truncate -s 17M "$map"; }
	link_map() { good_map /tmp/n-good.map && ln -s /tmp/n-good.map "$map"; }
	fifo_map() { mkfifo "$map"; }
	hostile "a map owned by another user (uid 4242)" owner_map
	hostile "a map over 16 MiB" big_map
	hostile "a symlink to a good map" link_map
	hostile "a FIFO" fifo_map
	rm -f "$map" /tmp/n-good.map
	# a name with control bytes: escaped like every other name
	printf '%s %s evil\033[31m\tname\r\177\n' "$addr" "$size" >"$map"
	kstack "$upid" >/tmp/n-jite.txt 2>&1
	if grep -q "perf-$upid.map!evil\\\\033\[31m\\\\tname\\\\r\\\\177+0x6/0x8$" /tmp/n-jite.txt &&
		! grep -q "$(printf '\033')" /tmp/n-jite.txt; then
		pass "names: JIT: a name with ESC, tab, CR and DEL is escaped (evil\\033[31m\\tname\\r\\177)"
	else
		fail "names: JIT: name not escaped: $(grep -a 'perf-' /tmp/n-jite.txt | od -c | head -n 3 | tr '\n' ' ')"
	fi
	rm -f "$map"
	stop "$upid"
fi

# In other pid and mount namespaces: the map is found where the process
# sees it (its /tmp, its own number for itself), not in ours.
if [ -x /bin/names_jit ]; then
	rm -f /mnt/n-jitns-ready
	unshare -m -p -f sh -c "mount -t tmpfs none /tmp && exec /bin/names_jit -o /mnt/n-jitns-ready -m 'ns::jit_code'" &
	ns=$!
	if wait_file /mnt/n-jitns-ready 300; then
		sleep 0.3
		set -- $(cat /mnt/n-jitns-ready)
		inner=$2
		p=""
		for s in /proc/[0-9]*/status; do
			awk -v i="$inner" '/^Name:/ { n = $2 }
				/^NSpid:/ { ok = n == "names_jit" && NF == 3 && $3 == i } END { exit !ok }' "$s" &&
				p=$(basename "$(dirname "$s")")
		done
		if [ -z "$p" ]; then
			fail "names: JIT in other namespaces: process not found (inner pid $inner)"
		elif [ -e "/tmp/perf-$inner.map" ] || [ -e "/tmp/perf-$p.map" ]; then
			skip "names: JIT in other namespaces: the map is visible in ours too"
		else
			kstack "$p" >/tmp/n-jitns.txt 2>&1
			grep -q "^[0-9a-f]* : perf-$inner.map!ns::jit_code+0x6/0x8$" /tmp/n-jitns.txt &&
				pass "names: JIT in other pid and mount namespaces: named from its /tmp/perf-$inner.map (pid $p here)" ||
				{ fail "names: JIT in other namespaces: not named"; block /tmp/n-jitns.txt "$p"; }
		fi
		# the namespace's init takes from outside no signal it has no handler for, but SIGKILL
		[ -n "$p" ] && kill -9 "$p"
	else
		fail "names: JIT in other namespaces: did not start"
	fi
	stop "$ns"
fi

# --- sp in no mapping: the first frame named from the registers alone,
# as eu-stack names its #0; the walk says why it stopped, exit 1
if [ ! -x /bin/names_badsp ]; then
	fail "names: bad sp: names_badsp not built"
elif start /bin/names_badsp; then
	b=$(tid_of "$upid" badsp)
	kstack -t "$b" >/tmp/n-sp.txt 2>/tmp/n-sp.err
	rc=$?
	first=$(kfuncs /tmp/n-sp.txt "$b" | head -n 1)
	if [ "$rc" = 1 ] && [ "$first" = badsp_block ] && [ "$(kfuncs /tmp/n-sp.txt "$b" | wc -l)" = 1 ] &&
		block /tmp/n-sp.txt "$b" | grep -q '^user mode: ip [0-9a-f]* sp 0000000000001000$' &&
		block /tmp/n-sp.txt "$b" | grep -q '^(no user stack: user sp in no readable mapping)$' &&
		grep -qx "kstack: 1 user stack missing: user sp in no readable mapping (thread $b)" /tmp/n-sp.err; then
		pass "names: sp 0x1000: frame 0 named badsp_block from the ip, then why the walk stopped (exit 1)"
	else
		fail "names: sp 0x1000: exit $rc, first frame '$first'"
		block /tmp/n-sp.txt "$b"
	fi
	if [ $have_eu = 1 ]; then
		eu-stack -p "$upid" >/tmp/e-sp.txt 2>/dev/null
		e=$(efuncs /tmp/e-sp.txt "$b" | head -n 1)
		[ -n "$e" ] && [ "$e" = "$first" ] &&
			pass "names: sp 0x1000: frame 0 as eu-stack names it ($e)" ||
			fail "names: sp 0x1000: kstack '$first', eu-stack '$e'"
	fi
	stop "$upid"
fi

# --- Go: a thread running a goroutine blocked in read(2) has the
# goroutine's stack, which ends at runtime.goexit: whole there, whatever
# the words beyond it hold (names_go leaves a stale code address in one)
if [ ! -x /bin/names_go ]; then
	skip "names: Go: not built: no go where the tests were built"
elif start /bin/names_go; then
	kstack --verbose "$upid" >/tmp/n-go.txt 2>/tmp/n-go.err
	rc=$?
	readers=0 ends=0 whole=0
	for t in $(ls /proc/$upid/task); do
		kfuncs /tmp/n-go.txt "$t" >/tmp/k.f
		grep -qx 'main.blockedReader' /tmp/k.f || continue
		readers=$((readers + 1))
		case $(tail -n 1 /tmp/k.f) in runtime.goexit*) ends=$((ends + 1)) ;; esac
		block /tmp/n-go.txt "$t" | grep -q '^(user walk stopped\|^(the thread ran' ||
			grep -q "thread $t: " /tmp/n-go.err || whole=$((whole + 1))
	done
	if [ "$readers" -ge 2 ] && [ "$ends" = "$readers" ] && [ "$whole" = "$readers" ]; then
		pass "names: Go: $readers goroutines blocked in read(2): their threads' stacks end at runtime.goexit, whole (kstack exit $rc)"
	else
		fail "names: Go: $ends of $readers readers end at runtime.goexit, $whole whole"
		grep -v '^ffffffff' /tmp/n-go.txt | head -n 80
		head -n 5 /tmp/n-go.err
	fi
	if [ $have_eu = 1 ]; then
		eu-stack -p "$upid" >/tmp/e-go.txt 2>/dev/null
		tot=0 same=0
		for t in $(ls /proc/$upid/task); do
			tot=$((tot + 1))
			kfuncs /tmp/n-go.txt "$t" >/tmp/k.f
			efuncs /tmp/e-go.txt "$t" | head -n "$(wc -l </tmp/k.f)" >/tmp/e.f
			if [ -s /tmp/k.f ] && cmp -s /tmp/k.f /tmp/e.f; then
				same=$((same + 1))
			else
				echo "names: Go thread $t: kstack | eu-stack:"
				paste -d '|' /tmp/k.f /tmp/e.f
			fi
		done
		[ "$same" = "$tot" ] &&
			pass "names: Go: kstack's frames == eu-stack's first frames ($same of $tot threads)" ||
			fail "names: Go: kstack vs eu-stack: $same of $tot threads the same"
	fi
	stop "$upid"
fi

# --- --verify with a BPF trampoline on the stack: names compared with
# /proc are formed as the kernel forms them (a BPF image's size)
tr=/sys/kernel/tracing
rm -f /tmp/bpf-ready-h /tmp/bpf-ready-d
bpf_fexit hrtimer_nanosleep /tmp/bpf-ready-h 2>/tmp/bpf-h.err &
bh=$!
bpf_fexit do_nanosleep /tmp/bpf-ready-d 2>/tmp/bpf-d.err &
bd=$!
if wait_file /tmp/bpf-ready-h 300 && wait_file /tmp/bpf-ready-d 300; then
	sleep 1000 &
	s=$!
	usleep 500000
	tramp=$(grep -o 'bpf_trampoline_[0-9]*+0x[0-9a-f]*/0x[0-9a-f]*' /proc/$s/stack | tr '\n' ' ')
	# what a kallsyms parse alone would take for the image sizes: the
	# distance to the next [bpf] symbol
	ks=$(awk '$4 == "[bpf]" { print $1, $3 }' /proc/kallsyms | sort | tr '\n' ' ')
	kstack --verify "$s" >/tmp/n-verify.txt 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q '^verify: PASSED$' /tmp/n-verify.txt && [ -n "$tramp" ]; then
		pass "names: --verify with BPF fexit trampolines on the stack ($tramp) passes"
	else
		fail "names: --verify with BPF trampolines ($tramp) exit $rc"
		cat /tmp/n-verify.txt
		echo "[bpf] symbols: $ks"
	fi
	stop "$s"
else
	cat /tmp/bpf-h.err /tmp/bpf-d.err
	fail "names: BPF fexit programs on hrtimer_nanosleep and do_nanosleep"
fi
stop "$bh"
stop "$bd"

# nothing of ours left running for the scripts after this one
left=$(pidof names_cxx names_rust names_rust_v0 names_jit names_badsp names_go bpf_fexit 2>/dev/null)
if [ -n "$left" ]; then
	fail "names: test programs still running: $left"
	kill -9 $left 2>/dev/null
else
	pass "names: no test program left running"
fi
