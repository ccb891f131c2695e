#!/usr/bin/env python3
"""replay.py - replay a git history into a mic workspace, one session per
commit, for the tests that compare mic with git and for the benches.

    bench/replay.py --git-dir tmux.git --count 300 --ws WS [--mirror FILE]

Takes the last COUNT commits of the first-parent line of the repository's
HEAD, oldest first. For each it makes the working tree WS that commit's
tree (git read-tree -u with an index of its own beside WS, so .mic/ and
untracked files are left alone), starts a mic session whose goal is the
commit's subject and lands it (--allow-empty: a commit may change nothing
the workspace sees). WS must be a mic workspace (mic init) without an
active session; position @k of the workspace is then the k-th replayed
commit.

With --mirror FILE it also writes, into the same repository, a linear
history of the same trees (git commit-tree, one commit per session, the
first one a root commit) and prints to FILE one line per position: the
mirror commit's id, so that `git blame <last id> -- path` is the oracle of
`mic blame path`, position for position.

The mic binary is $MIC, else `mic` on PATH. Exits non-zero on the first
failing command, naming it.
"""
import argparse
import os
import subprocess
import sys


def run(cmd, env=None, cwd=None, text=True):
    r = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=text)
    if r.returncode != 0:
        sys.stderr.write("replay: %s failed (%d): %s\n" %
                         (" ".join(cmd), r.returncode, r.stderr.strip()))
        sys.exit(1)
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--ws", required=True)
    ap.add_argument("--mirror")
    a = ap.parse_args()

    mic = os.environ.get("MIC", "mic")
    git = ["git", "--git-dir=" + a.git_dir]
    commits = run(git + ["rev-list", "--first-parent", "-n", str(a.count),
                         "HEAD"]).split()
    commits.reverse()
    env = dict(os.environ)
    env["GIT_INDEX_FILE"] = os.path.abspath(a.ws) + ".replay-index"
    if os.path.exists(env["GIT_INDEX_FILE"]):
        os.remove(env["GIT_INDEX_FILE"])
    mirror, parent = [], None
    for sha in commits:
        info = run(git + ["log", "-1", "--format=%s%x00%an%x00%ae%x00%aI",
                          sha]).rstrip("\n").split("\0")
        subject = info[0].strip() or "(no subject)"
        run(git + ["--work-tree=" + a.ws, "read-tree", "-u", "--reset", sha],
            env=env)
        run([mic, "session", "start", "--", subject], cwd=a.ws)
        run([mic, "session", "land", "--allow-empty"], cwd=a.ws)
        if a.mirror:
            cenv = dict(os.environ)
            cenv.update(GIT_AUTHOR_NAME=info[1], GIT_AUTHOR_EMAIL=info[2],
                        GIT_AUTHOR_DATE=info[3], GIT_COMMITTER_NAME=info[1],
                        GIT_COMMITTER_EMAIL=info[2],
                        GIT_COMMITTER_DATE=info[3])
            cmd = git + ["commit-tree", sha + "^{tree}", "-m", subject]
            if parent:
                cmd += ["-p", parent]
            parent = run(cmd, env=cenv).strip()
            mirror.append(parent)
    os.remove(env["GIT_INDEX_FILE"])
    if a.mirror:
        with open(a.mirror, "w") as f:
            for m in mirror:
                f.write(m + "\n")


if __name__ == "__main__":
    main()
