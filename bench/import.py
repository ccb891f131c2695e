#!/usr/bin/env python3
"""import.py - how fast, and in how much memory, mic session import takes
in a coding agent's transcript, first and then again.

    python3 bench/import.py [--size MB] [--small MB] [--runs R]
                            [--source FILE]... [--mic PATH] [--json FILE]

It builds a Claude Code transcript of --size MiB (default 1024) out of the
records of real ones (default: the Claude samples of
../shared/fixtures/transcripts/claude/ with the largest lines and an
image, 08 and 09), copied over and over with their uuids and message ids
made unique per copy, as one long session would be: real lines (a 961 KB
MCP result, a 415 KB pasted image, prompts, thinking, tool calls), in
real proportions. Then, in a fresh workspace:

  - the first import of the whole file: wall time, MB/s of transcript,
    CPU time, and the importing process's peak RSS;
  - an import of the unchanged file (nothing new), R runs, median;
  - on a --small MiB (default 50) transcript built the same way, the
    Claude Code hook (mic agent hook claude-code, its payload on stdin)
    after one new prompt was appended, R runs (each run appends one),
    median: what the agent waits for per event.

Every timing is a whole mic process, as a hook or a user sees it. Prints
a Markdown table on stdout, progress on stderr. Python 3 standard library
and the mic binary only.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "..", "shared", "fixtures",
                       "transcripts", "claude")
DEFAULT = ["08-entire-v2.1.29-image-large.jsonl",
           "09-entire-v2.1.32-huge-line.jsonl"]


def log(msg):
    sys.stderr.write("import: %s\n" % msg)
    sys.stderr.flush()


def records(paths):
    """The JSON records of the files, in order, skipping broken lines."""
    out = []
    for p in paths:
        with open(p, "rb") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def build(path, recs, size):
    """Write copies of recs to path until it holds size bytes."""
    copy = 0
    written = 0
    with open(path, "w") as f:
        while written < size:
            copy += 1
            for r in recs:
                r = dict(r)
                r["sessionId"] = "bench-session"
                for k in ("uuid", "parentUuid", "leafUuid"):
                    if isinstance(r.get(k), str):
                        r[k] = "%s-%d" % (r[k], copy)
                m = r.get("message")
                if isinstance(m, dict) and isinstance(m.get("id"), str):
                    r["message"] = dict(m, id="%s-%d" % (m["id"], copy))
                line = json.dumps(r) + "\n"
                f.write(line)
                written += len(line)
                if written >= size:
                    break
    return written


def prompt(n):
    return json.dumps({"type": "user", "uuid": "bench-prompt-%d" % n,
                       "sessionId": "bench-session",
                       "timestamp": "2026-01-05T10:00:00.000Z",
                       "message": {"role": "user",
                                   "content": "one more thing, number %d"
                                   % n}}) + "\n"


def run(mic, args, cwd, stdin=None):
    """Run mic; (wall seconds, CPU seconds, peak RSS KiB of the child)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([mic] + args, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE,
                         stdin=subprocess.PIPE if stdin else None)
    if stdin:
        p.stdin.write(stdin)
        p.stdin.close()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("import: mic %s failed: %s" % (" ".join(args), err))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--small", type=int, default=50)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--source", action="append")
    ap.add_argument("--mic", default=os.path.join(HERE, "..", "build", "mic"))
    ap.add_argument("--json")
    a = ap.parse_args()
    sources = a.source or [os.path.join(SAMPLES, f) for f in DEFAULT]
    for s in sources:
        if not os.path.exists(s):
            sys.exit("import: no %s (../shared/fixtures is not beside the "
                     "project?)" % s)
    tmp = tempfile.mkdtemp(prefix="mic-import-")
    mic = os.path.join(tmp, "mic")
    shutil.copy2(a.mic, mic)
    env_ws = os.path.join(tmp, "ws")
    try:
        recs = records(sources)
        big = os.path.join(tmp, "big.jsonl")
        small = os.path.join(tmp, "small.jsonl")
        log("writing a %d MiB transcript" % a.size)
        size = build(big, recs, a.size << 20)
        build(small, recs, a.small << 20)
        os.mkdir(env_ws)
        os.environ["MIC_AUTHOR"] = "bench"
        run(mic, ["init", "bench", "import"], env_ws)
        log("first import")
        wall, cpu, rss = run(mic, ["session", "import", big], env_ws)
        log("imports of the unchanged file")
        again = [run(mic, ["session", "import", big], env_ws)[0]
                 for _ in range(a.runs)]
        ws2 = os.path.join(tmp, "ws2")
        os.mkdir(ws2)
        run(mic, ["init", "bench", "import"], ws2)
        run(mic, ["session", "import", small], ws2)
        log("hooks after one appended prompt")
        hook = []
        for k in range(a.runs):
            with open(small, "a") as f:
                f.write(prompt(k))
            payload = json.dumps({"session_id": "bench-session",
                                  "transcript_path": small, "cwd": ws2,
                                  "hook_event_name": "UserPromptSubmit",
                                  "prompt": "one more thing"}).encode()
            hook.append(run(mic, ["agent", "hook", "claude-code"], ws2,
                            stdin=payload)[0])
        if os.path.exists(os.path.join(ws2, ".mic", "agent.log")):
            sys.exit("import: the hook failed: see its agent.log")
        mb = size / 2**20
        print("## mic session import of a %.0f MiB Claude Code transcript"
              % mb)
        print()
        print("| figure | value |")
        print("| --- | --- |")
        print("| first import, wall | %.2f s |" % wall)
        print("| first import, throughput | %.1f MB/s |" % (mb / wall))
        print("| first import, CPU (user + sys) | %.2f s |" % cpu)
        print("| first import, peak RSS | %.1f MiB |" % (rss / 1024))
        print("| import of the unchanged file, median of %d | %.3f s |"
              % (a.runs, median(again)))
        print("| `mic agent hook claude-code` after one appended prompt,"
              " %d MiB file, median of %d | %.1f ms |"
              % (a.small, a.runs, median(hook) * 1e3))
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"size": size, "first": {"wall": wall, "cpu": cpu,
                           "rss_kib": rss}, "again": again, "hook": hook},
                          f, indent=1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
