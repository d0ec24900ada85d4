// SPDX-License-Identifier: GPL-2.0

// names_go: a Go program whose threads block in the kernel, for the
// outermost-frame test (tests/vm/guest/35-names.sh): goroutines blocked in
// a read(2) keep their OS threads, whose user stacks are the goroutines'
// own, started by Go at runtime.goexit (the return address newproc gives
// every goroutine's function). Above that return address Go leaves a few
// words it never writes (newproc1's "extra space"): zero on a fresh stack,
// whatever an earlier user left on reused stack memory. One reader puts an
// old word there, as a reused stack can hold; an unwinder that takes it
// for a caller walks on into garbage. Writes "ready PID" to FILE.
//
//	names_go -o FILE
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// the pcs of scribble(), on the heap: a copy of them on the stack would be
// found by the search for the goexit return address
var pcs = make([]uintptr, 64)

// scribble writes a stale code address into the first word above this
// goroutine's runtime.goexit return address (found on its stack by value:
// runtime.Callers gives it as the outermost pc).
//
//go:noinline
func scribble() bool {
	n := runtime.Callers(0, pcs)
	if n == 0 || !strings.HasPrefix(runtime.FuncForPC(pcs[n-1]-1).Name(), "runtime.goexit") {
		return false
	}
	var local uintptr
	p := uintptr(unsafe.Pointer(&local))
	for i := 0; i < 512; i++ {
		w := (*uintptr)(unsafe.Pointer(p + uintptr(i)*8))
		if *w == pcs[n-1] {
			*(*uintptr)(unsafe.Pointer(p + uintptr(i+1)*8)) = pcs[0]
			return true
		}
	}
	return false
}

//go:noinline
func blockedReader(fd int, stale bool) {
	if stale && !scribble() {
		fmt.Fprintln(os.Stderr, "names_go: runtime.goexit not found on the stack")
		os.Exit(1)
	}
	buf := make([]byte, 1)
	for {
		// a blocking read: the goroutine keeps its thread for the call
		syscall.Read(fd, buf)
	}
}

func main() {
	if len(os.Args) != 3 || os.Args[1] != "-o" {
		fmt.Fprintln(os.Stderr, "usage: names_go -o FILE")
		os.Exit(64)
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		panic(err)
	}
	go blockedReader(p[0], true)
	go blockedReader(p[0], false)
	time.Sleep(200 * time.Millisecond)
	if err := os.WriteFile(os.Args[2], []byte(fmt.Sprintf("ready %d\n", os.Getpid())), 0644); err != nil {
		panic(err)
	}
	select {}
}
