// SPDX-License-Identifier: GPL-2.0
/*
 * ptyrun OUT CMD...: run CMD with its stderr on a pseudo-terminal (stdout
 * to /dev/null) and save what it wrote there to OUT, so a test can see
 * what a user at a terminal sees (kstack --sample's progress line).
 * Exits with CMD's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int master, slave, status, out;
	char buf[4096];
	ssize_t n;
	pid_t p;

	if (argc < 3) {
		fprintf(stderr, "usage: ptyrun OUT CMD...\n");
		return 2;
	}
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		perror("ptyrun: pty");
		return 2;
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (slave < 0 || out < 0) {
		perror("ptyrun: open");
		return 2;
	}
	p = fork();
	if (p == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(slave, 2);
		close(master);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	close(slave);
	/* EIO once the child's side is closed by its exit */
	while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(out, buf, (size_t)n) != n)
			return 2;
	if (waitpid(p, &status, 0) < 0)
		return 2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
