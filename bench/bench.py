#!/usr/bin/env python3
"""Benchmark mic against git (and Fossil when installed) on the same tree.

Builds deterministic workloads, gives every tool its own identical copy,
runs the tools alternately (the order rotates run by run), measures each
process with os.wait4 (wall time, peak RSS, CPU) and prints a Markdown table
of medians with the ratio mic/git.  Python 3 standard library only.

    python3 bench/bench.py --quick
    python3 bench/bench.py --files 20000 --sessions 200
    python3 bench/bench.py                  # 100,000 files, 1,000 sessions

See bench/README.md for what each figure means.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
FIXED_MTIME = 1_700_000_000  # 2023-11-14: generated files are never "racy"
AVG_FILE = 8704  # mean of 1..16 KiB
GROWTH_SIZES = [10_000, 100_000, 300_000]


def log(msg):
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Running and measuring one process


class Result:
    __slots__ = ("wall", "rss_kib", "cpu", "rc", "out_bytes", "out", "err")

    def __init__(self, wall, rss_kib, cpu, rc, out_bytes, out, err):
        self.wall, self.rss_kib, self.cpu = wall, rss_kib, cpu
        self.rc, self.out_bytes, self.out, self.err = rc, out_bytes, out, err


# A forked child starts with its parent's peak RSS (Linux keeps the old
# address space's high-water mark across exec), so a tool started straight
# from this Python process would never report less than Python's own peak.
# When a C compiler is available, each tool is started by this tiny helper:
# it forks and execs the tool, waits for it with wait4 and writes the wall
# time, ru_maxrss and CPU time to a file.  Its own floor is a few hundred KiB.
HELPER_C = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
    struct timespec t0, t1;
    struct rusage ru;
    int st;
    pid_t pid;
    FILE *f;
    if (argc < 3) return 125;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0) return 126;
    if (pid == 0) { execvp(argv[2], argv + 2); _exit(127); }
    if (wait4(pid, &st, 0, &ru) < 0) return 126;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    f = fopen(argv[1], "w");
    if (!f) return 126;
    fprintf(f, "%lld %ld %ld %d\n",
            (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
            ru.ru_maxrss,
            (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L
                + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec,
            st);
    fclose(f);
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}
"""

HELPER = None       # path of the compiled helper, or None
HELPER_OUT = None   # the file it writes its figures to


def build_helper(workdir):
    global HELPER, HELPER_OUT
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        return "no C compiler: peak RSS includes the Python parent's high-water mark"
    src = os.path.join(workdir, "spawn.c")
    exe = os.path.join(workdir, "spawn")
    with open(src, "w") as f:
        f.write(HELPER_C)
    r = subprocess.run([cc, "-O2", "-o", exe, src], capture_output=True, text=True)
    if r.returncode != 0:
        return f"could not build the spawn helper ({r.stderr.strip()[:200]}): peak RSS " \
               "includes the Python parent's high-water mark"
    HELPER = exe
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else workdir
    fd, HELPER_OUT = tempfile.mkstemp(prefix="mic-bench-", dir=shm)
    os.close(fd)
    return None


def run_proc(argv, cwd, env, capture=False):
    """Run argv with stdout to a pipe (drained here) and stderr to a file;
    wall time, peak RSS and CPU come from wait4 (in the helper if built)."""
    errf = tempfile.TemporaryFile()
    full = [HELPER, HELPER_OUT] + list(argv) if HELPER else argv
    t0 = time.perf_counter()
    p = subprocess.Popen(full, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=errf)
    fd = p.stdout.fileno()
    n, chunks = 0, []
    while True:
        b = os.read(fd, 1 << 16)
        if not b:
            break
        n += len(b)
        if capture:
            chunks.append(b)
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.perf_counter()
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    errf.seek(0)
    err = errf.read().decode("utf-8", "replace")
    errf.close()
    wall, rss, cpu, rc = t1 - t0, ru.ru_maxrss, ru.ru_utime + ru.ru_stime, p.returncode
    if HELPER:
        with open(HELPER_OUT) as f:
            fields = f.read().split()
        if len(fields) == 4 and rc < 125:
            wall, rss, cpu = int(fields[0]) / 1e9, int(fields[1]), int(fields[2]) / 1e6
            rc = os.waitstatus_to_exitcode(int(fields[3]))
        with open(HELPER_OUT, "w"):
            pass
    return Result(wall, rss, cpu, rc, n, b"".join(chunks) if capture else None, err)


class Bench:
    """Holds the environment, the results and the anomalies."""

    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.home = os.path.join(workdir, "home")
        os.makedirs(os.path.join(self.home, ".config"), exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "USER": "bench",
            "LOGNAME": "bench",
            "LC_ALL": "C",
            "TZ": "UTC",
            "NO_COLOR": "1",
            "PAGER": "cat",
            "GIT_PAGER": "cat",
            "MIC_PAGER": "cat",
            "MIC_AUTHOR": "bench",
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
        }
        if args.git_gc == "sync":
            extra = [("gc.autoDetach", "false")]
        else:
            extra = [("gc.auto", "0"), ("maintenance.auto", "false")]
        env["GIT_CONFIG_COUNT"] = str(len(extra))
        for i, (k, v) in enumerate(extra):
            env[f"GIT_CONFIG_KEY_{i}"] = k
            env[f"GIT_CONFIG_VALUE_{i}"] = v
        self.env = env
        self.figures = []  # dicts: section, name, unit, values{tool: [..]}
        self.anomalies = []
        self.notes = []

    def anomaly(self, msg):
        log("ANOMALY: " + msg)
        self.anomalies.append(msg)

    def run(self, tool, argv, cwd, capture=False, check=True):
        r = run_proc(argv, cwd, self.env, capture)
        if check and r.rc != 0:
            self.anomaly(f"{tool}: `{shlex.join(argv)}` exited {r.rc} in {cwd}: "
                         f"{r.err.strip()[-400:]}")
        return r

    def run_steps(self, tool, steps, cwd, capture=False):
        """Run several commands as one measured step: walls and CPU add up,
        peak RSS is the largest of them."""
        wall = cpu = 0.0
        rss = 0
        outs = []
        ok = True
        for argv in steps:
            r = self.run(tool, argv, cwd, capture)
            wall += r.wall
            cpu += r.cpu
            rss = max(rss, r.rss_kib)
            ok = ok and r.rc == 0
            if capture:
                outs.append(r.out)
        return {"wall": wall, "cpu": cpu, "rss_kib": rss, "ok": ok,
                "out": b"".join(outs) if capture else None}

    def add(self, section, name, unit, values, note=""):
        self.figures.append({"section": section, "name": name, "unit": unit,
                             "values": values, "note": note})


# --------------------------------------------------------------------------
# Tools


class Tool:
    name = "?"

    def __init__(self, bench):
        self.b = bench


class Mic(Tool):
    name = "mic"

    def __init__(self, bench, path):
        super().__init__(bench)
        self.exe = path

    def version(self):
        r = run_proc([self.exe, "--version"], "/", self.b.env, True)
        return r.out.decode().strip()

    def store_paths(self, d):
        return [os.path.join(d, ".mic")]

    def init(self, d):
        self.b.run(self.name, [self.exe, "init", "bench", "tree"], d)

    def remove_store(self, d):
        shutil.rmtree(os.path.join(d, ".mic"))

    def land(self, msg):
        return [[self.exe, "session", "start", msg],
                [self.exe, "session", "land"]]

    def status(self):
        return [[self.exe, "status"]]

    def diff(self):
        return [[self.exe, "diff"]]

    def log(self):
        return [[self.exe, "log"]]

    def show(self, pos, head, ref):
        return [[self.exe, "show", f"@{pos}"]]

    def version_cmd(self):
        return [[self.exe, "--version"]]

    def count_changes(self, out):
        return sum(1 for l in out.decode("utf-8", "replace").splitlines()
                   if re.match(r"^[AMD] ", l))

    def tracked_files(self, d, pos):
        r = self.b.run(self.name, [self.exe, "show", "--json", f"@{pos}"], d, True)
        return json.loads(r.out)["summary"]["total"] if r.rc == 0 else -1

    def head_count(self, d):
        r = self.b.run(self.name, [self.exe, "status", "--json"], d, True)
        return json.loads(r.out)["head"] if r.rc == 0 else -1

    def root_tree(self, d):
        r = self.b.run(self.name, [self.exe, "show", "--json"], d, True)
        return json.loads(r.out).get("root") if r.rc == 0 else None


class Git(Tool):
    name = "git"

    def __init__(self, bench, sha256):
        super().__init__(bench)
        self.exe = shutil.which("git")
        self.sha256 = sha256

    def version(self):
        r = run_proc([self.exe, "--version"], "/", self.b.env, True)
        return r.out.decode().strip()

    def store_paths(self, d):
        return [os.path.join(d, ".git")]

    def init(self, d):
        argv = [self.exe, "init", "-q"]
        if self.sha256:
            argv.append("--object-format=sha256")
        self.b.run(self.name, argv, d)

    def remove_store(self, d):
        shutil.rmtree(os.path.join(d, ".git"))

    def land(self, msg):
        return [[self.exe, "add", "-A"],
                [self.exe, "commit", "-q", "-m", msg]]

    def status(self):
        return [[self.exe, "status", "--porcelain"]]

    def diff(self):
        return [[self.exe, "diff"]]

    def log(self):
        return [[self.exe, "log"]]

    def show(self, pos, head, ref):
        return [[self.exe, "show", "--stat", f"HEAD~{head - pos}"]]

    def version_cmd(self):
        return [[self.exe, "--version"]]

    def count_changes(self, out):
        return sum(1 for l in out.decode("utf-8", "replace").splitlines() if l.strip())

    def tracked_files(self, d, pos):
        r = self.b.run(self.name, [self.exe, "ls-files", "-z"], d, True)
        return r.out.count(b"\0") if r.rc == 0 else -1

    def head_count(self, d):
        r = self.b.run(self.name, [self.exe, "rev-list", "--count", "HEAD"], d, True)
        return int(r.out) if r.rc == 0 else -1

    def root_tree(self, d):
        r = self.b.run(self.name, [self.exe, "rev-parse", "HEAD^{tree}"], d, True)
        return r.out.decode().strip() if r.rc == 0 else None

    def packed(self, d):
        pack = os.path.join(d, ".git", "objects", "pack")
        return any(n.endswith(".pack") for n in os.listdir(pack)) if os.path.isdir(pack) else False


class Fossil(Tool):
    """The repository file lives next to the tree (tree + '.fossil'), the
    check-out database (.fslckout) inside it."""
    name = "fossil"

    def __init__(self, bench, exe):
        super().__init__(bench)
        self.exe = exe

    def version(self):
        r = run_proc([self.exe, "version"], "/", self.b.env, True)
        m = re.search(r"version (\S+ \[\w+\] \S+)", r.out.decode())
        return "fossil " + (m.group(1) if m else r.out.decode().strip())

    def repo(self, d):
        return d.rstrip("/") + ".fossil"

    def store_paths(self, d):
        repo = self.repo(d)
        paths = [p for p in (repo, repo + "-wal", repo + "-shm", repo + "-journal")]
        paths += [os.path.join(d, n) for n in (".fslckout", ".fslckout-wal",
                                               ".fslckout-shm", ".fslckout-journal")]
        return paths

    def init(self, d):
        self.b.run(self.name, [self.exe, "init", "--admin-user", "bench", self.repo(d)], d)
        self.b.run(self.name, [self.exe, "open", "--force", "--nosync", self.repo(d)], d)

    def remove_store(self, d):
        for p in self.store_paths(d):
            if os.path.exists(p):
                os.unlink(p)

    def land(self, msg):
        return [[self.exe, "addremove"],
                [self.exe, "commit", "--no-warnings", "-m", msg]]

    def status(self):
        return [[self.exe, "changes"]]

    def diff(self):
        return [[self.exe, "diff"]]

    def log(self):
        return [[self.exe, "timeline", "-n", "0"]]

    def show(self, pos, head, ref):
        return [[self.exe, "info", ref],
                [self.exe, "diff", "--checkin", ref, "--numstat"]]

    def version_cmd(self):
        return [[self.exe, "version"]]

    def count_changes(self, out):
        return sum(1 for l in out.decode("utf-8", "replace").splitlines() if l.strip())

    def tracked_files(self, d, pos):
        r = self.b.run(self.name, [self.exe, "ls"], d, True)
        return len(r.out.splitlines()) if r.rc == 0 else -1

    def current_hash(self, d):
        r = self.b.run(self.name, [self.exe, "info"], d, True)
        m = re.search(rb"^checkout:\s+([0-9a-f]+)", r.out, re.M)
        return m.group(1).decode() if m else None

    def head_count(self, d):
        # check-ins, minus fossil's own "initial empty check-in"
        r = self.b.run(self.name, [self.exe, "sql", "-R", self.repo(d),
                                   "SELECT count(*) FROM event WHERE type='ci'"], d, True)
        try:
            return int(r.out.strip()) - 1
        except ValueError:
            return -1


# --------------------------------------------------------------------------
# Deterministic workloads


class Gen:
    """Text made of lines drawn from a fixed pool of code-like lines; every
    file gets its own random sequence of lines (so files are distinct and
    compress like source code without long shared runs)."""

    def __init__(self, seed):
        rng = random.Random(seed)
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
                      for _ in range(3000)]
        punct = ["(", ")", " = ", ", ", "; ", " + ", "->", ".", "[", "]", " {", "}"]
        pool = []
        for _ in range(1 << 16):
            n = rng.randint(1, 10)
            parts = []
            for _ in range(n):
                parts.append(rng.choice(self.words))
                parts.append(rng.choice(punct) if rng.random() < 0.5 else " ")
            pool.append(" " * (4 * rng.randint(0, 3)) + "".join(parts).rstrip() + "\n")
        self.pool = pool
        self.avg_line = sum(len(l) for l in pool) / len(pool)

    def content(self, rng, header, size):
        k = int(size / self.avg_line) + 8
        text = header + "".join(rng.choices(self.pool, k=k))
        data = text.encode()
        if len(data) >= size:
            data = data[:size - 1] + b"\n"
        return data

    def lines(self, rng, k):
        return "".join(rng.choices(self.pool, k=k)).encode()


EXTS = [".c", ".h", ".py", ".md", ".txt", ".js", ".rs", ".go"]


def make_layout(rng, gen, nfiles, ndirs):
    """Relative paths of ndirs nested folders and nfiles files."""
    dirs = [""]
    depth = {"": 0}
    for i in range(ndirs):
        while True:
            parent = rng.choice(dirs)
            if depth[parent] < 8:
                break
        name = f"{rng.choice(gen.words)}{i}"
        path = f"{parent}/{name}" if parent else name
        dirs.append(path)
        depth[path] = depth[parent] + 1
    files = []
    for j in range(nfiles):
        d = rng.choice(dirs)
        name = f"{rng.choice(gen.words)}_{j}{rng.choice(EXTS)}"
        files.append(f"{d}/{name}" if d else name)
    return dirs, files


def write_file(path, data, mtime=None):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def generate_tree(root, nfiles, seed, gen):
    """nfiles files of 1-16 KiB in about nfiles/25 nested folders."""
    rng = random.Random(seed)
    ndirs = max(1, round(nfiles / 25))
    dirs, files = make_layout(rng, gen, nfiles, ndirs)
    os.makedirs(root)
    for d in dirs[1:]:
        os.mkdir(os.path.join(root, d))
    total = 0
    for i, f in enumerate(files):
        size = rng.randint(1024, 16384)
        data = gen.content(rng, f"// {f}\n", size)
        write_file(os.path.join(root, f), data, FIXED_MTIME)
        total += len(data)
        if i and i % 20000 == 0:
            log(f"  generated {i} files")
    return dirs, files, total


def copy_tree(src, dst):
    subprocess.run(["cp", "-a", src, dst], check=True)


def store_size(paths):
    apparent = ondisk = 0
    for p in paths:
        if not os.path.lexists(p):
            continue
        st = os.lstat(p)
        if not os.path.isdir(p):
            apparent += st.st_size
            ondisk += st.st_blocks * 512
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            for n in dirnames + filenames:
                st = os.lstat(os.path.join(dirpath, n))
                apparent += st.st_size
                ondisk += st.st_blocks * 512
    return apparent, ondisk


def tree_size(root):
    apparent = ondisk = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for n in filenames:
            st = os.lstat(os.path.join(dirpath, n))
            apparent += st.st_size
            ondisk += st.st_blocks * 512
    return apparent, ondisk


def modify_file(path, rng, gen, tag):
    """Insert a few lines in the middle and append one (same bytes in every
    copy: the caller reads one copy and writes the result to all)."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.splitlines(keepends=True)
    at = rng.randint(0, len(lines))
    lines[at:at] = [gen.lines(rng, rng.randint(1, 4))]
    lines.append(f"// edit {tag}\n".encode())
    return b"".join(lines)


# --------------------------------------------------------------------------
# Measurement helpers


def rotate(tools, r):
    k = r % len(tools)
    return tools[k:] + tools[:k]


def timed_reps(bench, tools, dirs, reps, steps_of, before=None, warmup=0,
               sync=False, check=None):
    """Run each tool's steps reps times, alternating the order; returns
    {tool: [step results]}."""
    out = {t.name: [] for t in tools}
    for r in range(warmup):
        for t in rotate(tools, r):
            bench.run_steps(t.name, steps_of(t, -1 - r), dirs[t.name])
    for r in range(reps):
        if before:
            before(r)
        if sync:
            os.sync()
        for t in rotate(tools, r):
            if sync:
                os.sync()
            res = bench.run_steps(t.name, steps_of(t, r), dirs[t.name], capture=check is not None)
            if check:
                check(t, r, res)
            res.pop("out", None)
            out[t.name].append(res)
    return out


def walls(res):
    return {k: [x["wall"] for x in v] for k, v in res.items()}


def rsss(res):
    return {k: [x["rss_kib"] * 1024 for x in v] for k, v in res.items()}


# --------------------------------------------------------------------------
# Workload (a): the tree


def workload_tree(bench, tools, nfiles, seed, gen, section):
    args = bench.args
    reps = args.reps
    land_reps = args.land_reps or reps
    base = os.path.join(bench.workdir, f"tree{nfiles}")
    dirs = {t.name: f"{base}-{t.name}" for t in tools}
    first = tools[0].name
    log(f"[{section}] generating {nfiles} files (seed {seed})")
    t0 = time.time()
    _, files, total = generate_tree(dirs[first], nfiles, seed, gen)
    log(f"  {total / 2**20:.0f} MiB of files in {time.time() - t0:.1f} s")
    for t in tools[1:]:
        log(f"  copying the tree for {t.name}")
        copy_tree(dirs[first], dirs[t.name])
    os.sync()
    tapp, tdisk = tree_size(dirs[first])
    bench.notes.append(f"{section}: {nfiles} files, {tapp / 2**20:.0f} MiB "
                       f"({tdisk / 2**20:.0f} MiB on disk)")

    # initial land, repeated by removing the store and initialising again
    log(f"[{section}] initial land x{land_reps}")
    land = {t.name: [] for t in tools}
    land_sync = {t.name: [] for t in tools}
    git_packed = []
    for r in range(land_reps):
        for t in rotate(tools, r):
            d = dirs[t.name]
            if r > 0:
                t.remove_store(d)
            t.init(d)
            os.sync()
            res = bench.run_steps(t.name, t.land("initial import"), d)
            t1 = time.perf_counter()
            os.sync()
            res["sync"] = time.perf_counter() - t1
            land[t.name].append(res)
            land_sync[t.name].append(res["wall"] + res["sync"])
            if isinstance(t, Git) and t.packed(d):
                git_packed.append(r)
            log(f"  {t.name}: {res['wall']:.2f} s (+{res['sync']:.2f} s sync), "
                f"{res['rss_kib'] / 1024:.0f} MiB")
    note = ""
    if git_packed:
        note = "git's auto gc packed the objects during `git commit`"
    bench.add(section, "initial land: time", "s", walls(land), note)
    bench.add(section, "initial land + sync to disk: time", "s", land_sync)
    bench.add(section, "initial land: peak RSS", "B", rsss(land))
    for t in tools:
        n = t.tracked_files(dirs[t.name], 1)
        if n != nfiles:
            bench.anomaly(f"{t.name} tracks {n} files after the initial land, expected {nfiles}")
    bench.add(section, "store after initial land: apparent", "B",
              {t.name: [store_size(t.store_paths(dirs[t.name]))[0]] for t in tools})
    bench.add(section, "store after initial land: on disk", "B",
              {t.name: [store_size(t.store_paths(dirs[t.name]))[1]] for t in tools})

    # status on the clean tree: one warm-up each, then reps
    def expect(n):
        def check(t, r, res):
            got = t.count_changes(res["out"])
            if got != n:
                bench.anomaly(f"[{section}] {t.name} status reported {got} changes, expected {n} "
                              f"(rep {r})")
        return check

    log(f"[{section}] status, clean tree")
    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.status(), warmup=1, sync=True,
                     check=expect(0))
    bench.add(section, "status, clean: time", "s", walls(res))
    bench.add(section, "status, clean: peak RSS", "B", rsss(res))

    # status after touching the mtime of 100 files (contents unchanged)
    rng = random.Random(seed + 1)
    touched = rng.sample(files, min(100, len(files)))

    def touch(r):
        when = FIXED_MTIME - 3600 * (r + 1)
        for t in tools:
            for f in touched:
                os.utime(os.path.join(dirs[t.name], f), (when, when))

    log(f"[{section}] status after touching {len(touched)} files")
    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.status(), before=touch,
                     sync=True, check=expect(0))
    bench.add(section, f"status, {len(touched)} files touched: time", "s", walls(res))
    bench.add(section, f"status, {len(touched)} files touched: peak RSS", "B", rsss(res))

    # modify 10 files: status, diff
    touched_set = set(touched)
    modified = [f for f in rng.sample(files, min(10 * reps + 100, len(files)))
                if f not in touched_set]
    batches = [modified[i:i + 10] for i in range(0, 10 * reps, 10)]

    def modify(batch, tag):
        mrng = random.Random(f"{seed}-{tag}")
        for f in batch:
            data = modify_file(os.path.join(dirs[first], f), mrng, gen, tag)
            for t in tools:
                write_file(os.path.join(dirs[t.name], f), data)

    modify(batches[0], "m0")
    n_mod = len(batches[0])
    log(f"[{section}] status, diff after modifying {n_mod} files")
    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.status(), warmup=1, sync=True,
                     check=expect(n_mod))
    bench.add(section, f"status, {n_mod} files modified: time", "s", walls(res))
    bench.add(section, f"status, {n_mod} files modified: peak RSS", "B", rsss(res))
    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.diff(), warmup=1, sync=True)
    bench.add(section, f"diff, {n_mod} files modified: time", "s", walls(res))

    # land those 10 files (each further rep modifies 10 other files first)
    log(f"[{section}] land {n_mod} modified files x{reps}")

    def before_land(r):
        if r > 0:
            modify(batches[r] if r < len(batches) and batches[r] else modified[:10], f"m{r}")

    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.land(f"edit {r}"),
                     before=before_land, sync=True)
    bench.add(section, f"land {n_mod} modified files: time", "s", walls(res))
    bench.add(section, f"land {n_mod} modified files: peak RSS", "B", rsss(res))
    bench.add(section, "store at the end of the tree workload: on disk", "B",
              {t.name: [store_size(t.store_paths(dirs[t.name]))[1]] for t in tools})
    return dirs


# --------------------------------------------------------------------------
# Workload (b): the history


def plan_session(rng, gen, files, dirs_list, i, readf):
    """A few modifications, additions and deletions on distinct files."""
    nops = rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
    ops, used = [], set()
    for k in range(nops):
        x = rng.random()
        if x < 0.6 or len(files) < 100:
            f = rng.choice(files)
            if f in used:
                continue
            used.add(f)
            ops.append(("M", f, modify_file(readf(f), rng, gen, f"s{i}")))
        elif x < 0.85:
            d = rng.choice(dirs_list)
            name = f"new{i}_{k}{rng.choice(EXTS)}"
            f = f"{d}/{name}" if d else name
            used.add(f)
            ops.append(("A", f, gen.content(rng, f"// {f}\n", rng.randint(1024, 16384))))
        else:
            j = rng.randrange(len(files))
            f = files[j]
            if f in used:
                continue
            used.add(f)
            ops.append(("D", f, None))
    for op, f, _ in ops:
        if op == "A":
            files.append(f)
        elif op == "D":
            files.remove(f)
    return ops


def workload_history(bench, tools, nfiles, nsessions, seed, gen, section):
    args = bench.args
    reps = args.reps
    base = os.path.join(bench.workdir, f"history{nfiles}")
    dirs = {t.name: f"{base}-{t.name}" for t in tools}
    first = tools[0].name
    log(f"[{section}] generating {nfiles} files (seed {seed})")
    rng = random.Random(seed)
    dirs_list, files, total = generate_tree(dirs[first], nfiles, seed, gen)
    for t in tools[1:]:
        copy_tree(dirs[first], dirs[t.name])
    os.sync()
    log(f"[{section}] initial land")
    land = {}
    for t in tools:
        t.init(dirs[t.name])
        os.sync()
        land[t.name] = [bench.run_steps(t.name, t.land("initial import"), dirs[t.name])]
    bench.add(section, f"initial land of {nfiles} files: time", "s", walls(land))

    show_pos = max(2, (nsessions + 1) // 2)
    fossil_ref = None
    per = {t.name: [] for t in tools}
    rng = random.Random(seed + 7)
    log(f"[{section}] replaying {nsessions} sessions")
    t0 = time.time()
    for i in range(nsessions):
        ops = plan_session(rng, gen, files, dirs_list, i,
                           lambda f: os.path.join(dirs[first], f))
        for t in tools:
            for op, f, data in ops:
                p = os.path.join(dirs[t.name], f)
                if op == "D":
                    os.unlink(p)
                else:
                    write_file(p, data)
        for t in rotate(tools, i):
            os.sync()
            res = bench.run_steps(t.name, t.land(f"session {i + 1}: {len(ops)} changes"),
                                  dirs[t.name])
            per[t.name].append(res)
            if isinstance(t, Fossil) and i + 2 == show_pos:
                fossil_ref = t.current_hash(dirs[t.name])
        if (i + 1) % max(1, nsessions // 10) == 0:
            log(f"  {i + 1}/{nsessions} sessions, {time.time() - t0:.0f} s")
    w = walls(per)
    bench.add(section, "time per session: median", "s", w, "one value per session")
    bench.add(section, "time per session: p95", "s", {k: [p95(v)] for k, v in w.items()})
    bench.add(section, "time per session: max", "s", {k: [max(v)] for k, v in w.items()})
    bench.add(section, f"replay of {nsessions} sessions: total", "s",
              {k: [sum(v)] for k, v in w.items()})
    bench.add(section, "peak RSS over all sessions", "B",
              {k: [max(x["rss_kib"] for x in v) * 1024] for k, v in per.items()})
    bench.raw_sessions = w

    head = nsessions + 1
    for t in tools:
        n = t.head_count(dirs[t.name])
        if n != head:
            bench.anomaly(f"[{section}] {t.name} has {n} landings, expected {head}")
        r = bench.run(t.name, t.status()[0], dirs[t.name], capture=True)
        if t.count_changes(r.out) != 0:
            bench.anomaly(f"[{section}] {t.name} is not clean after the replay: "
                          f"{r.out.decode()[:300]}")
    gits = [t for t in tools if isinstance(t, Git)]
    if gits and gits[0].sha256:
        mt, gt = tools[0].root_tree(dirs["mic"]), gits[0].root_tree(dirs["git"])
        if mt != gt:
            bench.anomaly(f"[{section}] final tree ids differ: mic {mt} git {gt}")
        else:
            bench.notes.append(f"{section}: mic's and git's final root tree ids are equal ({mt[:16]})")

    log(f"[{section}] log, show")
    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.log(), warmup=1, sync=True)
    bench.add(section, f"log of {head} sessions: time", "s", walls(res))
    res = timed_reps(bench, tools, dirs, reps,
                     lambda t, r: t.show(show_pos, head, fossil_ref), warmup=1, sync=True)
    bench.add(section, f"show @{show_pos}: time", "s", walls(res))
    bench.add(section, "store after the history: apparent", "B",
              {t.name: [store_size(t.store_paths(dirs[t.name]))[0]] for t in tools})
    bench.add(section, "store after the history: on disk", "B",
              {t.name: [store_size(t.store_paths(dirs[t.name]))[1]] for t in tools})
    return dirs


def p95(v):
    s = sorted(v)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


# --------------------------------------------------------------------------
# Start-up


def workload_startup(bench, tools, section):
    reps = bench.args.reps * 4
    dirs = {}
    for t in tools:
        d = os.path.join(bench.workdir, f"empty-{t.name}")
        os.makedirs(d)
        t.init(d)
        dirs[t.name] = d
    log(f"[{section}] --version and status in an empty workspace x{reps}")
    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.version_cmd(), warmup=1)
    bench.add(section, "--version: time", "s", walls(res),
              "`fossil version` for fossil" if any(isinstance(t, Fossil) for t in tools) else "")
    res = timed_reps(bench, tools, dirs, reps, lambda t, r: t.status(), warmup=1)
    bench.add(section, "status in an empty workspace: time", "s", walls(res))
    bench.add(section, "status in an empty workspace: peak RSS", "B", rsss(res))
    return dirs


# --------------------------------------------------------------------------
# Report


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        if v < 1:
            return f"{v * 1000:.1f} ms"
        return f"{v:.2f} s"
    if unit == "B":
        if v < 2**20:
            return f"{v / 1024:.0f} KiB"
        if v < 2**30:
            return f"{v / 2**20:.1f} MiB"
        return f"{v / 2**30:.2f} GiB"
    return str(v)


def median(v):
    return statistics.median(v) if v else None


def machine_info(workdir):
    info = {"nproc": os.cpu_count()}
    try:
        with open("/proc/meminfo") as f:
            for l in f:
                if l.startswith("MemTotal:"):
                    info["memory"] = f"{int(l.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    info["cpu"] = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info.setdefault("cpu", platform.processor() or platform.machine())
    try:
        out = subprocess.run(["df", "-T", "-h", workdir], capture_output=True, text=True).stdout
        row = out.splitlines()[1].split()
        info["filesystem"] = f"{row[1]} on {row[0]} ({row[4]} free)"
    except Exception:
        info["filesystem"] = "?"
    info["kernel"] = platform.release()
    try:
        with open("/proc/loadavg") as f:
            info["load"] = " ".join(f.read().split()[:3])
    except OSError:
        info["load"] = "?"
    return info


def render(bench, tools, meta):
    names = [t.name for t in tools]
    lines = []
    lines.append(f"Date: {meta['date']}  ")
    m = meta["machine"]
    lines.append(f"Machine: {m.get('cpu')}, {m.get('nproc')} CPUs, {m.get('memory')} RAM, "
                 f"workdir file system {m.get('filesystem')}, Linux {m.get('kernel')}, "
                 f"load average {m.get('load')} at the start, {m.get('load_end', '?')} at the end  ")
    lines.append("Tools: " + "; ".join(meta["versions"][n] for n in names) + "  ")
    lines.append(f"mic binary: {meta['mic_binary']}  ")
    lines.append(f"Command: `{meta['command']}`  ")
    lines.append(f"Settings: {meta['settings']}")
    lines.append("")
    has_fossil = "fossil" in names
    head = "| figure | mic | git | mic/git |" + (" fossil |" if has_fossil else "")
    sep = "| --- | ---: | ---: | ---: |" + (" ---: |" if has_fossil else "")
    section = None
    for fig in bench.figures:
        if fig["section"] != section:
            section = fig["section"]
            lines += ["", f"**{section}**", "", head, sep]
        meds = {n: median(fig["values"].get(n, [])) for n in names}
        ratio = "-"
        if meds.get("mic") is not None and meds.get("git"):
            ratio = f"{meds['mic'] / meds['git']:.2f}"
        name = fig["name"] + (f" ({fig['note']})" if fig["note"] else "")
        row = f"| {name} | {fmt(meds.get('mic'), fig['unit'])} | " \
              f"{fmt(meds.get('git'), fig['unit'])} | {ratio} |"
        if has_fossil:
            row += f" {fmt(meds.get('fossil'), fig['unit'])} |"
        lines.append(row)
    if bench.notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in bench.notes]
    lines += ["", "Anomalies:", ""]
    lines += [f"- {a}" for a in bench.anomalies] or ["- none"]
    return "\n".join(lines) + "\n"


def render_growth(growth, names):
    """growth: list of (nfiles, figures of that size)."""
    lines = ["", "**How cost grows with the tree size** (median; ×: factor over the "
             "previous size)", ""]
    sizes = [n for n, _ in growth]
    head = "| figure | tool | " + " | ".join(f"{n:,} files" for n in sizes) + " |"
    lines += [head, "| --- | --- |" + " ---: |" * len(sizes)]
    keys = [f["name"] for f in growth[0][1]]
    for key in keys:
        for tool in names + ["mic/git"]:
            cells = []
            prev = None
            unit = "s"
            for _, figs in growth:
                fig = next((f for f in figs if f["name"] == key), None)
                if fig is None:
                    cells.append("-")
                    continue
                unit = fig["unit"]
                if tool == "mic/git":
                    a, b = median(fig["values"].get("mic", [])), median(fig["values"].get("git", []))
                    cells.append(f"{a / b:.2f}" if a is not None and b else "-")
                    continue
                v = median(fig["values"].get(tool, []))
                cell = fmt(v, unit)
                if prev and v is not None:
                    cell += f" (×{v / prev:.1f})"
                prev = v
                cells.append(cell)
            lines.append(f"| {key} | {tool} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description="Benchmark mic against git (and fossil when installed) on the same trees.")
    ap.add_argument("--files", type=int, help="files in the tree workload (default 100000)")
    ap.add_argument("--sessions", type=int, help="sessions in the history workload (default 1000)")
    ap.add_argument("--history-files", type=int,
                    help="files in the history workload's tree (default 20000)")
    ap.add_argument("--reps", type=int,
                    help="timed repetitions per figure, alternating tools (default 5; 3 with --quick)")
    ap.add_argument("--land-reps", type=int,
                    help="repetitions of the initial land (default: --reps)")
    ap.add_argument("--growth", action="store_true",
                    help="run the tree figures for 10,000, 100,000 and 300,000 files")
    ap.add_argument("--growth-sizes", help="comma-separated sizes for --growth")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes for a smoke run (2,000 files, 50 sessions)")
    ap.add_argument("--mic", default=os.path.join(SCRIPT_DIR, "..", "build", "mic"),
                    help="the mic binary (default: ../build/mic next to this script)")
    ap.add_argument("--git-sha256", action="store_true",
                    help="init git with --object-format=sha256 (mic's object format)")
    ap.add_argument("--git-gc", choices=["sync", "off"], default="sync",
                    help="sync (default): git's automatic gc runs in the foreground, so its "
                         "cost is counted in the command that triggered it; off: gc.auto=0")
    ap.add_argument("--no-fossil", action="store_true", help="skip fossil even if installed")
    ap.add_argument("--skip-tree", action="store_true", help="skip the tree workload")
    ap.add_argument("--skip-history", action="store_true", help="skip the history workload")
    ap.add_argument("--seed", type=int, default=1, help="seed of the workloads (default 1)")
    ap.add_argument("--workdir", help="where to put the trees (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the trees and stores")
    ap.add_argument("--json", help="write the raw results to this file")
    args = ap.parse_args()

    if args.quick:
        args.reps = args.reps or 3
        args.files = args.files or 2000
        args.sessions = args.sessions or 50
        args.history_files = args.history_files or 2000
    args.reps = args.reps or 5
    args.files = args.files or 100_000
    args.sessions = args.sessions if args.sessions is not None else 1000
    args.history_files = args.history_files or 20_000
    if args.growth:
        sizes = [int(x) for x in args.growth_sizes.split(",")] if args.growth_sizes \
            else GROWTH_SIZES
    else:
        sizes = [args.files]

    mic = os.path.abspath(args.mic)
    if not os.access(mic, os.X_OK):
        sys.exit(f"bench: no mic binary at {mic} (build it with `ninja -C build` or pass --mic)")
    if not shutil.which("git"):
        sys.exit("bench: git is not installed")

    parent = os.path.abspath(args.workdir) if args.workdir else tempfile.gettempdir()
    os.makedirs(parent, exist_ok=True)
    fossil_exe = None if args.no_fossil else shutil.which("fossil")
    ntools = 3 if fossil_exe else 2

    # tree + its copies + the stores: about 2x the tree per tool
    per_file = AVG_FILE + 2048 + 1024
    need = 0
    if not args.skip_tree:
        need = max(need, max(sizes) * per_file * ntools * 2)
    if not args.growth and not args.skip_history:
        need = max(need, args.history_files * per_file * ntools * 2 * 1.5)
    free = shutil.disk_usage(parent).free
    log(f"workdir parent {parent}: {free / 2**30:.1f} GiB free, "
        f"this run needs about {need / 2**30:.1f} GiB")
    if free < need * 1.1:
        sys.exit(f"bench: not enough free space in {parent}: {free / 2**30:.1f} GiB free, "
                 f"need about {need / 2**30:.1f} GiB (use --workdir elsewhere or smaller --files)")

    workdir = tempfile.mkdtemp(prefix="mic-bench-", dir=parent)
    bench = Bench(args, workdir)
    problem = build_helper(workdir)
    if problem:
        bench.notes.append(problem)
        log(problem)
    # a private copy: the binary under build/ may be relinked during the run
    os.makedirs(os.path.join(workdir, "bin"))
    mic_copy = os.path.join(workdir, "bin", "mic")
    shutil.copy2(mic, mic_copy)
    tools = [Mic(bench, mic_copy), Git(bench, args.git_sha256)]
    if fossil_exe:
        tools.append(Fossil(bench, fossil_exe))
    else:
        log("fossil left out (--no-fossil)" if args.no_fossil
            else "fossil not installed: skipping its columns")
    versions = {t.name: t.version() for t in tools}
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(workdir),
        "versions": versions,
        "command": shlex.join(["python3"] + [os.path.relpath(sys.argv[0])] + sys.argv[1:]),
        "settings": (f"files={','.join(map(str, sizes))}, sessions={args.sessions}, "
                     f"history files={args.history_files}, reps={args.reps}, "
                     f"land reps={args.land_reps or args.reps}, seed={args.seed}, "
                     f"git object format={'sha256' if args.git_sha256 else 'sha1'}, "
                     f"git gc={args.git_gc}"),
        "workdir": workdir,
        "mic_binary": f"{mic} ({os.path.getsize(mic)} bytes, "
                      f"modified {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(mic)))})",
    }
    log(f"workdir {workdir}")
    for n, v in versions.items():
        log(f"  {n}: {v}")

    gen = Gen(args.seed)
    growth = []
    try:
        if not args.skip_tree:
            for n in sizes:
                before = len(bench.figures)
                dirs = workload_tree(bench, tools, n, args.seed, gen, f"Tree: {n:,} files")
                growth.append((n, bench.figures[before:]))
                if args.growth and not args.keep:  # free the space for the next size
                    for t in tools:
                        shutil.rmtree(dirs[t.name])
                        for p in t.store_paths(dirs[t.name]):
                            if os.path.exists(p) and not os.path.isdir(p):
                                os.unlink(p)
        if not args.growth and not args.skip_history:
            workload_history(bench, tools, args.history_files, args.sessions, args.seed + 1000,
                             gen, f"History: {args.sessions:,} sessions on {args.history_files:,} files")
        workload_startup(bench, tools, "Start-up")
        try:
            with open("/proc/loadavg") as f:
                meta["machine"]["load_end"] = " ".join(f.read().split()[:3])
        except OSError:
            pass
        text = render(bench, tools, meta)
        if args.growth and len(growth) > 1:
            text += render_growth(growth, [t.name for t in tools])
        sys.stdout.write(text)
        sys.stdout.flush()
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"meta": meta, "figures": bench.figures, "anomalies": bench.anomalies,
                           "notes": bench.notes,
                           "history_session_times": getattr(bench, "raw_sessions", None)},
                          f, indent=1)
            log(f"raw results in {args.json}")
    finally:
        if HELPER_OUT and os.path.exists(HELPER_OUT):
            os.unlink(HELPER_OUT)
        if not args.keep:
            log(f"removing {workdir}")
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept {workdir}")


if __name__ == "__main__":
    main()
