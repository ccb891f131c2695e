#!/usr/bin/env python3
"""history.py - replay a real project's git history into mic and into git,
commit by commit, and compare the two on the same work in the same run.

    python3 bench/history.py [--repo PATH] [--count 300] [--every 30]
                             [--reps 5] [--dirty 200] [--mic PATH]
                             [--workdir DIR] [--json FILE]

--repo is a git repository (bare or not) or a .tar.gz of one; the default
is ../shared/fixtures/history/tmux-600.git.tar.gz (tmux's last 600
commits). The last --count commits of its first-parent line are replayed,
oldest first, into three identical working trees: mic (mic session start
+ mic session land), git with its defaults (git add -A + git commit) and
git made durable like mic (core.fsync=committed, core.fsyncMethod=batch).
Each unit writes only the files the commit changed (their bytes from the
repository, modes and symlinks as recorded), each with its own past mtime
as a real edit would have, and removes what it deleted. After every unit
the recorded trees are checked: git's HEAD^{tree} against the commit's
tree, and mic's root against the same commit's tree in a SHA-256 copy of
the repository (git fast-export | fast-import; mic's tree ids are git's
SHA-256 ids), so a wrong recording stops the bench.

Every --every units (and after the last) the three trees are measured,
--reps times each, the tools alternating: status of a clean tree, status
after 100 files were touched (mtime changed, bytes not), status and diff
with 10 files modified, log, and cat of the largest file. Then, in the
mic tree only: a land of 10 modified files, --reps times, without and
with --dirty MiB of unrelated data written (not synced) to another file
of the same file system just before.

Prints Markdown tables of medians (and p95 for a recorded commit), the
ratios mic/git and mic/durable git, and every command's peak RSS; progress
on stderr. Times are whole processes measured with wait4 through
bench.py's spawn helper. Python 3 standard library, git and mic only. The
working trees live under --workdir (default: a temporary folder in
$TMPDIR), which must not be a tmpfs for the durability figures to mean
anything.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import bench as B

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "shared", "fixtures", "history",
                       "tmux-600.git.tar.gz")
PAST = 1_600_000_000  # 2020-09-13: every written file's mtime is after it


def die(msg):
    sys.exit("history: " + msg)


def git_out(git_dir, *args, data=None):
    r = subprocess.run(["git", "--git-dir=" + git_dir] + list(args),
                       input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        die("git %s failed: %s" % (" ".join(args),
                                   r.stderr.decode(errors="replace").strip()))
    return r.stdout


def find_git_dir(path, workdir):
    """The git dir of path: a repository, or a .tar.gz of one unpacked."""
    if path.endswith((".tar.gz", ".tgz")):
        dest = os.path.join(workdir, "source")
        with tarfile.open(path) as t:
            t.extractall(dest)
        for root, dirs, files in os.walk(dest):
            if "HEAD" in files and "objects" in dirs:
                return root
        die("no git repository in %s" % path)
    r = subprocess.run(["git", "-C", path, "rev-parse", "--absolute-git-dir"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        die("%s is not a git repository" % path)
    return r.stdout.strip()


def sha256_copy(src, workdir):
    """A SHA-256 copy of src's HEAD history (the oracle of mic's trees)."""
    dst = os.path.join(workdir, "source256.git")
    subprocess.run(["git", "init", "-q", "--bare", "--object-format=sha256",
                    dst], check=True)
    ref = git_out(src, "symbolic-ref", "HEAD").decode().strip()
    exp = subprocess.Popen(["git", "--git-dir=" + src, "fast-export",
                            "--signed-tags=strip", ref],
                           stdout=subprocess.PIPE)
    imp = subprocess.run(["git", "--git-dir=" + dst, "fast-import",
                          "--quiet"], stdin=exp.stdout)
    exp.stdout.close()
    if exp.wait() != 0 or imp.returncode != 0:
        die("could not make a SHA-256 copy of %s" % src)
    git_out(dst, "symbolic-ref", "HEAD", ref)
    return dst


class Blobs:
    """git cat-file --batch over one repository: the bytes of a blob."""

    def __init__(self, git_dir):
        self.p = subprocess.Popen(["git", "--git-dir=" + git_dir, "cat-file",
                                   "--batch"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)

    def get(self, oid):
        self.p.stdin.write(oid + b"\n")
        self.p.stdin.flush()
        head = self.p.stdout.readline().split()
        if len(head) != 3:
            die("cat-file: no object %s" % oid.decode())
        data = self.p.stdout.read(int(head[2]))
        self.p.stdout.read(1)
        return data

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def changes(git_dir, prev, cur):
    """(mode, oid, path) of what cur changed after prev (all of cur's tree
    when prev is None); mode None for a deletion. Paths are bytes."""
    if prev is None:
        out = git_out(git_dir, "ls-tree", "-r", "-z", "--full-tree", cur)
        for rec in out.split(b"\0"):
            if rec:
                meta, path = rec.split(b"\t", 1)
                mode, _, oid = meta.split()
                yield mode, oid, path
        return
    out = git_out(git_dir, "diff-tree", "-r", "-z", "--no-renames", prev, cur)
    parts = out.split(b"\0")
    i = 0
    while i + 1 < len(parts) and parts[i]:
        meta, path = parts[i], parts[i + 1]
        i += 2
        f = meta.lstrip(b":").split()
        if f[4] == b"D":
            yield None, None, path
        else:
            yield f[1], f[3], path


def remove(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def write(root, path, mode, data, mtime_ns):
    """Write one file of a commit into the tree at root."""
    full = os.path.join(root, os.fsdecode(path))
    parent = os.path.dirname(full)
    # a file where a folder must go (or the other way round) goes first
    p = parent
    while p != root and not os.path.isdir(p):
        if os.path.lexists(p):
            os.unlink(p)
            break
        p = os.path.dirname(p)
    os.makedirs(parent, exist_ok=True)
    if os.path.lexists(full) and (os.path.isdir(full) or
                                  os.path.islink(full) or mode == b"120000"):
        remove(full)
    if mode == b"120000":
        os.symlink(data, full)
    else:
        with open(full, "wb") as f:
            f.write(data)
        os.chmod(full, 0o755 if mode == b"100755" else 0o644)
    os.utime(full, ns=(mtime_ns, mtime_ns), follow_symlinks=False)


def prune(root, path):
    """Remove the folders above a deleted path that are now empty."""
    d = os.path.dirname(os.path.join(root, os.fsdecode(path)))
    while d != root:
        try:
            os.rmdir(d)
        except OSError:
            return
        d = os.path.dirname(d)


class Clock:
    """Distinct past mtimes, one per written file, increasing."""

    def __init__(self):
        self.t = PAST * 10**9

    def next(self):
        self.t += 1_000_000_007
        return self.t


class Replay:
    def __init__(self, a, bench, workdir):
        self.a, self.b = a, bench
        self.mic = B.Mic(bench, a.mic)
        self.git = B.Git(bench, False)
        self.trees = {"mic": os.path.join(workdir, "mic"),
                      "git": os.path.join(workdir, "git"),
                      "durable": os.path.join(workdir, "durable")}
        for d in self.trees.values():
            os.makedirs(d)
        self.mic.init(self.trees["mic"])
        self.git.init(self.trees["git"])
        self.git.init(self.trees["durable"])
        for k, v in (("core.fsync", "committed"),
                     ("core.fsyncMethod", "batch")):
            bench.run("git", ["git", "config", k, v], self.trees["durable"])
        self.clock = Clock()
        self.files = {}  # path -> (mode, oid) of the current commit
        self.rss = {}  # (tool, command) -> peak KiB
        self.times = {}  # (figure, tool) -> [seconds]
        self.initial = True  # the next land is the first

    def tools(self, k):
        """The three tools in an order that rotates with k."""
        names = ["mic", "git", "durable"]
        k %= 3
        return names[k:] + names[:k]

    def steps(self, name, what, arg=None):
        """The commands of one measured step of a tool."""
        mic = self.a.mic
        if name == "mic":
            if what == "land":
                return [[mic, "session", "start", "--", arg],
                        [mic, "session", "land", "--allow-empty"]]
            return [[mic, what] + ([arg] if arg else [])]
        if what == "land":
            # the first commit's tree holds files that its .gitignore
            # names (tracked in any clone): git adds them all, as it once
            # did
            force = ["-f"] if self.initial else []
            return [["git", "add", "-A"] + force,
                    ["git", "commit", "-q", "--allow-empty", "--no-verify",
                     "-m", arg]]
        if what == "cat":
            return [["git", "cat-file", "-p", "HEAD:" + arg]]
        return [["git", what]]

    def timed(self, figure, name, what, arg=None):
        r = self.b.run_steps(name, self.steps(name, what, arg),
                             self.trees[name])
        if not r["ok"]:
            die("%s failed in %s: see the anomaly above" % (what, name))
        self.times.setdefault((figure, name), []).append(r["wall"])
        key = (name, what)
        self.rss[key] = max(self.rss.get(key, 0), r["rss_kib"])
        return r

    def apply(self, blobs, prev, cur):
        """Make every tree cur's, writing what cur changed."""
        n = 0
        for mode, oid, path in changes(self.a.src256, prev, cur):
            if mode == b"160000":
                continue  # a submodule: neither tool records its tree
            if mode is None:
                self.files.pop(path, None)
                for root in self.trees.values():
                    full = os.path.join(root, os.fsdecode(path))
                    if os.path.lexists(full):
                        remove(full)
                    prune(root, path)
                continue
            data = blobs.get(oid)
            t = self.clock.next()
            for root in self.trees.values():
                write(root, path, mode, data, t)
            self.files[path] = (mode, oid)
            n += 1
        return n

    def check(self, k, commit1, commit256):
        want = git_out(self.a.src, "rev-parse", commit1 + "^{tree}")
        for name in ("git", "durable"):
            r = self.b.run(name, ["git", "rev-parse", "HEAD^{tree}"],
                           self.trees[name], True)
            if r.out.strip() != want.strip():
                die("unit %d: %s recorded tree %s, the commit has %s" %
                    (k, name, r.out.decode().strip(), want.decode().strip()))
        want = git_out(self.a.src256, "rev-parse", commit256 + "^{tree}")
        got = self.mic.root_tree(self.trees["mic"])
        if got != want.decode().strip():
            die("unit %d: mic recorded root %s, the commit's SHA-256 tree is "
                "%s" % (k, got, want.decode().strip()))

    def regular(self):
        """The tracked regular files, largest first: (size, path)."""
        out = []
        root = self.trees["git"]
        for path, (mode, _) in self.files.items():
            if mode in (b"100644", b"100755"):
                out.append((os.path.getsize(os.path.join(
                    root, os.fsdecode(path))), path))
        out.sort(reverse=True)
        return out

    def measure(self, k):
        reps = self.a.reps
        regular = self.regular()
        big = os.fsdecode(regular[0][1])
        for r in range(reps):
            for name in self.tools(k + r):
                self.timed("status, clean", name, "status")
                self.timed("log", name, "log")
                self.timed("cat of the largest file", name, "cat", big)
        # 100 touched: a new mtime, the same bytes
        pick = regular[len(regular) // 3:][:100 * reps]
        for r in range(reps):
            t = self.clock.next()
            for _, path in pick[r * 100:(r + 1) * 100]:
                for root in self.trees.values():
                    os.utime(os.path.join(root, os.fsdecode(path)),
                             ns=(t, t))
            for name in self.tools(k + r):
                self.timed("status, 100 files touched", name, "status")
        # 10 modified: a line added at the end; put back afterwards
        ten = [p for _, p in regular[-10 - len(regular) // 2:][:10]]
        t = self.clock.next()
        for path in ten:
            for root in self.trees.values():
                with open(os.path.join(root, os.fsdecode(path)), "ab") as f:
                    f.write(b"/* replayed by mic's bench */\n")
        for r in range(reps):
            for name in self.tools(k + r):
                self.timed("status, 10 files modified", name, "status")
                self.timed("diff, 10 files modified", name, "diff")
        blobs = Blobs(self.a.src256)
        for path in ten:
            data = blobs.get(self.files[path][1])
            t = self.clock.next()
            for root in self.trees.values():
                write(root, path, self.files[path][0], data, t)
        blobs.close()

    def dirty(self, k):
        """mic: a land of 10 modified files without and with unrelated
        dirty data written just before."""
        regular = self.regular()
        root = self.trees["mic"]
        junk = os.path.join(os.path.dirname(root), "unrelated.bin")
        chunk = os.urandom(1 << 20)
        for r in range(self.a.reps * 2):
            with_dirty = r % 2 == 1
            for _, path in regular[r * 10:(r + 1) * 10]:
                with open(os.path.join(root, os.fsdecode(path)), "ab") as f:
                    f.write(b"/* %d */\n" % r)
            subprocess.run(["sync"])
            if with_dirty:
                with open(junk, "wb") as f:
                    for _ in range(self.a.dirty):
                        f.write(chunk)
            figure = ("land of 10 files, %d MiB unrelated dirty data" %
                      self.a.dirty if with_dirty else
                      "land of 10 files, no unrelated dirty data")
            self.timed(figure, "mic", "land", "dirty %d" % r)
            if with_dirty:
                os.unlink(junk)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", default=FIXTURE)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--every", type=int, default=30)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dirty", type=int, default=200)
    ap.add_argument("--mic", default=os.path.join(HERE, "..", "build", "mic"))
    ap.add_argument("--workdir")
    ap.add_argument("--json")
    a = ap.parse_args()
    a.mic = os.path.abspath(a.mic)
    if not os.path.exists(a.repo):
        hint = (" (../shared/fixtures is not beside the project?)"
                if a.repo == FIXTURE else "")
        die("no repository at %s%s" % (a.repo, hint))
    if not os.access(a.mic, os.X_OK):
        die("no mic at %s: build it first (ninja -C build)" % a.mic)
    workdir = tempfile.mkdtemp(prefix="mic-history-", dir=a.workdir)
    try:
        run(a, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(a, workdir):
    a.git_gc = "off"
    bench = B.Bench(a, workdir)
    note = B.build_helper(workdir)
    if note:
        B.log(note)
    a.src = find_git_dir(os.path.abspath(a.repo), workdir)
    B.log("a SHA-256 copy of %s" % a.src)
    a.src256 = sha256_copy(a.src, workdir)
    c1 = git_out(a.src, "rev-list", "--first-parent", "-n", str(a.count),
                 "HEAD").split()[::-1]
    c256 = git_out(a.src256, "rev-list", "--first-parent", "-n",
                   str(a.count), "HEAD").split()[::-1]
    if len(c1) != len(c256) or not c1:
        die("the SHA-256 copy has %d commits, the repository %d" %
            (len(c256), len(c1)))
    rp = Replay(a, bench, workdir)
    blobs = Blobs(a.src256)
    subjects = git_out(a.src, "log", "--first-parent", "-n", str(a.count),
                       "--format=%s").decode(errors="replace").splitlines()
    subjects.reverse()
    prev = None
    written = []
    for k, (h1, h256) in enumerate(zip(c1, c256)):
        written.append(rp.apply(blobs, prev, h256.decode()))
        figure = "initial land" if k == 0 else "record one commit"
        for name in rp.tools(k):
            rp.timed(figure, name, "land", subjects[k] or "(no subject)")
        rp.initial = False
        rp.check(k + 1, h1.decode(), h256.decode())
        prev = h256.decode()
        if k == 0 or (k + 1) % a.every == 0 or k + 1 == len(c1):
            B.log("unit %d of %d: %d files, measuring" %
                  (k + 1, len(c1), len(rp.files)))
            rp.measure(k)
    blobs.close()
    B.log("lands with and without %d MiB of unrelated dirty data" % a.dirty)
    rp.dirty(len(c1))
    report(a, bench, rp, written)


def report(a, bench, rp, written):
    med = B.median
    print("## Replay of %d commits of %s (%d files at the end)" %
          (a.count, os.path.basename(a.repo), len(rp.files)))
    print()
    print("Files written per unit: median %d, max %d (the first: %d)." %
          (med(written[1:]) if len(written) > 1 else 0, max(written),
           written[0]))
    if bench.anomalies:
        print()
        print("Anomalies: " + "; ".join(bench.anomalies))
    print()
    print("| figure | mic | git | git durable | mic/git | mic/git durable |")
    print("| --- | --- | --- | --- | --- | --- |")
    order = ["initial land", "record one commit", "record one commit, p95",
             "status, clean", "status, 100 files touched",
             "status, 10 files modified", "diff, 10 files modified", "log",
             "cat of the largest file"]
    out = {}
    for fig in order:
        base = fig.replace(", p95", "")
        stat = B.p95 if fig.endswith("p95") else med
        v = {n: stat(rp.times[(base, n)]) for n in ("mic", "git", "durable")}
        out[fig] = v
        print("| %s | %s | %s | %s | %.2f | %.2f |" % (
            fig, B.fmt(v["mic"], "s"), B.fmt(v["git"], "s"),
            B.fmt(v["durable"], "s"), v["mic"] / v["git"],
            v["mic"] / v["durable"]))
    print()
    print("Peak RSS of each command over the run:")
    print()
    print("| command | mic | git | git durable | mic/git |")
    print("| --- | --- | --- | --- | --- |")
    for what in ("land", "status", "diff", "log", "cat"):
        v = {n: rp.rss.get((n, what), 0) for n in ("mic", "git", "durable")}
        print("| %s | %s | %s | %s | %.2f |" % (
            what, B.fmt(v["mic"] * 1024, "B"), B.fmt(v["git"] * 1024, "B"),
            B.fmt(v["durable"] * 1024, "B"), v["mic"] / max(v["git"], 1)))
    print()
    without = med(rp.times[("land of 10 files, no unrelated dirty data",
                            "mic")])
    withd = med(rp.times[("land of 10 files, %d MiB unrelated dirty data" %
                          a.dirty, "mic")])
    print("mic session start + land of 10 modified files, median of %d: "
          "%s without unrelated dirty data, %s just after %d MiB were "
          "written to another file (%+.1f ms)." % (
              a.reps, B.fmt(without, "s"), B.fmt(withd, "s"), a.dirty,
              (withd - without) * 1e3))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"medians": out,
                       "times": {"%s|%s" % k: v
                                 for k, v in rp.times.items()},
                       "rss_kib": {"%s|%s" % k: v
                                   for k, v in rp.rss.items()},
                       "written": written}, f, indent=1)


if __name__ == "__main__":
    main()
