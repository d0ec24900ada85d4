#!/usr/bin/env python3
"""What kstack.exe's --format json must say about the test target (json.sh).
The schema and the counts are check_report.py's (the Linux tests' reader);
this checks the content against the target and the text output.

  json_check.py threads FILE TEXT MAIN [WORKER]   ungrouped: the threads of
      TEXT (kstack's text of the same target), MAIN's user functions c, b,
      a, main in order, frame names as the text's, each name's parts, and
      WORKER's hostile description escaped as the schema says
  json_check.py groups FILE UNGROUPED          grouped: a group per distinct
      user stack of UNGROUPED (the ungrouped document of the same target),
      each as many threads as have that stack there, the twins' 3 together
Exit 0 when all holds, 1 with the reason on stderr.
"""
import json
import re
import sys


def fail(msg):
    sys.stderr.write("json_check: %s\n" % msg)
    sys.exit(1)


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        raw.decode("ascii")
    except UnicodeDecodeError:
        fail("%s is not plain ASCII (strings must be escaped)" % path)
    return json.loads(raw)


def funcs(e):
    return [f["function"] for f in e["user_frames"]]


def in_order(have, want):
    i = 0
    for f in have:
        if i < len(want) and f == want[i]:
            i += 1
    return i == len(want)


def check_names(e):
    for f in e["kernel_frames"] + e["user_frames"]:
        name = re.sub(r" \((nearest export|COFF symbol|no symbols)\)$", "", f["name"])
        if f["module"] is None:
            want = f["function"]
        elif f["function"]:
            want = "%s!%s+0x%x" % (f["module"], f["function"], f["offset"])
        else:
            want = "%s+0x%x" % (f["module"], f["offset"])
        if name != want:
            fail("frame name %r, its parts say %r" % (f["name"], want))


def text_threads(path):
    """{tid: [frame name, ...]} from kstack's text."""
    out, tid = {}, None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = re.match(r"^thread (\d+):", line)
            if m:
                tid = int(m.group(1))
                out[tid] = []
                continue
            m = re.match(r"^  0x[0-9a-f]+ : (.*)$", line)
            if m and tid is not None:
                out[tid].append(m.group(1))
    return out


def threads(path, text, main, worker=None):
    doc = load(path)
    if doc["group_by"] != "none" or "threads" not in doc:
        fail("an ungrouped run lists no threads")
    byt = {t["tid"]: t for t in doc["threads"]}
    txt = text_threads(text)
    if sorted(byt) != sorted(txt):
        fail("JSON threads %s, the text's %s" % (sorted(byt), sorted(txt)))
    if doc["threads_shown"] != len(txt):
        fail("threads_shown %d, the text shows %d" % (doc["threads_shown"], len(txt)))
    t = byt.get(int(main))
    if not t or not in_order(funcs(t), ["c", "b", "a", "main"]):
        fail("main thread: user functions %s, want c, b, a, main in order" %
             (funcs(t) if t else None))
    if t["user_frames"][0]["exact"] is not True or t["tgid"] <= 0 or t["partial"]:
        fail("main thread: first frame exact, a tgid, not partial: %r" % t)
    for tid, e in byt.items():
        check_names(e)
        # the same frames as the text (ASCII names: one escaping), where the
        # two runs meet the thread at the same place: parked, not in a loop
        names = [f["name"] for f in e["kernel_frames"] + e["user_frames"]]
        if tid in (int(main), int(worker or 0)) and names != txt[tid]:
            fail("thread %d: JSON frames %s, text %s" % (tid, names, txt[tid]))
    if worker:
        want = "work\\x0a\\x1b[31mred\\x5c\\xc2\\x9b2J\\xe2\\x80\\xaex"
        if byt[int(worker)]["comm"] != want:
            fail("worker comm %r, want %r" % (byt[int(worker)]["comm"], want))


def groups(path, ungrouped):
    doc, flat = load(path), load(ungrouped)
    if doc["group_by"] != "whole" or "groups" not in doc:
        fail("a --group run lists no groups")
    stacks = {}
    for t in flat["threads"]:
        key = tuple(f["address"] for f in t["kernel_frames"] + t["user_frames"])
        stacks.setdefault(key, set()).add(t["tid"])
    seen, keys = set(), set()
    for g in doc["groups"]:
        key = tuple(f["address"] for f in g["kernel_frames"] + g["user_frames"])
        tids = {m["tid"] for m in g["members"]}
        if key in keys:
            fail("two groups have the same stack: %s" % (key,))
        keys.add(key)
        # threads parked for good (twins, the worker) have the stack they had
        # in the other run; a thread in a loop may have been met elsewhere
        parked = "twin" in funcs(g) or "worker" in funcs(g)
        if parked and stacks.get(key) != tids:
            fail("group of %s: the ungrouped run has that stack in %s" %
                 (sorted(tids), sorted(stacks.get(key, ()))))
        if g["threads"] != len(tids):
            fail("group says %d threads, lists %d" % (g["threads"], len(tids)))
        seen |= tids
    if seen != {t["tid"] for t in flat["threads"]}:
        fail("grouped threads %s, ungrouped %s" %
             (sorted(seen), sorted(t["tid"] for t in flat["threads"])))
    twins = [g for g in doc["groups"] if "twin" in funcs(g)]
    if len(twins) != 1 or twins[0]["threads"] != 3 or doc["groups"][0] is not twins[0]:
        fail("the 3 twins are not one group, first: %s" %
             [(g["threads"], funcs(g)[:4]) for g in doc["groups"]])


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "threads":
        threads(*sys.argv[2:6])
    elif len(sys.argv) == 4 and sys.argv[1] == "groups":
        groups(*sys.argv[2:4])
    else:
        fail("usage: see the top of the file")
