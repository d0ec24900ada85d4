// SPDX-License-Identifier: GPL-2.0
/*
 * names_cxx: threads whose user stacks are C++ of every kind of name, for
 * the demangling tests (tests/vm/guest/35-names.sh), built g++ -O2 -g:
 *   grabber: a lambda -> kst::work::Waiter::grab(std::mutex&), contended
 *            (main holds the mutex)
 *   waiter:  kst::work::Waiter::wait_forever() -> std::condition_variable::wait
 *   sleeper: kst::work::nap<long>(long) -> std::this_thread::sleep_for
 *   main:    std::thread::join() (of the grabber, which never ends)
 * Writes "ready PID" to FILE once the threads are started.
 *
 *   names_cxx -o FILE
 */
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <unistd.h>

/* keeps calls from becoming tail calls, and functions from merging */
#define KEEP() __asm__ volatile("" ::: "memory")

namespace kst {
namespace work {

std::mutex cv_lock;
std::condition_variable cv;
bool go;

class Waiter {
public:
	__attribute__((noinline)) void grab(std::mutex &m)
	{
		std::lock_guard<std::mutex> g(m);
		KEEP();
	}

	__attribute__((noinline)) void wait_forever()
	{
		std::unique_lock<std::mutex> l(cv_lock);

		cv.wait(l, [] { return go; });
		KEEP();
	}
};

template <typename T> __attribute__((noinline)) void nap(T secs)
{
	for (;;)
		std::this_thread::sleep_for(std::chrono::seconds(secs));
	KEEP();
}

} // namespace work
} // namespace kst

static std::mutex held;

int main(int argc, char **argv)
{
	const char *out = argc == 3 && !strcmp(argv[1], "-o") ? argv[2] : nullptr;
	kst::work::Waiter w;

	if (!out) {
		fprintf(stderr, "usage: names_cxx -o FILE\n");
		return 64;
	}
	held.lock();
	std::thread grabber([&w] {
		pthread_setname_np(pthread_self(), "grabber");
		w.grab(held);
		KEEP();
	});
	std::thread waiter([&w] {
		pthread_setname_np(pthread_self(), "waiter");
		w.wait_forever();
		KEEP();
	});
	std::thread sleeper([] {
		pthread_setname_np(pthread_self(), "sleeper");
		kst::work::nap<long>(100000);
		KEEP();
	});
	usleep(100000);
	if (FILE *f = fopen(out, "w")) {
		fprintf(f, "ready %d\n", (int)getpid());
		fclose(f);
	}
	grabber.join();
	waiter.join();
	sleeper.join();
	return 0;
}
