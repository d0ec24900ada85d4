#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the --watch tests (tests/vm/guest/45-watch.sh hands its
files over the console; tests/vm/host-checks.sh calls this per file):

  watch_check.py prom FILE [stuck=STATE:FUNCTION:MIN]... [rounds=MIN]
      Debian's promtool check metrics on FILE; then a real node_exporter
      (Debian's prometheus-node-exporter, textfile collector only) reads it
      from a directory of its own and serves /metrics on a loopback port:
      every kstack_ family must be there, the textfile scrape without
      error, and each stuck= series at least MIN.
  watch_check.py watchjson FILE [stuck=TID]... [unstuck=TID]... [never=TID]...
      every line one JSON object with an "event"; each stuck= TID has one
      stuck event with kernel and user frames, unstuck= one unstuck event
      after it, never= none at all.

Prints PASS:/FAIL:/SKIP: lines as the suites do; exit 0.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FAMILIES = ("kstack_threads", "kstack_stuck_threads", "kstack_deadlocks",
            "kstack_snapshot_seconds", "kstack_watch_rounds_total")
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def say(kind, what):
    print(f"{kind}: vm: watch: {what}", flush=True)


def unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(text):
    """(name, {label: value}, value) of each sample line."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            raise ValueError(f"not a sample line: {line!r}")
        labels = {k: unescape(v) for k, v in LABEL.findall(m.group(3) or "")}
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def node_exporter(path):
    """The file as a real node_exporter serves it: /metrics text, or raises."""
    exe = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
    if not exe:
        return None
    d = tempfile.mkdtemp(prefix="ks-textfile-")
    shutil.copy(path, os.path.join(d, "kstack.prom"))
    port = free_port()
    p = subprocess.Popen([exe, f"--web.listen-address=127.0.0.1:{port}",
                          "--collector.disable-defaults", "--collector.textfile",
                          f"--collector.textfile.directory={d}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    return r.read().decode()
            except OSError:
                if time.time() > deadline or p.poll() is not None:
                    raise RuntimeError("node_exporter did not serve /metrics: " +
                                       (p.stderr.read().decode()[-300:] if p.poll() is not None else "timeout"))
                time.sleep(0.2)
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
        shutil.rmtree(d, ignore_errors=True)


def check_prom(name, path, args):
    promtool = shutil.which("promtool")
    if not promtool:
        say("SKIP", f"{name}: promtool check metrics: promtool not installed (package prometheus)")
    else:
        with open(path, "rb") as f:
            r = subprocess.run([promtool, "check", "metrics"], stdin=f, capture_output=True)
        if r.returncode == 0:
            say("PASS", f"{name}: promtool check metrics: clean")
        else:
            say("FAIL", f"{name}: promtool check metrics: " +
                (r.stdout + r.stderr).decode()[-400:].replace("\n", " "))
    try:
        served = node_exporter(path)
    except Exception as e:  # noqa: BLE001 - any failure is the test's verdict
        say("FAIL", f"{name}: node_exporter: {e}")
        return
    if served is None:
        say("SKIP", f"{name}: node_exporter: prometheus-node-exporter not installed")
        return
    samples = parse(served)
    names = {s[0] for s in samples}
    missing = [f for f in FAMILIES if f not in names]
    err = [s for s in samples if s[0] == "node_textfile_scrape_error"]
    bad = []
    if missing:
        bad.append(f"families missing: {missing}")
    if not err or err[0][2] != 0:
        bad.append(f"node_textfile_scrape_error {err[0][2] if err else 'missing'}")
    for a in args:
        k, _, v = a.partition("=")
        if k == "stuck":
            st, fn, least = v.split(":")
            n = sum(s[2] for s in samples if s[0] == "kstack_stuck_threads" and
                    s[1].get("state") == st and s[1].get("function") == fn)
            if n < float(least):
                bad.append(f'kstack_stuck_threads{{state="{st}",function="{fn}"}} is {n}, want >= {least}')
        elif k == "rounds":
            n = [s[2] for s in samples if s[0] == "kstack_watch_rounds_total"]
            if not n or n[0] < float(v):
                bad.append(f"kstack_watch_rounds_total {n}, want >= {v}")
    if bad:
        say("FAIL", f"{name}: read by node_exporter: " + "; ".join(bad))
    else:
        say("PASS", f"{name}: read by a real node_exporter (textfile collector): "
            f"{len([s for s in samples if s[0].startswith('kstack_')])} kstack_ series, "
            "scrape error 0" + (", " + " ".join(args) if args else ""))


def check_json(name, path, args):
    events = []
    with open(path, encoding="ascii") as f:
        for i, line in enumerate(f, 1):
            try:
                o = json.loads(line)
            except ValueError as e:
                say("FAIL", f"{name}: line {i} is not one JSON object: {e}: {line[:120]!r}")
                return
            if not isinstance(o, dict) or o.get("event") not in ("stuck", "unstuck", "deadlock"):
                say("FAIL", f"{name}: line {i}: no known event: {line[:120]!r}")
                return
            events.append(o)
    bad = []
    for a in args:
        k, _, v = a.partition("=")
        tid = int(v)
        mine = [e for e in events if e["tid"] == tid]
        stuck = [e for e in mine if e["event"] == "stuck"]
        unstuck = [e for e in mine if e["event"] == "unstuck"]
        if k == "never" and mine:
            bad.append(f"{tid}: {len(mine)} events, want none")
        if k in ("stuck", "unstuck"):
            if len(stuck) != 1:
                bad.append(f"{tid}: {len(stuck)} stuck events, want 1")
            elif not stuck[0].get("kernel_frames") or not stuck[0].get("user_frames"):
                bad.append(f"{tid}: stuck event without both halves")
            elif not isinstance(stuck[0].get("seconds"), (int, float)) or not stuck[0].get("function"):
                bad.append(f"{tid}: stuck event without seconds or function")
        if k == "unstuck":
            if len(unstuck) != 1:
                bad.append(f"{tid}: {len(unstuck)} unstuck events, want 1")
            elif not stuck or mine.index(unstuck[0]) < mine.index(stuck[0]):
                bad.append(f"{tid}: unstuck before stuck")
        if k == "stuck" and unstuck:
            bad.append(f"{tid}: {len(unstuck)} unstuck events, want none")
    if bad:
        say("FAIL", f"{name}: " + "; ".join(bad))
    else:
        say("PASS", f"{name}: {len(events)} lines, each one JSON event" +
            (", " + " ".join(args) if args else ""))


def main():
    kind, path = sys.argv[1], sys.argv[2]
    name = os.path.basename(path)
    if kind == "prom":
        check_prom(name, path, sys.argv[3:])
    elif kind == "watchjson":
        check_json(name, path, sys.argv[3:])
    else:
        say("FAIL", f"{name}: unknown kind {kind}")


if __name__ == "__main__":
    main()
