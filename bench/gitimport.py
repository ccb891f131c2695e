#!/usr/bin/env python3
"""Take a real git history in: mic import git against git fast-import and
against recording the same commits one mic session land each.

    python3 bench/gitimport.py [--repo PATH] [--reps N] [--lands K]

--repo is a git repository or a .tar.gz of one (default: the tmux fixture,
../shared/fixtures/history/tmux-600.git.tar.gz). In one run, alternating,
--reps times each:

  - mic: a new workspace in a clone of the repository, then
    `mic import git` of its whole first-parent line;
  - git: `git fast-export --first-parent HEAD | git fast-import` into a new
    bare repository: git's own way of taking the same commits in (its
    objects and trees, no working tree, no fsync);

then the store of the last import is exported, --reps times, with `mic
export git` into a new bare repository, against `git fast-import` of the
same stream (what `git fast-export mic refs/notes/mic` gives of the first
export: the same commits, trees, blobs and notes);

then, once, the mic workspace imported up to K commits before the tip
lands the last K commits one `mic session start` + `mic session land`
each, the working tree checked out at each commit first (untimed): what
recording them by hand costs per commit.

Every import is checked: mic's last root equals the tip's tree converted to
SHA-256 ids (tests/cli/git_trees.py), git's tip tree equals the source's.
Reported: wall time and peak RSS of each import (median), per commit, and
the ratios mic/git and mic import / mic land per commit.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import bench as B
import history as H

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", default=H.FIXTURE)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--lands", type=int, default=30)
    ap.add_argument("--mic", default=os.path.join(HERE, "..", "build", "mic"))
    ap.add_argument("--workdir")
    a = ap.parse_args()
    a.mic = os.path.abspath(a.mic)
    if not os.path.exists(a.repo):
        hint = (" (../shared/fixtures is not beside the project?)"
                if a.repo == H.FIXTURE else "")
        H.die("no repository at %s%s" % (a.repo, hint))
    if not os.access(a.mic, os.X_OK):
        H.die("no mic at %s: build it first (ninja -C build)" % a.mic)
    workdir = tempfile.mkdtemp(prefix="mic-gitimport-", dir=a.workdir)
    try:
        run(a, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def env_for(workdir):
    env = dict(os.environ)
    env.update(HOME=workdir, XDG_CONFIG_HOME=os.path.join(workdir, "config"),
               GIT_CONFIG_NOSYSTEM="1", MIC_AUTHOR="bench", NO_COLOR="1")
    return env


def check(res, what):
    if res.rc != 0:
        H.die("%s failed (exit %d): %s" % (what, res.rc, res.err.strip()))


def oracle_tip(src):
    out = subprocess.run([sys.executable, os.path.join(
        HERE, "..", "tests", "cli", "git_trees.py"), src],
        capture_output=True, check=True, text=True).stdout.split()
    return out[-1]


def mic_root(a, ws, env):
    r = B.run_proc([a.mic, "show", "--json"], ws, env, capture=True)
    check(r, "mic show")
    import json
    return json.loads(r.out)["root"]


def run(a, workdir):
    note = B.build_helper(workdir)
    if note:
        B.log(note)
    env = env_for(workdir)
    src = H.find_git_dir(os.path.abspath(a.repo), workdir)
    wt = os.path.join(workdir, "wt")
    subprocess.run(["git", "clone", "-q", src, wt], check=True, env=env)
    n = int(H.git_out(src, "rev-list", "--first-parent", "--count", "HEAD"))
    want_mic = oracle_tip(src)
    want_git = H.git_out(src, "rev-parse", "HEAD^{tree}").strip().decode()
    B.log("%s: %d first-parent commits" % (src, n))
    mic_runs, git_runs = [], []
    for r in range(a.reps):
        for tool in (("mic", "git") if r % 2 == 0 else ("git", "mic")):
            if tool == "mic":
                shutil.rmtree(os.path.join(wt, ".mic"), ignore_errors=True)
                check(B.run_proc([a.mic, "init", "bench", "import"], wt,
                                 env), "mic init")
                res = B.run_proc([a.mic, "import", "git"], wt, env)
                check(res, "mic import git")
                if mic_root(a, wt, env) != want_mic:
                    H.die("mic's last root is not the tip's tree")
                mic_runs.append(res)
            else:
                dst = os.path.join(workdir, "fi%d.git" % r)
                subprocess.run(["git", "init", "-q", "--bare", dst],
                               check=True, env=env)
                res = B.run_proc(["sh", "-c",
                                  'git --git-dir="$1" fast-export '
                                  '--first-parent --reencode=no HEAD | '
                                  'git --git-dir="$2" fast-import --quiet',
                                  "sh", src, dst], workdir, env)
                check(res, "git fast-export | fast-import")
                got = H.git_out(dst, "rev-parse", "HEAD^{tree}").strip()
                if got.decode() != want_git:
                    H.die("git's tip tree is not the source's")
                git_runs.append(res)
                shutil.rmtree(dst)
    exp_runs, fi_runs = export_vs_fast_import(a, workdir, wt, env)
    lands = land_baseline(a, src, wt, env, n)
    mic_t = statistics.median(x.wall for x in mic_runs)
    git_t = statistics.median(x.wall for x in git_runs)
    mic_rss = statistics.median(x.rss_kib for x in mic_runs) / 1024
    git_rss = statistics.median(x.rss_kib for x in git_runs) / 1024
    land_t = statistics.median(lands)
    print("| figure | mic | git | mic/git |")
    print("|---|---|---|---|")
    print("| import %d commits | %.2f s | %.2f s | %.2f |" %
          (n, mic_t, git_t, mic_t / git_t))
    print("| per commit | %.1f ms | %.1f ms | %.2f |" %
          (mic_t / n * 1e3, git_t / n * 1e3, mic_t / git_t))
    print("| peak RSS (mic; git: fast-import's side) | %.1f MiB | %.1f MiB "
          "| %.2f |" % (mic_rss, git_rss, mic_rss / git_rss))
    exp_t = statistics.median(x.wall for x in exp_runs)
    fi_t = statistics.median(x.wall for x in fi_runs)
    print("| export %d sessions (mic export git; git fast-import of the "
          "same stream) | %.2f s | %.2f s | %.2f |" %
          (n, exp_t, fi_t, exp_t / fi_t))
    print()
    print("mic session start + land of one commit (median of %d): %.1f ms; "
          "mic import git per commit / land per commit: %.2f" %
          (len(lands), land_t * 1e3, mic_t / n / land_t))


def export_vs_fast_import(a, workdir, wt, env):
    """Wall times of mic export git and of git fast-import of its stream."""
    exp_runs, fi_runs, stream = [], [], os.path.join(workdir, "stream")
    for r in range(a.reps):
        dst = os.path.join(workdir, "exp%d.git" % r)
        subprocess.run(["git", "init", "-q", "--bare", dst], check=True,
                       env=env)
        res = B.run_proc([a.mic, "export", "git", "--to", dst], wt, env)
        check(res, "mic export git")
        exp_runs.append(res)
        if r == 0:
            with open(stream, "wb") as f:
                subprocess.run(["git", "--git-dir=" + dst, "fast-export",
                                "--reencode=no", "mic", "refs/notes/mic"],
                               stdout=f, check=True, env=env)
        shutil.rmtree(dst)
        dst = os.path.join(workdir, "fi%d.git" % r)
        subprocess.run(["git", "init", "-q", "--bare", dst], check=True,
                       env=env)
        res = B.run_proc(["sh", "-c", 'git --git-dir="$1" fast-import '
                          '--quiet <"$2"', "sh", dst, stream], workdir, env)
        check(res, "git fast-import")
        fi_runs.append(res)
        shutil.rmtree(dst)
    return exp_runs, fi_runs


def land_baseline(a, src, wt, env, n):
    """Seconds of start + land for each of the last --lands commits."""
    k = min(a.lands, n - 1)
    commits = H.git_out(src, "rev-list", "--first-parent", "-n",
                        str(k + 1), "HEAD").decode().split()[::-1]
    shutil.rmtree(os.path.join(wt, ".mic"), ignore_errors=True)
    subprocess.run(["git", "-C", wt, "checkout", "-q", "--detach",
                    commits[0]], check=True, env=env)
    check(B.run_proc([a.mic, "init", "bench", "import"], wt, env), "init")
    check(B.run_proc([a.mic, "import", "git", commits[0]], wt, env),
          "mic import git")
    check(B.run_proc([a.mic, "status"], wt, env), "mic status")
    times = []
    for c in commits[1:]:
        subprocess.run(["git", "-C", wt, "checkout", "-q", "--detach", c],
                       check=True, env=env)
        s = B.run_proc([a.mic, "session", "start", "--", "commit " + c],
                       wt, env)
        check(s, "mic session start")
        land = B.run_proc([a.mic, "session", "land", "--allow-empty"], wt,
                          env)
        check(land, "mic session land")
        times.append(s.wall + land.wall)
    return times


if __name__ == "__main__":
    main()
