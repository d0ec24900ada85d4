// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The launcher of the by-hand ReactOS run (tests/reactos/run.sh). A
 * program's stdout does not reach ReactOS's serial port, its debug output
 * does: this runs a command, sends each line it writes (stdout and stderr)
 * to OutputDebugString as "TAG| line", then "TAG| exit N".
 *
 *   ktrun TAG [--target EXE] -- PROGRAM [ARGS...]
 *
 * --target starts EXE first (its output is dropped after its first line),
 * waits for that line and 2 s more (its threads settle into their waits),
 * replaces "{pid}" and "{tid}" in the arguments by its process id and its
 * first thread's id, and ends it after the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <tlhelp32.h>

static void say(const char *tag, const char *line)
{
	char buf[1100];

	snprintf(buf, sizeof(buf), "%s| %s\n", tag, line);
	OutputDebugStringA(buf);
}

/* Starts cmdline with stdout and stderr into a pipe; returns its read end. */
static HANDLE spawn(char *cmdline, PROCESS_INFORMATION *pi)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	STARTUPINFOA si;
	HANDLE rd, wr;

	if (!CreatePipe(&rd, &wr, &sa, 0))
		return NULL;
	SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	si.hStdOutput = wr;
	si.hStdError = wr;
	if (!CreateProcessA(NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &si, pi)) {
		CloseHandle(rd);
		CloseHandle(wr);
		return NULL;
	}
	CloseHandle(wr);
	return rd;
}

/* Reads one line (without its end) from h; 0 at the end of the output. */
static int read_line(HANDLE h, char *line, size_t size)
{
	size_t n = 0;
	DWORD got;
	int any = 0;
	char c;

	while (ReadFile(h, &c, 1, &got, NULL) && got == 1) {
		any = 1;
		if (c == '\n')
			break;
		if (c != '\r' && n + 1 < size)
			line[n++] = c;
	}
	line[n] = 0;
	return any;
}

/* The first thread of process pid (its main thread, ho_a's chain). */
static DWORD first_thread(DWORD pid)
{
	HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	THREADENTRY32 te;
	DWORD tid = 0;

	if (snap == INVALID_HANDLE_VALUE)
		return 0;
	te.dwSize = sizeof(te);
	if (Thread32First(snap, &te)) {
		do {
			if (te.th32OwnerProcessID == pid) {
				tid = te.th32ThreadID;
				break;
			}
		} while (Thread32Next(snap, &te));
	}
	CloseHandle(snap);
	return tid;
}

/* Appends a to cmd, quoted, with {pid}/{tid} replaced. */
static void append_arg(char *cmd, size_t size, const char *a, DWORD pid, DWORD tid)
{
	char buf[1024], num[16];
	const char *p;
	size_t n = 0;

	for (p = a; *p && n + 12 < sizeof(buf); p++) {
		if (!strncmp(p, "{pid}", 5) || !strncmp(p, "{tid}", 5)) {
			snprintf(num, sizeof(num), "%lu", (unsigned long)(p[1] == 'p' ? pid : tid));
			memcpy(buf + n, num, strlen(num));
			n += strlen(num);
			p += 4;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = 0;
	n = strlen(cmd);
	snprintf(cmd + n, size - n, "%s\"%s\"", n ? " " : "", buf);
}

int main(int argc, char **argv)
{
	PROCESS_INFORMATION tpi, pi;
	char cmd[4096] = "", line[1024];
	const char *tag, *target = NULL;
	HANDLE out, tout = NULL;
	DWORD code = 0, tid = 0;
	int i;

	if (argc < 4)
		return 64;
	tag = argv[1];
	i = 2;
	if (!strcmp(argv[i], "--target") && i + 1 < argc) {
		target = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--"))
		return 64;
	i++;
	memset(&tpi, 0, sizeof(tpi));
	if (target) {
		snprintf(line, sizeof(line), "\"%s\"", target);
		tout = spawn(line, &tpi);
		if (!tout) {
			snprintf(line, sizeof(line), "cannot start %s: error %lu", target,
				 (unsigned long)GetLastError());
			say(tag, line);
			return 1;
		}
		read_line(tout, line, sizeof(line));
		say(tag, line);
		Sleep(2000);
		tid = first_thread(tpi.dwProcessId);
	}
	for (; i < argc; i++)
		append_arg(cmd, sizeof(cmd), argv[i], tpi.dwProcessId, tid);
	say(tag, cmd);
	out = spawn(cmd, &pi);
	if (!out) {
		snprintf(line, sizeof(line), "cannot start: error %lu", (unsigned long)GetLastError());
		say(tag, line);
	} else {
		while (read_line(out, line, sizeof(line)))
			say(tag, line);
		WaitForSingleObject(pi.hProcess, 60000);
		GetExitCodeProcess(pi.hProcess, &code);
		snprintf(line, sizeof(line), "exit %lu", (unsigned long)code);
		say(tag, line);
		CloseHandle(out);
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}
	if (target) {
		TerminateProcess(tpi.hProcess, 0);
		CloseHandle(tout);
		CloseHandle(tpi.hProcess);
		CloseHandle(tpi.hThread);
	}
	return out ? (int)code : 1;
}
