// SPDX-License-Identifier: GPL-2.0
/*
 * kstack --watch's pieces without a driver: the tracker (stuck once, never
 * for a thread that keeps moving, unstuck once, exited threads dropped,
 * memory flat over rounds), the Prometheus text (HELP/TYPE, a series per
 * state, escaping, the top 20 functions and "other"; read back by Debian's
 * promtool where it is installed), the atomic textfile, the JSON event
 * lines, and where a stuck thread is stuck.
 */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "prom_text.h"
#include "watch_json.h"
#include "watch_track.h"
#include "watch_where.h"

#define S 1000000000ull

static struct ks_watch_obs obs(uint64_t tid, char state, uint64_t stack, uint64_t nv)
{
	return (struct ks_watch_obs){ .tid = tid, .tgid = 100, .comm = "t", .state = state,
				      .stack = stack, .nvcsw = nv };
}

/* One round at time now of n threads; what each meant into what[]. */
static void round_of(struct ks_watch_track *t, uint64_t now, const struct ks_watch_obs *o,
		     size_t n, struct ks_watch_seen *seen)
{
	size_t i;

	ks_watch_track_begin(t, now);
	for (i = 0; i < n; i++)
		assert_no_error(ks_watch_track_see(t, &o[i], &seen[i]));
	assert_no_error(ks_watch_track_end(t));
}

/*
 * --stuck 2s --interval 200ms: a thread in D unchanged is stuck once (then
 * reported, never again); one whose counts move every round never is; one
 * unchanged for 6 s then moving is stuck once, then unstuck once.
 */
static void track_stuck_once_unstuck_once(void **state)
{
	struct ks_watch_track t;
	struct ks_watch_obs o[3];
	struct ks_watch_seen seen[3];
	size_t stuck[3] = { 0 }, unstuck[3] = { 0 }, r, i;

	(void)state;
	ks_watch_track_init(&t, 2 * S);
	for (r = 0; r <= 60; r++) {
		uint64_t now = r * S / 5;

		o[0] = obs(1, 'D', 0xaaa, 3);
		o[1] = obs(2, 'S', 0xbbb, r);			/* sleeps 100 ms in a loop */
		o[2] = obs(3, 'S', 0xccc, r < 30 ? 7 : r);	/* woken at 6 s, then busy */
		if (r >= 30)
			o[2].stack = 0xddd;
		round_of(&t, now, o, 3, seen);
		for (i = 0; i < 3; i++) {
			if (seen[i].what == KS_WATCH_STUCK) {
				stuck[i]++;
				assert_true(seen[i].for_ns >= 2 * S);
				ks_watch_track_reported(&t, seen[i].at);
			}
			if (seen[i].unstuck) {
				unstuck[i]++;
				assert_true(seen[i].unstuck_ns >= 6 * S);
			}
		}
		/* after its report, the D thread reads as reported, still stuck */
		if (r > 10)
			assert_int_equal(seen[0].what, KS_WATCH_REPORTED);
	}
	assert_int_equal(stuck[0], 1);
	assert_int_equal(unstuck[0], 0);
	assert_int_equal(stuck[1], 0);
	assert_int_equal(unstuck[1], 0);
	assert_int_equal(stuck[2], 1);
	assert_int_equal(unstuck[2], 1);
	ks_watch_track_fini(&t);
}

/* A running thread, a state change, a stack change: each is progress. */
static void track_running_and_changes_move(void **state)
{
	struct ks_watch_track t;
	struct ks_watch_obs o = obs(5, 'S', 0x1, 1);
	struct ks_watch_seen seen;
	uint64_t now = 0;

	(void)state;
	ks_watch_track_init(&t, 1 * S);
	round_of(&t, now, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_MOVED);
	round_of(&t, now += 2 * S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_STUCK);
	/* not reported (its block could not be confirmed): stuck again next round */
	round_of(&t, now += S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_STUCK);
	o.running = true;
	round_of(&t, now += S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_MOVED);
	assert_false(seen.unstuck);	/* never reported: nothing to take back */
	round_of(&t, now += 5 * S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_MOVED);	/* running twice: still moving */
	o.running = false;
	round_of(&t, now += S, &o, 1, &seen);
	round_of(&t, now += 2 * S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_STUCK);
	ks_watch_track_reported(&t, seen.at);
	o.state = 'D';
	round_of(&t, now += S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_MOVED);
	assert_true(seen.unstuck);
	assert_int_equal(seen.unstuck_ns, 3 * S);
	/* the same tid in another process (reused): a new thread */
	round_of(&t, now += 2 * S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_STUCK);
	o.tgid = 7;
	round_of(&t, now += 2 * S, &o, 1, &seen);
	assert_int_equal(seen.what, KS_WATCH_MOVED);
	ks_watch_track_fini(&t);
}

/* A reported thread that exits is listed gone once; unreported ones silently dropped. */
static void track_exited_threads_dropped(void **state)
{
	struct ks_watch_track t;
	struct ks_watch_obs o[2] = { obs(10, 'D', 1, 1), obs(11, 'S', 2, 1) };
	struct ks_watch_seen seen[2];

	(void)state;
	ks_watch_track_init(&t, S);
	round_of(&t, 0, o, 2, seen);
	round_of(&t, 2 * S, o, 2, seen);
	assert_int_equal(seen[0].what, KS_WATCH_STUCK);
	ks_watch_track_reported(&t, seen[0].at);
	assert_int_equal(ks_watch_track_threads(&t), 2);
	ks_watch_track_begin(&t, 3 * S);
	assert_int_equal(t.ngone, 0);
	assert_no_error(ks_watch_track_end(&t));	/* both exited */
	assert_int_equal(t.ngone, 1);
	assert_int_equal(t.gone[0].tid, 10);
	assert_int_equal(t.gone[0].for_ns, 3 * S);
	assert_string_equal(t.gone[0].comm, "t");
	assert_int_equal(ks_watch_track_threads(&t), 0);
	round_of(&t, 4 * S, o, 1, seen);
	assert_int_equal(t.ngone, 0);
	assert_int_equal(seen[0].what, KS_WATCH_MOVED);	/* seen anew */
	ks_watch_track_fini(&t);
}

/*
 * 10,000 rounds of 2,000 threads, a tenth of them replaced every round
 * (new tids, the old ones exited), in a shuffled order now and then: the
 * tracker's memory does not grow with the rounds, and every thread is
 * found again by tid.
 */
static void track_memory_flat(void **state)
{
	enum { N = 2000, ROUNDS = 10000 };
	struct ks_watch_track t;
	static struct ks_watch_obs o[N];
	static struct ks_watch_seen seen[N];
	size_t caps[2] = { 0 }, r, i;
	uint64_t next_tid = 1000;

	(void)state;
	ks_watch_track_init(&t, 1000 * S);
	for (i = 0; i < N; i++)
		o[i] = obs(next_tid++, 'S', 5, 1);
	for (r = 0; r < ROUNDS; r++) {
		if (r % 100 == 7) {
			for (i = 0; i + 1 < N; i += 2) {
				struct ks_watch_obs x = o[i];

				o[i] = o[i + 1];
				o[i + 1] = x;
			}
		}
		for (i = r % 10; i < N; i += 10)
			o[i].tid = next_tid++;
		round_of(&t, r * S / 1000, o, N, seen);
		for (i = 0; i < N; i++)
			assert_int_equal(seen[i].what, (i % 10 == r % 10) ? KS_WATCH_MOVED :
					 r ? KS_WATCH_STILL : KS_WATCH_MOVED);
		if (r == 100) {
			caps[0] = t.prev_cap + t.cur_cap + t.index_cap;
		}
	}
	caps[1] = t.prev_cap + t.cur_cap + t.index_cap;
	assert_int_equal(caps[0], caps[1]);
	assert_int_equal(ks_watch_track_threads(&t), N);
	ks_watch_track_fini(&t);
}

/* --- Prometheus text ---------------------------------------------------------- */

static char *prom_text(const struct ks_prom_metrics *m)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	assert_true(ks_prom_format(m, &buf, &len, &cap));
	assert_int_equal(strlen(buf), len);
	return buf;
}

/* promtool check metrics (Debian's prometheus) on text: 0 clean, 77 not installed. */
static int promtool_check(const char *text, char *out, size_t outlen)
{
	char path[] = "/tmp/ks-prom-XXXXXX", cmd[256];
	size_t n = 0;
	FILE *p;
	int fd, rc;

	if (system("command -v promtool >/dev/null 2>&1"))
		return 77;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics <%s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	rc = pclose(p);
	unlink(path);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}

/* Every family with HELP and TYPE, a series per state letter, values as counted. */
static void prom_families(void **state)
{
	struct ks_prom_metrics m;
	char *text, out[4096];
	int rc;

	(void)state;
	ks_prom_metrics_init(&m);
	ks_prom_count_thread(&m, 'S');
	ks_prom_count_thread(&m, 'S');
	ks_prom_count_thread(&m, 'D');
	ks_prom_count_thread(&m, '?');	/* no state letter: not counted */
	assert_true(ks_prom_count_stuck(&m, 'D', "wait_for_vfork_done", 19));
	assert_true(ks_prom_count_stuck(&m, 'S', "futex_wait_queue", 16));
	assert_true(ks_prom_count_stuck(&m, 'S', "futex_wait_queue", 16));
	m.snapshot_seconds = 0.0125;
	m.rounds = 42;
	text = prom_text(&m);
	assert_non_null(strstr(text, "# HELP kstack_threads "));
	assert_non_null(strstr(text, "# TYPE kstack_threads gauge\n"));
	assert_non_null(strstr(text, "\nkstack_threads{state=\"S\"} 2\n"));
	assert_non_null(strstr(text, "\nkstack_threads{state=\"D\"} 1\n"));
	assert_non_null(strstr(text, "\nkstack_threads{state=\"R\"} 0\n"));
	assert_non_null(strstr(text, "\nkstack_threads{state=\"I\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE kstack_stuck_threads gauge\n"));
	assert_non_null(strstr(text,
		"\nkstack_stuck_threads{state=\"S\",function=\"futex_wait_queue\"} 2\n"));
	assert_non_null(strstr(text,
		"\nkstack_stuck_threads{state=\"D\",function=\"wait_for_vfork_done\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE kstack_deadlocks gauge\nkstack_deadlocks 0\n"));
	assert_non_null(strstr(text, "# TYPE kstack_snapshot_seconds gauge\n"
				     "kstack_snapshot_seconds 0.012500\n"));
	assert_non_null(strstr(text, "# TYPE kstack_watch_rounds_total counter\n"
				     "kstack_watch_rounds_total 42\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	rc = promtool_check(text, out, sizeof(out));
	if (rc == 77) {
		printf("SKIP: promtool not installed (Debian package prometheus)\n");
		fflush(stdout);
		free(text);
		ks_prom_metrics_fini(&m);
		skip();
	}
	if (rc)
		fail_msg("promtool check metrics: %s\n%s", out, text);
	/* a new round: counts back to 0, rounds kept */
	ks_prom_metrics_reset(&m);
	free(text);
	text = prom_text(&m);
	/* nothing stuck: each state's "other" series, 0 */
	assert_non_null(strstr(text, "\nkstack_stuck_threads{state=\"D\",function=\"other\"} 0\n"));
	assert_null(strstr(text, "function=\"futex_wait_queue\""));
	assert_non_null(strstr(text, "kstack_watch_rounds_total 42\n"));
	free(text);
	ks_prom_metrics_fini(&m);
}

/* Label values: \ " and newline escaped as the format says; promtool agrees. */
static void prom_label_escaping(void **state)
{
	struct ks_prom_metrics m;
	const char *fn = "odd\\fn\"x\ny [mod]";
	char *text, out[4096];
	int rc;

	(void)state;
	ks_prom_metrics_init(&m);
	assert_true(ks_prom_count_stuck(&m, 'D', fn, strlen(fn)));
	text = prom_text(&m);
	assert_non_null(strstr(text,
		"kstack_stuck_threads{state=\"D\",function=\"odd\\\\fn\\\"x\\ny [mod]\"} 1\n"));
	rc = promtool_check(text, out, sizeof(out));
	if (rc && rc != 77)
		fail_msg("promtool check metrics: %s\n%s", out, text);
	free(text);
	ks_prom_metrics_fini(&m);
}

/*
 * 30 functions: the 20 with the most stuck threads (over every state) get
 * series, the other 10 are summed per state as function="other".
 */
static void prom_top_functions(void **state)
{
	struct ks_prom_metrics m;
	char *text, fn[32], line[128];
	size_t i, j, series = 0;
	const char *p;

	(void)state;
	ks_prom_metrics_init(&m);
	for (i = 0; i < 30; i++) {
		snprintf(fn, sizeof(fn), "fn%02zu", i);
		for (j = 0; j <= i; j++)	/* fnNN: NN + 1 threads, half D, half S */
			assert_true(ks_prom_count_stuck(&m, j % 2 ? 'D' : 'S', fn, strlen(fn)));
	}
	text = prom_text(&m);
	for (p = text; (p = strstr(p, "\nkstack_stuck_threads{")); p++)
		series++;
	/* fn10..fn29 (the top 20) in D and S each, and "other" for every state */
	assert_int_equal(series, 2 * 20 + 9);
	for (i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "function=\"fn%02zu\"", i);
		assert_null(strstr(text, line));
	}
	for (i = 10; i < 30; i++) {
		snprintf(line, sizeof(line), "kstack_stuck_threads{state=\"S\",function=\"fn%02zu\"} %zu\n",
			 i, (i + 2) / 2);
		assert_non_null(strstr(text, line));
	}
	/* fn00..fn09: 55 threads, S gets j even: 30, D 25 */
	assert_non_null(strstr(text, "kstack_stuck_threads{state=\"S\",function=\"other\"} 30\n"));
	assert_non_null(strstr(text, "kstack_stuck_threads{state=\"D\",function=\"other\"} 25\n"));
	free(text);
	ks_prom_metrics_fini(&m);
}

/* The textfile: written whole, readable by others, no temporary file left behind. */
static void prom_file_atomic(void **state)
{
	char dir[] = "/tmp/ks-textfile-XXXXXX", path[256], buf[8192];
	struct ks_prom_metrics m;
	struct ks_prom_file f;
	struct dirent *de;
	struct stat st;
	size_t names = 0;
	ssize_t n;
	DIR *d;
	int fd, r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ks_prom_metrics_init(&m);
	assert_no_error(ks_prom_file_open(&f, dir));
	umask(077);
	for (r = 1; r <= 50; r++) {
		m.rounds = (uint64_t)r;
		assert_no_error(ks_prom_file_write(&f, &m));
	}
	umask(022);
	snprintf(path, sizeof(path), "%s/kstack.prom", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "kstack_watch_rounds_total 50\n"));
	d = opendir(dir);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
			names++;
	closedir(d);
	assert_int_equal(names, 1);	/* kstack.prom alone */
	ks_prom_file_close(&f);
	ks_prom_metrics_fini(&m);
	unlink(path);
	rmdir(dir);
	/* no such directory: said at the start */
	assert_non_null(ks_prom_file_open(&f, "/nonexistent/dir"));
	ks_prom_file_close(&f);
}

/* --- JSON events ---------------------------------------------------------------- */

static json_t *json_line(const char *text)
{
	json_error_t e;
	json_t *j;

	assert_int_equal(strchr(text, '\n') - text, (long)strlen(text) - 1);	/* one line */
	j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("not JSON (%s): %s", e.text, text);
	return j;
}

static void json_events(void **state)
{
	struct ks_cap_frame kf[2] = {
		{ .ip = 0xffffffff81000010ull, .name = "vmlinux!__schedule+0x10/0x100" },
		{ .ip = 0xffffffff81000220ull, .name = "vmlinux!wait_for_vfork_done+0x20/0x80" },
	};
	struct ks_cap_frame uf[1] = {
		{ .ip = 0x401000, .name = "prog!_Z3foov+0x4/0x10", .raw = "prog!_Z3foov+0x4/0x10",
		  .flags = KS_CAP_FRAME_UNRELIABLE },
	};
	struct ks_watch_event e = {
		.event = "stuck", .time_ns = 1733626812345000000ull, .tid = 12, .tgid = 10,
		.comm = "a\"b\nc", .state = 'D', .seconds = 2.2, .function = "wait_for_vfork_done",
		.with_stack = true, .nvcsw = 3, .end = "user", .kf = kf, .nk = 2, .uf = uf, .nu = 1,
	};
	char *buf = NULL;
	size_t len = 0;
	json_t *j, *fr;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	assert_no_error(ks_watch_json_write(f, &e));
	fclose(f);
	j = json_line(buf);
	assert_string_equal(json_string_value(json_object_get(j, "event")), "stuck");
	assert_string_equal(json_string_value(json_object_get(j, "time")), "2024-12-08T03:00:12.345Z");
	assert_int_equal(json_integer_value(json_object_get(j, "tid")), 12);
	/* as the text escapes it: the line is plain ASCII */
	assert_string_equal(json_string_value(json_object_get(j, "comm")), "a\"b\\nc");
	assert_string_equal(json_string_value(json_object_get(j, "state")), "D");
	assert_true(json_real_value(json_object_get(j, "seconds")) == 2.2);
	assert_string_equal(json_string_value(json_object_get(j, "function")), "wait_for_vfork_done");
	assert_false(json_is_true(json_object_get(j, "partial")));
	assert_string_equal(json_string_value(json_object_get(j, "end")), "user");
	fr = json_array_get(json_object_get(j, "kernel_frames"), 1);
	assert_string_equal(json_string_value(json_object_get(fr, "address")), "0xffffffff81000220");
	assert_string_equal(json_string_value(json_object_get(fr, "module")), "vmlinux");
	assert_string_equal(json_string_value(json_object_get(fr, "function")), "wait_for_vfork_done");
	assert_int_equal(json_integer_value(json_object_get(fr, "offset")), 0x20);
	fr = json_array_get(json_object_get(j, "user_frames"), 0);
	assert_false(json_is_true(json_object_get(fr, "reliable")));
	assert_string_equal(json_string_value(json_object_get(fr, "raw_function")), "_Z3foov");
	json_decref(j);
	free(buf);

	e = (struct ks_watch_event){ .event = "unstuck", .time_ns = 0, .tid = 12, .tgid = 10,
				     .comm = "x", .seconds = 6.04, .exited = true };
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_no_error(ks_watch_json_write(f, &e));
	fclose(f);
	j = json_line(buf);
	assert_string_equal(json_string_value(json_object_get(j, "event")), "unstuck");
	assert_true(json_is_true(json_object_get(j, "exited")));
	assert_true(json_real_value(json_object_get(j, "seconds")) == 6.0);
	assert_null(json_object_get(j, "kernel_frames"));
	json_decref(j);
	free(buf);
}

/* The first frame below the scheduler, by the sections' bounds and, without them, by name. */
static void where_below_scheduler(void **state)
{
	struct {
		struct ks_cap_stack st;
		struct ks_cap_frame f[4];
	} s = { .st = { .n = 4 } };
	struct ks_sched_text sched;
	char buf[64];

	(void)state;
	s.st.f[0] = (struct ks_cap_frame){ 0x1010, "vmlinux!__schedule+0x10/0x100", 0, NULL };
	s.st.f[1] = (struct ks_cap_frame){ 0x1120, "vmlinux!schedule+0x20/0x80", 0, NULL };
	s.st.f[2] = (struct ks_cap_frame){ 0x5000, "jbd2!kjournald2+0x40/0x200", 0, NULL };
	s.st.f[3] = (struct ks_cap_frame){ 0x6000, "vmlinux!kthread+0x40/0x200", 0, NULL };
	ks_sched_text_init(&sched, 0x1000, 0x2000, 0x3000, 0x3100);
	assert_ptr_equal(ks_watch_where(&sched, &s.st), &s.st.f[2]);
	ks_watch_function(ks_watch_where(&sched, &s.st), buf, sizeof(buf));
	assert_string_equal(buf, "kjournald2 [jbd2]");
	ks_watch_function(&s.st.f[3], buf, sizeof(buf));
	assert_string_equal(buf, "kthread");
	ks_watch_function(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	ks_watch_function(&s.st.f[3], buf, 4);
	assert_string_equal(buf, "kth");
	ks_sched_text_init(&sched, 0, 0, 0, 0);	/* unknown bounds: by name */
	assert_ptr_equal(ks_watch_where(&sched, &s.st), &s.st.f[2]);
	s.st.n = 2;
	assert_null(ks_watch_where(&sched, &s.st));
	assert_null(ks_watch_where(&sched, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(track_stuck_once_unstuck_once),
		cmocka_unit_test(track_running_and_changes_move),
		cmocka_unit_test(track_exited_threads_dropped),
		cmocka_unit_test(track_memory_flat),
		cmocka_unit_test(prom_families),
		cmocka_unit_test(prom_label_escaping),
		cmocka_unit_test(prom_top_functions),
		cmocka_unit_test(prom_file_atomic),
		cmocka_unit_test(json_events),
		cmocka_unit_test(where_below_scheduler),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
