#!/usr/bin/env python3
"""The examples of kstack's documentation, against what the tool prints.

README.md and doc/kstack.1 show real output of kstack in the test VM.
Each example is marked with its name; tests/vm/guest/46-examples.sh runs
its command there and hands the output to the host (emit_check example),
where this script compares the two:

  doc_examples.py check NAME FILE    the example NAME (in each document that
                                     has it) against FILE; exit 1 and why
                                     when they differ
  doc_examples.py update DIR         rewrite every example from DIR/NAME
                                     (the files of the last VM run:
                                     build/vm/files), keeping each one's
                                     "..." cuts
  doc_examples.py list               the examples and where they are

Markers: in README.md an example is the indented block between
"<!-- example NAME -->" and "<!-- end example -->"; in kstack(1) the
".Bd -literal" block after '.\\" example NAME'. A line "..." in an example
stands for any number of lines of output (a cut); every other line must be
a line of the output, in order. Compared lines are normalized first:
addresses, offsets and numbers (ids, counts, sizes) vary from boot to
boot, the words and the layout do not.
"""
import os
import re
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = [os.path.join(TOP, "README.md"), os.path.join(TOP, "doc", "kstack.1")]
CUT = "..."


def norm(line):
    line = line.rstrip()
    line = re.sub(r"\b[0-9a-f]{16}\b", "A", line)
    line = re.sub(r"\+0x[0-9a-f]+(/0x[0-9a-f]+)?", "+O", line)
    line = re.sub(r"[0-9]+(\.[0-9]+)?", "N", line)
    # a count may be one or several: "1 thread" and "N threads" read alike
    line = re.sub(r"\b(thread|process|stack|sample|group|round|range)(e?s)\b", r"\1", line)
    return line


def man_unescape(line):
    if line.startswith("\\&"):
        line = line[2:]
    return line.replace("\\e", "\\")


def man_escape(line):
    line = line.replace("\\", "\\e")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def blocks(path):
    """(name, first line index, end index, lines) of each example in path."""
    with open(path) as f:
        text = f.read().split("\n")
    out = []
    man = path.endswith(".1")
    i = 0
    while i < len(text):
        m = re.match(r'^\.\\" example (\S+)$', text[i]) if man else \
            re.match(r"^<!-- example (\S+) -->$", text[i])
        if not m:
            i += 1
            continue
        name = m.group(1)
        if man:
            start = i + 2
            if text[i + 1] != ".Bd -literal -offset indent":
                raise SystemExit("%s:%d: example %s: no .Bd -literal after it" %
                                 (path, i + 1, name))
            end = text.index(".Ed", start)
            lines = [man_unescape(x) for x in text[start:end]]
        else:
            end = text.index("<!-- end example -->", i)
            # the indented block inside, blank lines around it left out
            start = i + 1
            while start < end and not text[start].strip():
                start += 1
            stop = end
            while stop > start and not text[stop - 1].strip():
                stop -= 1
            lines = [x[4:] if x.startswith("    ") else x for x in text[start:stop]]
            end = stop
        out.append((name, start, end, lines))
        i = end + 1
    return out


def align(doc, real):
    """Indices of real for each doc line (None for a cut), or None if they differ."""
    nd, nr = [norm(x) for x in doc], [norm(x) for x in real]
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        res = None
        if i == len(doc):
            res = [] if j == len(real) else None
        elif doc[i] == CUT:
            for k in range(j, len(real) + 1):
                rest = go(i + 1, k)
                if rest is not None:
                    res = [None] + rest
                    break
        elif j < len(real) and nd[i] == nr[j]:
            rest = go(i + 1, j + 1)
            if rest is not None:
                res = [j] + rest
        memo[(i, j)] = res
        return res

    sys.setrecursionlimit(10000 + 4 * (len(doc) + len(real)))
    return go(0, 0)


def first_difference(doc, real):
    """Where a doc without cuts stops matching, for the message."""
    for i, (d, r) in enumerate(zip(doc, real)):
        if d != CUT and norm(d) != norm(r):
            return "line %d: the example has %r, kstack printed %r" % (i + 1, d, r)
    return "the example has %d lines, kstack printed %d" % (len(doc), len(real))


def read_output(path):
    with open(path) as f:
        lines = f.read().split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def check(name, path):
    real = read_output(path)
    found = 0
    for doc in DOCS:
        for bname, _, _, lines in blocks(doc):
            if bname != name:
                continue
            found += 1
            if align(lines, real) is None:
                why = first_difference(lines, real) if CUT not in lines else \
                    "no cut of the output gives the example"
                sys.stderr.write("%s: example %s no longer matches what kstack prints: %s\n"
                                 "kstack printed:\n%s\n" %
                                 (os.path.relpath(doc, TOP), name, why, "\n".join(real[:60])))
                sys.exit(1)
    if not found:
        sys.stderr.write("no example named %s in %s\n" % (name, ", ".join(DOCS)))
        sys.exit(1)


def update(d):
    bad = 0
    for doc in DOCS:
        with open(doc) as f:
            text = f.read().split("\n")
        man = doc.endswith(".1")
        for name, start, end, lines in reversed(blocks(doc)):
            path = os.path.join(d, name)
            if not os.path.exists(path):
                sys.stderr.write("%s: example %s: no %s\n" % (doc, name, path))
                bad += 1
                continue
            real = read_output(path)
            idx = align(lines, real)
            if idx is not None:
                new = [CUT if j is None else real[j] for j in idx]
            elif CUT not in lines:
                new = real
            else:
                sys.stderr.write("%s: example %s: its cuts fit no longer; edit it to what "
                                 "%s holds\n" % (doc, name, path))
                bad += 1
                continue
            new = [man_escape(x) for x in new] if man else \
                [("    " + x) if x else "" for x in new]
            text[start:end] = new
        with open(doc, "w") as f:
            f.write("\n".join(text))
    sys.exit(1 if bad else 0)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "update":
        update(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "list":
        for doc in DOCS:
            for name, start, end, lines in blocks(doc):
                print("%s:%d %s (%d lines)" % (os.path.relpath(doc, TOP), start + 1, name,
                                               len(lines)))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
