#!/usr/bin/env python3
"""answer.py - how fast mic answers "why is this line here?" on a real
history: blame, why and search, mic against git in the same run, and what
the search index costs a land.

    python3 bench/answer.py [--count N] [--runs R] [--messages M]
                            [--git-dir DIR] [--mic PATH] [--json FILE]

It replays the last N first-parent commits of a git repository (default:
../shared/fixtures/history/tmux-600.git.tar.gz, unpacked into a temporary
folder) one session per commit into two mic workspaces side by side: one
as mic keeps it, one whose search-index triggers were dropped after mic
init (the store of before the index: the same work, nothing indexed). The
two are fed commit by commit in alternating order, and each land is timed,
so the ratio of their medians is what indexing adds to a land. A linear git
mirror of the same trees (one commit per session) is the oracle of blame.

Then, on the indexed workspace:
  - mic blame and git blame of the file the replayed commits changed most,
    and of two more, R runs each, alternating (median, ratio mic/git):
    mic twice, once as a user meets it (the blame cache holds the file's
    version, as after any earlier blame) and once first (the cache emptied
    before the run, so the whole history is walked);
  - mic why <file>:<line> on those files' middle lines (median ms);
  - M messages (default 100,000) of words drawn from the history's own
    subjects are added to a session through SQLite (the triggers index
    them as mic would, in one transaction), and mic search is timed on a
    rare word, a common word with -n 20, a phrase, and a filtered query.

Every timing is a whole process run, as a user or an agent sees it. Prints
a Markdown table on stdout, progress on stderr. Python 3 standard library,
git and the mic binary only.
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "shared", "fixtures", "history",
                       "tmux-600.git.tar.gz")
DROP_SEARCH = ("DROP TRIGGER search_sessions; DROP TRIGGER search_messages;"
               "DROP TRIGGER search_decisions;"
               "DROP TRIGGER search_alternatives;"
               "DROP TRIGGER search_changes;")


def clear_blame_cache(path):
    """Empty the blame cache, so that the next blame walks the history."""
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM blame_cache")
    db.close()


def log(msg):
    sys.stderr.write("answer: %s\n" % msg)
    sys.stderr.flush()


def run(cmd, cwd=None, env=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        sys.exit("answer: %s failed (%d): %s" %
                 (" ".join(cmd), r.returncode, r.stderr.decode().strip()))
    return r.stdout


def timed(cmd, cwd=None, env=None, check=True):
    t = time.perf_counter()
    run(cmd, cwd=cwd, env=env, check=check)
    return time.perf_counter() - t


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--git-dir")
    ap.add_argument("--mic", default=os.path.join(HERE, "..", "build", "mic"))
    ap.add_argument("--json")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mic-answer-")
    mic = os.path.join(tmp, "mic")
    shutil.copy2(a.mic, mic)
    results = {"count": a.count, "runs": a.runs, "messages": a.messages}
    try:
        gitdir = a.git_dir
        if gitdir is None:
            if not os.path.exists(FIXTURE):
                sys.exit("answer: no --git-dir and no %s" % FIXTURE)
            with tarfile.open(FIXTURE) as t:
                t.extractall(tmp)
            gitdir = [os.path.join(tmp, d) for d in os.listdir(tmp)
                      if d.endswith(".git")][0]
        gitdir = os.path.abspath(gitdir)
        git = ["git", "--git-dir=" + gitdir]
        commits = run(git + ["rev-list", "--first-parent", "-n",
                             str(a.count), "HEAD"]).decode().split()
        commits.reverse()

        env = dict(os.environ, MIC_AUTHOR="bench", NO_COLOR="1",
                   PAGER="cat", MIC_PAGER="cat", TZ="UTC")
        wss = {}
        for name in ("indexed", "unindexed"):
            ws = os.path.join(tmp, name)
            os.mkdir(ws)
            run([mic, "init", "bench", "tmux"], cwd=ws, env=env)
            wss[name] = ws
        db = sqlite3.connect(os.path.join(wss["unindexed"], ".mic", "mic.db"))
        db.executescript(DROP_SEARCH)
        db.close()

        lands = {"indexed": [], "unindexed": []}
        mirror, parent = [], None
        log("replaying %d commits into both workspaces" % len(commits))
        for k, sha in enumerate(commits):
            subject = run(git + ["log", "-1", "--format=%s", sha]).decode()
            subject = subject.strip() or "(no subject)"
            order = ("indexed", "unindexed") if k % 2 == 0 else \
                ("unindexed", "indexed")
            for name in order:
                ws = wss[name]
                ienv = dict(env, GIT_INDEX_FILE=ws + ".index")
                run(git + ["--work-tree=" + ws, "read-tree", "-u", "--reset",
                           sha], env=ienv)
                run([mic, "session", "start", "--", subject], cwd=ws,
                    env=env)
                lands[name].append(timed([mic, "session", "land",
                                          "--allow-empty"], cwd=ws, env=env))
            cmd = git + ["commit-tree", sha + "^{tree}", "-m", subject]
            if parent:
                cmd += ["-p", parent]
            parent = run(cmd).decode().strip()
            mirror.append(parent)
        # the first land is the initial one: leave it out of the medians
        li, lu = lands["indexed"][1:], lands["unindexed"][1:]
        results["land"] = {"indexed": lands["indexed"],
                           "unindexed": lands["unindexed"]}

        ws = wss["indexed"]
        counts = {}
        for line in run(git + ["log", "--format=", "--name-only",
                               "%s..%s" % (commits[0], commits[-1])]
                        ).decode().splitlines():
            if line.endswith((".c", ".h")):
                counts[line] = counts.get(line, 0) + 1
        files = [f for f, _ in sorted(counts.items(), key=lambda x: -x[1])
                 if os.path.exists(os.path.join(ws, f))][:3]
        rows = []
        blame_ratios = []
        dbpath = os.path.join(ws, ".mic", "mic.db")
        for f in files:
            mt, ct, gt = [], [], []
            for r in range(a.runs):
                pair = [("mic", [mic, "blame", f]),
                        ("git", git + ["blame", mirror[-1], "--", f]),
                        ("first", [mic, "blame", f])]
                if r % 2:
                    pair.reverse()
                for tool, cmd in pair:
                    if tool == "first":
                        clear_blame_cache(dbpath)
                    t = timed(cmd, cwd=ws, env=env)
                    {"mic": mt, "first": ct, "git": gt}[tool].append(t)
            nlines = sum(1 for _ in open(os.path.join(ws, f), "rb"))
            wt = [timed([mic, "why", "%s:%d" % (f, nlines // 2)], cwd=ws,
                        env=env) for _ in range(a.runs)]
            ratio = median(mt) / median(gt)
            blame_ratios.append(ratio)
            rows.append((f, counts[f], nlines, median(ct), median(mt),
                         median(gt), median(ct) / median(gt), ratio,
                         median(wt)))
            results.setdefault("blame", []).append(
                {"file": f, "changes": counts[f], "lines": nlines,
                 "mic": mt, "mic_first": ct, "git": gt, "why": wt})

        log("adding %d messages" % a.messages)
        words = []
        for s in run(git + ["log", "--format=%s", "-n", "2000"]
                     ).decode().split():
            w = "".join(c for c in s if c.isalnum()).lower()
            if len(w) > 2:
                words.append(w)
        rng = random.Random(1)
        db = sqlite3.connect(os.path.join(ws, ".mic", "mic.db"))
        sid = db.execute("SELECT id FROM sessions ORDER BY created_ns"
                         " DESC LIMIT 1").fetchone()[0]
        last = db.execute("SELECT coalesce(max(id), 0) FROM messages"
                          ).fetchone()[0]
        t0 = time.perf_counter()
        with db:
            db.executemany(
                "INSERT INTO messages(session_id, role, author, created_ns,"
                " body) VALUES (?, ?, ?, ?, ?)",
                ((sid, rng.choice(("human", "agent")), "bench",
                  1700000000 * 10**9 + i,
                  " ".join(rng.choice(words)
                           for _ in range(rng.randint(10, 80))).encode())
                 for i in range(a.messages)))
            # indexed as mic indexes every message it adds
            db.execute("INSERT INTO search SELECT CAST(body AS TEXT),"
                       " 'message', id FROM messages WHERE id > ?",
                       (last,))
        insert_s = time.perf_counter() - t0
        db.close()
        freq = {}
        for w in words:
            freq[w] = freq.get(w, 0) + 1
        common = max(freq, key=freq.get)
        rare = min(freq, key=freq.get)
        queries = [("rare word", [rare]),
                   ("common word, -n 20", ["-n", "20", common]),
                   ("phrase", ['"%s %s"' % (words[0], words[1])]),
                   ("prefix, --role agent, -n 20",
                    ["--role", "agent", "-n", "20", common[:3] + "*"])]
        srows = []
        for label, q in queries:
            ts = [timed([mic, "search"] + q, cwd=ws, env=env, check=False)
                  for _ in range(a.runs)]
            srows.append((label, " ".join(q), median(ts), p95(ts)))
            results.setdefault("search", []).append(
                {"query": q, "times": ts})
        results["insert_s"] = insert_s

        print("## mic blame, why and search on %d commits of %s" %
              (len(commits), os.path.basename(gitdir)))
        print()
        print("| file | changes | lines | mic blame, first | mic blame,"
              " cached | git blame | first/git | cached/git |"
              " mic why file:line |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for f, c, n, cm, m, g, cr, r, w in rows:
            print("| %s | %d | %d | %.1f ms | %.1f ms | %.1f ms | %.2f |"
                  " %.2f | %.1f ms |" % (f, c, n, cm * 1e3, m * 1e3,
                                         g * 1e3, cr, r, w * 1e3))
        print()
        print("(first: the blame cache emptied before the run, so the"
              " history is walked; cached: the cache holds the version)")
        print()
        print("| mic search over %d messages | query | median | p95 |" %
              a.messages)
        print("| --- | --- | --- | --- |")
        for label, q, m, p in srows:
            print("| %s | `%s` | %.1f ms | %.1f ms |" % (label, q, m * 1e3,
                                                        p * 1e3))
        print()
        print("| mic session land (%d lands) | median | p95 |" % len(li))
        print("| --- | --- | --- |")
        print("| with the search index | %.1f ms | %.1f ms |" %
              (median(li) * 1e3, p95(li) * 1e3))
        print("| without it | %.1f ms | %.1f ms |" %
              (median(lu) * 1e3, p95(lu) * 1e3))
        print("| ratio | %.3f | |" % (median(li) / median(lu)))
        print()
        print("(%d messages indexed in %.1f s by one INSERT transaction)" %
              (a.messages, insert_s))
        if a.json:
            with open(a.json, "w") as fh:
                json.dump(results, fh, indent=1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
