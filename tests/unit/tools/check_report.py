#!/usr/bin/env python3
"""Independent readers of kstack's report formats, for the unit and VM tests.

  check_report.py json FILE [key=value ...]    parse, validate against
      doc/kstack-report.schema.json, check group counts add up; key=value:
      top-level numbers that must match (threads_walked=330), groups=N,
      group_threads=100,100,100 (the first groups' thread counts)
  check_report.py folded FILE [total=N] [lines=N]   grammar and counts
  check_report.py pprof FILE [samples=N] [total=N]  gunzip, decode with
      `protoc --decode_raw` (field numbers as pprof's published
      profile.proto) and `protoc --decode` with lib/profile.proto
Exit 0 when every check holds, 1 with the reason on stderr otherwise,
77 when a reader is missing (a skip, never a pass).
"""
import gzip
import json
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
    with open(path) as f:
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
    if total != shown:
        fail("entries add up to %d, threads_shown says %d" % (total, shown))
    left = doc["left_out"]
    if doc["mode"] == "snapshot" and \
            shown + left["state"] + left["comm"] + left["match"] + left["min_count"] != doc["threads_walked"]:
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
        elif k.startswith("left_"):
            if left[k[5:]] != int(v):
                fail("left_out.%s = %d, want %s" % (k[5:], left[k[5:]], v))
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
                          "-I", os.path.join(TOP, "lib"), "profile.proto"],
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
    for fn in kv.get("functions", "").split(","):
        if fn and fn not in strings:
            fail("function %r not in the string table" % fn)


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    kind, path, kv = sys.argv[1], sys.argv[2], args_kv(sys.argv[3:])
    {"json": check_json, "folded": check_folded, "pprof": check_pprof}[kind](path, kv)


if __name__ == "__main__":
    main()
