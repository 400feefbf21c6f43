#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Plant each bug of scripts/mutants/*.mut in a scratch copy of the tree, one
at a time, and require that the host tests catch every one.

For each mutant: copy its file's pristine text, replace a snippet inside a
named function (the snippet must be found exactly once there, whitespace
aside, or the mutant "does not apply" and the list needs updating), build
the host tests it needs, run them fast first, stop at the first that fails
("killed by"), restore the file. A test that runs past its timeout kills the
mutant too, and the line says it hung. A mutant every test passes with
SURVIVED: the tests cannot see that bug.

Which tests: the disassembly check of the sleeper barrier
(scripts/model/sleeper-barrier-asm.sh), then build/tests/* plain, ASan and
TSan. A mutant marked "tests tsan" is an ordering bug: relaxed and
release/acquire compile to the same x86 code, so only the disassembly check
and ThreadSanitizer can see it, and only they run (TSan up to --tsan-rounds
times: it sees a race only when the run exhibits it).

Before any mutant, the unmutated copy must build and pass every test: a
failing baseline would "kill" every mutant and prove nothing.

  mutation-check.py [--only NAME,...] [--list] [--keep] [--tsan-rounds N]
Exit status 0 only when every mutant applies, builds and is killed.
"""
import argparse
import difflib
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = ("asm", "plain", "asan", "tsan")


class MutantError(Exception):
    """A mutant that does not apply or does not build: the list is stale."""


class Mutant:
    def __init__(self, name, where):
        self.name, self.where = name, where
        self.file = self.function = self.why = None
        self.tests = "all"
        self.hunks = []		# [(old lines, new lines)]


def parse_mutants(paths):
    """Read the mutant lists; see scripts/mutants/README for the format."""
    mutants, seen = [], set()
    for path in paths:
        m = None
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            line = line.rstrip("\n")
            where = f"{os.path.relpath(path, TOP)}:{n}"
            if not line.strip() or line.startswith("#"):
                continue
            if line == "@@":
                if m is None or not m.hunks:
                    sys.exit(f"{where}: '@@' before any snippet")
                m.hunks.append(None)	# the next '-' line starts a snippet
                continue
            if line[0] in "-+":
                if m is None:
                    sys.exit(f"{where}: a snippet line outside a mutant")
                text = line[2:] if line[1:2] == " " else line[1:]
                if m.hunks and m.hunks[-1] is None:
                    m.hunks[-1] = ([], [])
                if line[0] == "-":
                    if not m.hunks or m.hunks[-1][1]:
                        m.hunks.append(([], []))
                    m.hunks[-1][0].append(text)
                else:
                    if not m.hunks:
                        sys.exit(f"{where}: a '+' line before any '-' line")
                    m.hunks[-1][1].append(text)
                continue
            key, _, value = line.partition(" ")
            value = value.strip()
            if key == "mutant":
                if value in seen or not re.fullmatch(r"[\w-]+", value):
                    sys.exit(f"{where}: bad or duplicate mutant name '{value}'")
                seen.add(value)
                m = Mutant(value, where)
                mutants.append(m)
            elif m is None:
                sys.exit(f"{where}: '{key}' outside a mutant")
            elif key in ("file", "function", "why"):
                setattr(m, key, value)
            elif key == "tests" and value in ("all", "tsan"):
                m.tests = value
            else:
                sys.exit(f"{where}: unknown line '{line}'")
    for m in mutants:
        if m.hunks and m.hunks[-1] is None:
            sys.exit(f"{m.where}: mutant {m.name} ends with '@@'")
        if not (m.file and m.function and m.why and m.hunks):
            sys.exit(f"{m.where}: mutant {m.name} needs file, function, why and a '-' snippet")
    return mutants


def code_mask(text):
    """@text with comments and the insides of string and character literals
    blanked out (same offsets), so brace matching and snippets see code."""
    out, i, n = list(text), 0, len(text)

    def blank(a, b):
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
        elif text[i] in "\"'":
            j = i + 1
            while j < n and text[j] != text[i]:
                j += 2 if text[j] == "\\" else 1
            blank(i + 1, j)
            j += 1
        else:
            j = i + 1
        i = j
    return "".join(out)


def function_body(text, func, where):
    """(start, end) of the body of the one definition of @func in @text."""
    code = code_mask(text)
    spans = []
    for m in re.finditer(r"^(?![\s#])[^;{}()\n]*\b%s\s*\(" % re.escape(func), code, re.M):
        depth, i = 0, m.end() - 1
        while i < len(code):
            depth += {"(": 1, ")": -1}.get(code[i], 0)
            if depth == 0:
                break
            i += 1
        j = i + 1
        while j < len(code) and code[j].isspace():
            j += 1
        if j >= len(code) or code[j] != "{":
            continue	# a declaration
        depth, k = 0, j
        while k < len(code):
            depth += {"{": 1, "}": -1}.get(code[k], 0)
            if depth == 0:
                break
            k += 1
        spans.append((j, k + 1))
    if len(spans) != 1:
        raise MutantError(f"{where}: {len(spans)} definitions of {func}(), want 1")
    return spans[0]


def snippet_regex(lines):
    tokens = " ".join(lines).split()
    return re.compile(r"\s+".join(re.escape(t) for t in tokens))


def mutate(text, m):
    """@text with @m's hunks applied inside its function, or MutantError."""
    where = f"{m.file}: {m.function}()"
    start, end = function_body(text, m.function, m.file)
    body = code_mask(text)[start:end]
    edits = []
    for old, new in m.hunks:
        found = [x.span() for x in snippet_regex(old).finditer(body)]
        if len(found) != 1:
            snippet = " ".join(" ".join(old).split())
            raise MutantError(f"{where}: '{snippet}' found {len(found)} times, want 1")
        a, b = start + found[0][0], start + found[0][1]
        indent = re.match(r"[ \t]*", text[text.rfind("\n", 0, a) + 1:]).group(0)
        edits.append((a, b, ("\n" + indent).join(new)))
    edits.sort()
    for a, b in zip(edits, edits[1:]):
        if a[1] > b[0]:
            raise MutantError(f"{where}: snippets overlap")
    for a, b, new in reversed(edits):
        text = text[:a] + new + text[b:]
    return text


def copy_tree(dst):
    """Copy the tree's source files (tracked and untracked, not ignored)."""
    try:
        out = subprocess.run(["git", "-C", TOP, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True, capture_output=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = [os.path.relpath(os.path.join(d, f), TOP) for d, _, fs in os.walk(TOP)
                 for f in fs if not re.match(r"(build|\.git)(/|$)", os.path.relpath(d, TOP))]
    for f in files:
        src = os.path.join(TOP, f)
        if os.path.isfile(src) and not os.path.islink(src):
            os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, f))


class Lab:
    """The scratch tree: builds and runs its tests."""

    def __init__(self, root, jobs):
        self.root, self.jobs = root, jobs
        self.tests = {v: [] for v in VARIANTS}	# variant -> [(name, argv)]
        self.baseline = {}			# name -> seconds
        self.child = None
        self.verbose = False

    def make(self, targets):
        argv = ["make", "-s", f"-j{self.jobs}", "KDIR=/nonexistent"] + targets
        p = subprocess.run(argv, cwd=self.root, capture_output=True, text=True)
        return p.returncode == 0, (p.stdout + p.stderr).strip()

    def discover(self):
        ok, out = self.make(["user-tests"])
        if not ok:
            sys.exit(f"mutation-check: the unmutated tree does not build:\n{out}")
        self.tests["asm"].append(("sleeper-barrier-asm",
                                  [os.path.join(self.root, "scripts/model/sleeper-barrier-asm.sh"),
                                   self.root]))
        for path in sorted(glob.glob(os.path.join(self.root, "build/tests/*"))):
            name = os.path.basename(path)
            v = "asan" if name.endswith("-asan") else "tsan" if name.endswith("-tsan") else "plain"
            self.tests[v].append((name, [path]))

    def targets(self, variant):
        return [os.path.relpath(a[0], self.root) for _, a in self.tests[variant]] \
            if variant != "asm" else []

    def run(self, argv, timeout):
        """(status, seconds, output); status is an exit code or 'hang'."""
        t0 = time.monotonic()
        # TSan: stop at the first race; a run full of reports is only slower.
        env = dict(os.environ)
        env["TSAN_OPTIONS"] = (env.get("TSAN_OPTIONS", "") + " halt_on_error=1").strip()
        self.child = subprocess.Popen(argv, cwd=self.root, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, start_new_session=True, env=env)
        try:
            out = self.child.communicate(timeout=timeout)[0]
            status = self.child.returncode
        except subprocess.TimeoutExpired:
            if self.verbose:
                print(f"    timeout after {time.monotonic() - t0:.1f}s: killing", flush=True)
            self.kill()
            out = self.child.communicate()[0]
            status = "hang"
        self.child = None
        return status, time.monotonic() - t0, out.decode(errors="replace")

    def kill(self):
        if self.child and self.child.poll() is None:
            try:
                os.killpg(self.child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def timeout(self, name):
        return max(15.0, 4 * self.baseline.get(name, 10.0))


def reason(out):
    """The line of a failed test's output that says why, shortened."""
    keys = ("CHECK failed", "ThreadSanitizer:", "AddressSanitizer", "runtime error",
            "FAIL", "want", "timed out")
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    for l in lines:
        if any(k in l for k in keys):
            return l[:110]
    return lines[-1][:110] if lines else "no output"


def baseline(lab):
    for v in VARIANTS:
        for name, argv in lab.tests[v]:
            status, secs, out = lab.run(argv, 600)
            if status != 0:
                sys.exit(f"mutation-check: {name} fails on the unmutated tree "
                         f"({status}): {reason(out)}\n{out}")
            lab.baseline[name] = secs
        # Fast first within a variant, by the baseline's times.
        lab.tests[v].sort(key=lambda t: lab.baseline[t[0]])
    print("baseline: every test passes: " +
          ", ".join(f"{n} {lab.baseline[n]:.1f}s" for v in VARIANTS for n, _ in lab.tests[v]))


def write_source(root, rel, text):
    """Write @rel, then touch every source that #includes it by name. The
    makefiles' prerequisites list headers, not a .c that a test includes
    (a test built on its own copy of the ring core): today such a test's
    object is a make intermediate, recompiled whenever its binary relinks,
    but a stale object would let a mutant through unseen, so do not rely
    on it."""
    with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
        f.write(text)
    inc = re.compile(r'^\s*#\s*include\s*["<](?:.*/)?%s[">]' % re.escape(os.path.basename(rel)), re.M)
    for d in ("kmod", "kunit", "userspace", "bench", "examples"):
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in files:
                p = os.path.join(dirpath, f)
                if f.endswith((".c", ".h")) and p != os.path.join(root, rel):
                    with open(p, encoding="utf-8", errors="replace") as src:
                        if inc.search(src.read()):
                            os.utime(p)


def try_mutant(lab, m, tsan_rounds):
    """Apply, build, run. Return (outcome, detail): killed, SURVIVED, or raise."""
    path = os.path.join(lab.root, m.file)
    pristine = open(path, encoding="utf-8").read()
    mutated = mutate(pristine, m)
    try:
        write_source(lab.root, m.file, mutated)
        plan = ["asm", "tsan"] if m.tests == "tsan" else list(VARIANTS)
        rounds = {"tsan": tsan_rounds if m.tests == "tsan" else 1}
        ran = []
        built = set()

        def build(variant):
            if variant in built:
                return
            built.add(variant)
            t0 = time.monotonic()
            ok, out = lab.make(lab.targets(variant))
            if lab.verbose:
                print(f"    {m.name}: build {variant}: {time.monotonic() - t0:.1f}s", flush=True)
            if not ok:
                errors = [l for l in out.splitlines() if "error" in l][:3] or out.splitlines()[-3:]
                raise MutantError(f"{m.file}: does not build ({variant}): " + " | ".join(errors))

        # The first build also says whether the mutant compiles at all (one
        # that does not is out of date, never "killed"), so it comes before
        # the disassembly check, which compiles on its own.
        build(plan[1])
        for v in plan:
            if v != "asm":
                build(v)
            for r in range(1, rounds.get(v, 1) + 1):
                for name, argv in lab.tests[v]:
                    t = lab.timeout(name)
                    status, secs, out = lab.run(argv, t)
                    ran.append(name)
                    if lab.verbose:
                        print(f"    {m.name}: {name}: {status} in {secs:.1f}s", flush=True)
                    if status == "hang":
                        return "killed", f"by {name} (hang: timeout {t:.0f}s)"
                    if status != 0:
                        rnd = f", round {r}" if r > 1 else ""
                        return "killed", f"by {name} ({secs:.1f}s{rnd}): {reason(out)}"
        return "SURVIVED", f"{len(ran)} test runs passed"
    finally:
        # A new mtime: make rebuilds what the mutant built.
        write_source(lab.root, m.file, pristine)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated mutant names")
    ap.add_argument("--list", action="store_true",
                    help="only check that every mutant applies to the tree")
    ap.add_argument("--diff", action="store_true", help="with --list: print each mutant's diff")
    ap.add_argument("--keep", action="store_true", help="keep the scratch tree")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each build and test run")
    ap.add_argument("--tsan-rounds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    mutants = parse_mutants(sorted(glob.glob(os.path.join(TOP, "scripts/mutants/*.mut"))))
    if args.only:
        want = set(args.only.split(","))
        unknown = want - {m.name for m in mutants}
        if unknown:
            sys.exit(f"mutation-check: no mutant named {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.name in want]
    if not mutants:
        sys.exit("mutation-check: no mutants in scripts/mutants/*.mut")

    if args.list:
        bad = 0
        for m in mutants:
            try:
                text = open(os.path.join(TOP, m.file), encoding="utf-8").read()
                mutated = mutate(text, m)
                print(f"applies  {m.name:30} {m.file}: {m.function}()")
                if args.diff:
                    sys.stdout.writelines(difflib.unified_diff(
                        text.splitlines(True), mutated.splitlines(True),
                        f"a/{m.file}", f"b/{m.file}", n=1))
            except (MutantError, OSError) as e:
                print(f"BROKEN   {m.name:30} does not apply: {e}")
                bad += 1
        return 1 if bad else 0

    root = tempfile.mkdtemp(prefix="disruptor-mutants.")
    lab = Lab(root, args.jobs)
    lab.verbose = args.verbose

    def on_signal(signum, _frame):
        lab.kill()
        raise SystemExit(f"mutation-check: signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t0 = time.monotonic()
    counts = {"killed": 0, "SURVIVED": 0, "BROKEN": 0}
    try:
        copy_tree(root)
        lab.discover()
        baseline(lab)
        for m in mutants:
            t = time.monotonic()
            try:
                outcome, detail = try_mutant(lab, m, args.tsan_rounds)
            except MutantError as e:
                outcome, detail = "BROKEN", f"the mutant is out of date: {e}"
            except OSError as e:
                outcome, detail = "BROKEN", str(e)
            counts[outcome] += 1
            print(f"{outcome:8} {m.name:30} {detail} [{time.monotonic() - t:.0f}s]  -- {m.why}",
                  flush=True)
    finally:
        lab.kill()
        if args.keep:
            print(f"scratch tree kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"mutants: {counts['killed']} killed, {counts['SURVIVED']} survived, "
          f"{counts['BROKEN']} out of date, in {time.monotonic() - t0:.0f}s")
    return 0 if counts["SURVIVED"] == counts["BROKEN"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
