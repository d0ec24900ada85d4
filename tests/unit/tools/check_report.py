#!/usr/bin/env python3
"""Independent readers of kstack's report formats, for the unit and VM tests.

  check_report.py json FILE [key=value ...]    parse (FILE may be gzip'd), validate against
      doc/kstack-report.schema.json, check group counts add up; key=value:
      top-level numbers that must match (threads_walked=330), groups=N,
      group_threads=100,100,100 (the first groups' thread counts),
      user_chain=f,g (user frames in order), on_cpu=N (at least N entries
      caught running on a CPU), kernel_only=1
      waits=TID:KIND:HOLDER[:BASE:SIZE],... (threads' waiting_for),
      deadlocks=T1-T2|T3-T4-T5 (the cycles, as listed)
  check_report.py folded FILE [total=N] [lines=N]   grammar and counts
  check_report.py pprof FILE [samples=N] [total=N]  gunzip, decode with
      `protoc --decode_raw` (field numbers as pprof's published
      profile.proto) and `protoc --decode` with lib/report/profile.proto
  check_report.py gopprof FILE [key=value ...]   load with pprof's reference
      reader, `go tool pprof -raw` and `-traces` (Debian's golang-go, offline),
      and check what it reports (see check_gopprof)
Exit 0 when every check holds, 1 with the reason on stderr otherwise,
77 when a reader is missing (a skip, never a pass).
"""
import gzip
import json
import tempfile
import os
import re
import shutil
import subprocess
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def fail(msg):
    sys.stderr.write("check_report: %s\n" % msg)
    sys.exit(1)


def args_kv(argv):
    kv = {}
    for a in argv:
        k, _, v = a.partition("=")
        kv[k] = v
    return kv


def check_json(path, kv):
    try:
        import jsonschema
    except ImportError:
        sys.stderr.write("SKIP: python3-jsonschema missing\n")
        sys.exit(77)
    # a large document comes gzip'd from the VM (tests/vm/guest/45-report-rss.sh)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rt") if gz else open(path)) as f:
        doc = json.load(f)
    with open(os.path.join(TOP, "doc", "kstack-report.schema.json")) as f:
        schema = json.load(f)
    try:
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as e:
        fail("schema: %s at %s" % (e.message, list(e.absolute_path)))
    shown = doc["threads_shown"]
    if "groups" in doc:
        total = sum(g["samples"] if doc["mode"] == "sample" else g["threads"]
                    for g in doc["groups"])
        for g in doc["groups"]:
            if len(g["members"]) != g["threads"]:
                fail("group of %d threads lists %d members" % (g["threads"], len(g["members"])))
            if doc["mode"] == "snapshot" and sum(g["states"].values()) != g["threads"]:
                fail("group states %s do not add up to %d" % (g["states"], g["threads"]))
            if sum(c["threads"] for c in g["comms"]) != g["threads"]:
                fail("group comms do not add up to %d" % g["threads"])
        counts = sorted((g["threads"] for g in doc["groups"]), reverse=True)
        if [g["threads"] for g in doc["groups"]] != counts and doc["mode"] == "snapshot":
            fail("groups not largest first: %s" % [g["threads"] for g in doc["groups"]])
    else:
        total = len(doc["threads"]) if doc["mode"] == "snapshot" else \
            sum(t["samples"] for t in doc["threads"])
    left = doc["left_out"]
    left_sum = left["state"] + left.get("process", 0) + left["comm"] + left["match"] + \
        left["min_count"]
    if doc["mode"] == "sample":
        # samples count (thread, round) pairs, threads count threads
        if "samples_walked" not in doc or "samples_shown" not in doc:
            fail("a sampled report without samples_walked and samples_shown")
        if total != doc["samples_shown"]:
            fail("entries add up to %d samples, samples_shown says %d" % (total, doc["samples_shown"]))
        if doc["samples_shown"] + left_sum != doc["samples_walked"]:
            fail("samples shown %d + left out %s != walked %d" %
                 (doc["samples_shown"], left, doc["samples_walked"]))
        if shown > doc["threads_walked"] or doc["threads_walked"] > doc["samples_walked"]:
            fail("threads shown %d, walked %d, samples walked %d: threads are counted once" %
                 (shown, doc["threads_walked"], doc["samples_walked"]))
    else:
        if total != shown:
            fail("entries add up to %d, threads_shown says %d" % (total, shown))
        if shown + left_sum != doc["threads_walked"]:
            fail("shown %d + left out %s != walked %d" % (shown, left, doc["threads_walked"]))
    for k, v in kv.items():
        if k == "groups":
            if len(doc.get("groups", [])) != int(v):
                fail("%d groups, want %s" % (len(doc.get("groups", [])), v))
        elif k == "group_threads":
            want = [int(x) for x in v.split(",")]
            got = [g["threads"] for g in doc["groups"]][:len(want)]
            if got != want:
                fail("first groups have %s threads, want %s" % (got, want))
        elif k == "user_chain":
            # an entry whose user frames hold these functions, adjacent, in order
            want = v.split(",")
            entries = doc.get("groups") or doc.get("threads") or []
            chains = [[f["function"] for f in e.get("user_frames", [])] for e in entries]
            if not any(c[i:i + len(want)] == want for c in chains for i in range(len(c))):
                fail("no entry with user frames %s; user functions seen: %s" %
                     (want, [c for c in chains if c][:4]))
        elif k == "on_cpu":
            # at least this many entries caught running on a CPU
            entries = doc.get("groups") or doc.get("threads") or []
            n = sum(1 for e in entries if e.get("on_cpu"))
            if n < int(v):
                fail("%d entries on_cpu, want at least %s" % (n, v))
        elif k == "raw_function":
            # a frame that shows function F, its symbol in the file being R
            fn, _, raw = v.partition("|")
            frames = [f for e in doc.get("groups") or doc.get("threads") or []
                      for f in e.get("kernel_frames", []) + e.get("user_frames", [])]
            if not any(f["function"] == fn and f["raw_function"] == raw for f in frames):
                fail("no frame with function %r and raw_function %r; seen: %s" %
                     (fn, raw, sorted({(f["function"], f["raw_function"]) for f in frames
                                       if f["function"] != f["raw_function"]})[:6]))
        elif k == "waits":
            # TID:KIND:HOLDER[:BASE:SIZE],...: a thread's waiting_for (HOLDER 0: null),
            # its address in [BASE, BASE + SIZE) (hex) where given, else not 0
            threads = {t["tid"]: t for t in doc.get("threads", [])}
            for g in doc.get("groups", []):
                for m in g["members"]:
                    threads[m["tid"]] = m
            for want in v.split(","):
                f = want.split(":")
                t = threads.get(int(f[0]))
                if t is None:
                    fail("waits: no thread %s in the report" % f[0])
                w = t.get("waiting_for")
                if not w or w["kind"] != f[1]:
                    fail("waits: thread %s waits for %r, want kind %s" % (f[0], w, f[1]))
                holder = int(f[2]) or None
                if w["holder_tid"] != holder or (holder is None) != (w["reason"] is not None):
                    fail("waits: thread %s: holder %r reason %r, want holder %s" %
                         (f[0], w["holder_tid"], w["reason"], holder))
                addr = int(w["address"], 16)
                if len(f) > 4 and int(f[4], 16):
                    base = int(f[3], 16)
                    if not base <= addr < base + int(f[4], 16):
                        fail("waits: thread %s: address %s not in [%s, +%s)" %
                             (f[0], w["address"], f[3], f[4]))
        elif k == "deadlocks":
            # T1-T2|T3-T4-T5 (each as the report orders it: smallest tid first), "" none
            want = [[int(x) for x in c.split("-")] for c in v.split("|") if c]
            if doc.get("deadlocks") != want:
                fail("deadlocks %r, want %r" % (doc.get("deadlocks"), want))
        elif k == "kernel_only":
            if any(e.get("user_frames") for e in doc.get("groups") or doc.get("threads") or []):
                fail("user frames in a report of the kernel half")
        elif k.startswith("left_"):
            # not_permitted*: present only when not 0
            if left.get(k[5:], 0) != int(v):
                fail("left_out.%s = %d, want %s" % (k[5:], left.get(k[5:], 0), v))
        elif doc.get(k) != int(v):
            fail("%s = %r, want %s" % (k, doc.get(k), v))


FOLDED = re.compile(r"^([^;\n]*)((?:;[^;\n]+)+) ([0-9]+)$")


def check_folded(path, kv):
    total = 0
    lines = 0
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        fail("no newline at the end")
    for n, raw in enumerate(data.splitlines(), 1):
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            fail("line %d is not ASCII (names must be escaped)" % n)
        m = FOLDED.match(line)
        if not m:
            fail("line %d does not read as 'comm;frame;... count': %r" % (n, line))
        if any(ord(c) < 0x20 for c in line):
            fail("line %d holds a control character" % n)
        total += int(m.group(3))
        lines += 1
    if "total" in kv and total != int(kv["total"]):
        fail("counts add up to %d, want %s" % (total, kv["total"]))
    if "lines" in kv and lines != int(kv["lines"]):
        fail("%d lines, want %s" % (lines, kv["lines"]))


# perftools.profiles.Profile field numbers, from pprof's published profile.proto
PUBLISHED = {"sample_type": 1, "sample": 2, "mapping": 3, "location": 4,
             "function": 5, "string_table": 6}


def check_pprof(path, kv):
    protoc = shutil.which("protoc")
    if not protoc:
        sys.stderr.write("SKIP: protoc (protobuf-compiler) missing\n")
        sys.exit(77)
    with open(path, "rb") as f:
        head = f.read(2)
    if head != b"\x1f\x8b":
        fail("not gzip'd (starts %r)" % head)
    raw = gzip.open(path).read()
    dec = subprocess.run([protoc, "--decode_raw"], input=raw, capture_output=True)
    if dec.returncode:
        fail("protoc --decode_raw: %s" % dec.stderr.decode())
    top = [int(m) for m in re.findall(rb"^([0-9]+)[ :]", dec.stdout, re.M)]
    for name, num in PUBLISHED.items():
        if num not in top:
            fail("no top-level field %d (%s) in the raw decoding" % (num, name))
    txt = subprocess.run([protoc, "--decode=perftools.profiles.Profile",
                          "-I", os.path.join(TOP, "lib", "report"), "profile.proto"],
                         input=raw, capture_output=True)
    if txt.returncode:
        fail("protoc --decode: %s" % txt.stderr.decode())
    out = txt.stdout.decode()
    strings = re.findall(r'^string_table: "(.*)"$', out, re.M)
    if not strings or strings[0] != "":
        fail("string_table[0] is not \"\"")
    samples = out.count("\nsample {") + out.startswith("sample {")
    # the first value of each sample: threads (capture) or samples (--sample)
    values = [int(v) for v in re.findall(r"^sample \{\n(?:  location_id: \d+\n)*  value: (\d+)", out, re.M)]
    nloc = len(re.findall(r"^location \{", out, re.M))
    ids = {int(x) for x in re.findall(r"^  location_id: (\d+)", out, re.M)}
    if ids and max(ids) > nloc:
        fail("a sample names location %d of %d" % (max(ids), nloc))
    for lab in ("thread", "state", "comm"):
        if samples and lab not in strings:
            fail("no %r label" % lab)
    if "[kernel.kallsyms]" not in strings:
        fail("no kernel mapping")
    if "samples" in kv and samples != int(kv["samples"]):
        fail("%d samples, want %s" % (samples, kv["samples"]))
    if "total" in kv and sum(values) != int(kv["total"]):
        fail("values add up to %d, want %s" % (sum(values), kv["total"]))
    # user_functions=f,g: each is the function of a location in the user mapping
    want_user = [fn for fn in kv.get("user_functions", "").split(",") if fn]
    if want_user:
        maps = {int(i): strings[int(f)] for i, f in re.findall(
            r"^mapping \{\n  id: (\d+)\n(?:  \w+: \S+\n)*?  filename: (\d+)", out, re.M)}
        funcs = {int(i): strings[int(n)] for i, n in re.findall(
            r"^function \{\n  id: (\d+)\n  name: (\d+)", out, re.M)}
        in_user = set()
        for m, body in re.findall(r"^location \{\n  id: \d+\n  mapping_id: (\d+)\n((?:  .*\n)*?)\}",
                                  out, re.M):
            for fid in re.findall(r"function_id: (\d+)", body):
                if maps.get(int(m)) == "[user]":
                    in_user.add(funcs.get(int(fid)))
        for fn in want_user:
            if fn not in in_user:
                fail("function %r in no location of the user mapping (user: %s)" %
                     (fn, sorted(x for x in in_user if x)[:12]))
    for fn in kv.get("functions", "").split(","):
        if fn and fn not in strings:
            fail("function %r not in the string table" % fn)
    # system_name=NAME|SYS: a Function named NAME whose system_name is SYS
    if "system_name" in kv:
        name, _, sys_name = kv["system_name"].partition("|")
        pairs = [(strings[int(n)], strings[int(sn)]) for n, sn in re.findall(
            r"^function \{\n  id: \d+\n  name: (\d+)\n  system_name: (\d+)", out, re.M)]
        if (name, sys_name) not in pairs:
            fail("no function %r with system_name %r (differing ones: %s)" %
                 (name, sys_name, [p for p in pairs if p[0] != p[1]][:6]))


# The reference consumer. Offline and hermetic: no toolchain download, no
# module proxy, caches and pprof's own directories in a scratch dir, and an
# empty binary search path (our mappings say they have functions: pprof must
# not look for binaries to symbolize them, and finds none if it tries).
def run_pprof(path, args):
    go = shutil.which("go")
    if not go:
        sys.stderr.write("SKIP: go tool pprof: go (golang-go) missing\n")
        sys.exit(77)
    with tempfile.TemporaryDirectory(prefix="kstack-pprof-") as tmp:
        env = dict(os.environ, HOME=tmp, GOCACHE=os.path.join(tmp, "cache"),
                   GOPATH=os.path.join(tmp, "gopath"), GOTOOLCHAIN="local", GOPROXY="off",
                   GOFLAGS="", PPROF_TMPDIR=tmp, PPROF_BINARY_PATH=os.path.join(tmp, "bin"))
        env.pop("GOROOT", None)
        r = subprocess.run([go, "tool", "pprof"] + args + [path], env=env,
                           capture_output=True, timeout=120)
    if r.returncode or r.stderr:
        fail("go tool pprof %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                 r.stderr.decode("ascii", "replace")[:400]))
    for n, line in enumerate(r.stdout.split(b"\n"), 1):
        # every string the profile holds is printable ASCII (UTF-8 by proto3's rule)
        if any(b < 0x20 or b > 0x7e for b in line):
            fail("go tool pprof %s: line %d is not printable ASCII: %r" % (" ".join(args), n, line[:120]))
    return r.stdout.decode("ascii")


KERNEL_BASE = 0xffff800000000000


def parse_raw(text):
    """`pprof -raw` (profile.String()): header, samples, locations, mappings."""
    raw = {"header": {}, "types": None, "samples": [], "locations": {}, "mappings": {}}
    part = "header"
    for line in text.split("\n"):
        if line in ("Samples:", "Locations", "Mappings"):
            part = line.rstrip(":").lower()
            continue
        if not line:
            continue
        if part == "header":
            k, _, v = line.partition(": ")
            raw["header"].setdefault(k, []).append(v)
        elif part == "samples":
            m = re.match(r"^ +(-?\d+(?: +-?\d+)*): ((?:\d+ )*)$", line)
            if raw["types"] is None:
                raw["types"] = line.split()
            elif m:
                raw["samples"].append({"values": [int(v) for v in m.group(1).split()],
                                       "locs": [int(x) for x in m.group(2).split()]})
            elif line.startswith(" " * 16) and raw["samples"]:
                raw["samples"][-1].setdefault("label_lines", []).append(line.strip())
            else:
                fail("pprof -raw: unexpected sample line %r" % line)
        elif part == "locations":
            m = re.match(r"^ *(\d+): 0x([0-9a-f]+) (?:M=(\d+) )?(.*)$", line)
            if not m:
                fail("pprof -raw: unexpected location line %r" % line)
            # "NAME FILE:LINE s=START" and "(SYSTEM_NAME)" when it differs;
            # a FILE with a space in it reads wrong here (tests use none)
            fn = re.match(r"^(.*) (\S*):(-?\d+) s=(\d+)(?:\((.*)\))?$", m.group(4))
            if not fn:
                fail("pprof -raw: location %s has no function: %r" % (m.group(1), line))
            raw["locations"][int(m.group(1))] = {
                "address": int(m.group(2), 16), "mapping": int(m.group(3) or 0),
                "name": fn.group(1), "file": fn.group(2),
                "system_name": fn.group(5) if fn.group(5) is not None else fn.group(1)}
        else:
            m = re.match(r"^(\d+): 0x([0-9a-f]+)/0x([0-9a-f]+)/0x([0-9a-f]+) (\S*) (\S*) ?(\S*)$", line)
            if not m:
                fail("pprof -raw: unexpected mapping line %r" % line)
            raw["mappings"][int(m.group(1))] = {
                "start": int(m.group(2), 16), "limit": int(m.group(3), 16),
                "file": m.group(5), "bits": m.group(7)}
    return raw


def parse_traces(text):
    """`pprof -traces`: per sample its labels ("%10s:  %s"), value and frames, leaf first."""
    traces = []
    for block in text.split("-----------+-------------------------------------------------------\n")[1:]:
        t = {"labels": {}, "value": None, "frames": []}
        for line in block.split("\n"):
            if not line:
                continue
            if len(line) > 12 and line[10:13] == ":  ":
                t["labels"][line[:10].strip()] = line[13:]
            elif len(line) > 13 and line[10:13] == "   ":
                if not t["frames"]:
                    t["value"] = line[:10].strip()
                t["frames"].append(line[13:])
            else:
                fail("pprof -traces: unexpected line %r" % line)
        if t["frames"]:
            traces.append(t)
    return traces


def check_gopprof(path, pairs):
    """What pprof itself makes of the file. Always: it loads with no message,
    prints only printable ASCII, every sample's locations exist, each location
    names a non-empty function, kernel addresses sit in the [kernel.kallsyms]
    mapping and user ones in [user], inside its bounds; only the [running] and
    [cut short] pseudo-frames have no mapping. Then each key=value (repeatable):
      types=threads/count | types=samples/count,wall/nanoseconds
      period=TYPE/UNIT/N    samples=N    total=N (first values)   total2=N
      labels=comm,state     every sample carries these label keys
      label=KEY:VALUE       some sample carries this label with this value
      trace=JSON            {"value": N, "frames": [leaf, ..., root],
                            "labels": {"comm": "zoo x 100"}}: some sample
                            (after pprof's own merge) reads exactly so
      functions=f,g / user_functions=f,g   names pprof shows (user: in [user])
      system_name=NAME|SYS  a location whose function NAME has system name SYS
    """
    raw = parse_raw(run_pprof(path, ["-raw"]))
    traces = parse_traces(run_pprof(path, ["-traces", "-sample_index=0"]))
    maps = raw["mappings"]
    for i, s in enumerate(raw["samples"]):
        if len(s["values"]) != len(raw["types"]):
            fail("sample %d has %d values for %d types" % (i, len(s["values"]), len(raw["types"])))
        for lid in s["locs"]:
            if lid not in raw["locations"]:
                fail("sample %d names location %d, which pprof does not list" % (i, lid))
    for lid, loc in raw["locations"].items():
        if not loc["name"]:
            fail("location %d (%#x) has a function without a name" % (lid, loc["address"]))
        if not loc["mapping"]:
            if loc["name"] not in ("[running]", "[cut short]"):
                fail("location %d (%s) has no mapping" % (lid, loc["name"]))
            continue
        m = maps.get(loc["mapping"])
        if not m:
            fail("location %d names mapping %d, which pprof does not list" % (lid, loc["mapping"]))
        want = "[kernel.kallsyms]" if loc["address"] >= KERNEL_BASE else "[user]"
        if m["file"] != want:
            fail("location %d at %#x is in mapping %r, not %s" % (lid, loc["address"], m["file"], want))
        if not m["start"] <= loc["address"] < m["limit"]:
            fail("location %d at %#x outside its mapping %#x-%#x" %
                 (lid, loc["address"], m["start"], m["limit"]))
        if m["bits"] != "[FN]":
            fail("mapping %s has flags %r, want [FN]" % (m["file"], m["bits"]))
    names = {loc["name"] for loc in raw["locations"].values()}
    user = {loc["name"] for loc in raw["locations"].values()
            if maps.get(loc["mapping"], {}).get("file") == "[user]"}
    for k, v in pairs:
        if k == "types":
            want = v.split(",")
            if raw["types"] != want:
                fail("sample types %s, want %s" % (raw["types"], want))
        elif k == "period":
            typ, unit, n = v.split("/")
            if raw["header"].get("PeriodType") != ["%s %s" % (typ, unit)] or \
                    raw["header"].get("Period") != [n]:
                fail("period %s %s, want %s" % (raw["header"].get("PeriodType"),
                                                raw["header"].get("Period"), v))
        elif k == "samples":
            if len(raw["samples"]) != int(v):
                fail("pprof reads %d samples, want %s" % (len(raw["samples"]), v))
        elif k in ("total", "total2"):
            i = 0 if k == "total" else 1
            got = sum(s["values"][i] for s in raw["samples"])
            if got != int(v):
                fail("pprof's values [%d] add up to %d, want %s" % (i, got, v))
        elif k == "labels":
            for t in traces:
                for key in v.split(","):
                    if key not in t["labels"]:
                        fail("a sample without label %r: %s %s" % (key, t["labels"], t["frames"][:2]))
        elif k == "label":
            # KEY:VALUE: some sample carries this label with this value
            key, _, val = v.partition(":")
            if not any(t["labels"].get(key) == val for t in traces):
                fail("no sample with label %s=%r: %s" % (key, val, [t["labels"] for t in traces][:4]))
        elif k == "trace":
            want = json.loads(v)
            ok = [t for t in traces if t["frames"] == want["frames"] and
                  ("value" not in want or t["value"] == str(want["value"])) and
                  all(t["labels"].get(a) == b for a, b in want.get("labels", {}).items())]
            if not ok:
                fail("no trace reads %s; pprof's: %s" % (want, [
                    (t["value"], t["frames"], t["labels"]) for t in traces][:6]))
        elif k in ("functions", "user_functions"):
            have = names if k == "functions" else user
            for fn in v.split(","):
                if fn and fn not in have:
                    fail("pprof shows no function %r%s (it has %s)" %
                         (fn, " in [user]" if k == "user_functions" else "", sorted(have)[:16]))
        elif k == "system_name":
            # NAME|SYS: pprof shows a function NAME whose system name is SYS
            name, _, sys_name = v.partition("|")
            seen = {(loc["name"], loc["system_name"]) for loc in raw["locations"].values()}
            if (name, sys_name) not in seen:
                fail("pprof shows no %r with system name %r (differing: %s)" %
                     (name, sys_name, sorted(p for p in seen if p[0] != p[1])[:6]))
        else:
            fail("unknown check %r" % k)


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    kind, path, kv = sys.argv[1], sys.argv[2], args_kv(sys.argv[3:])
    if kind == "gopprof":
        check_gopprof(path, [a.partition("=")[::2] for a in sys.argv[3:]])
        return
    {"json": check_json, "folded": check_folded, "pprof": check_pprof}[kind](path, kv)


if __name__ == "__main__":
    main()
