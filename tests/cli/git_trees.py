#!/usr/bin/env python3
"""git_trees.py GIT_DIR [REV] - the tree of each first-parent commit up to
REV (default HEAD), oldest first, one line each, as git's SHA-256 tree id:
what mic records as the root of the session imported from that commit
(mic's object ids are git's SHA-256 ids). Each tree is rebuilt without
its submodule entries, as mic leaves them out; for a SHA-1 repository
the blobs are hashed again and the trees get SHA-256 ids, so the test
needs no SHA-256 copy of the history."""
import hashlib
import subprocess
import sys


def main():
    git_dir = sys.argv[1]
    rev = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    git = ["git", "--git-dir=" + git_dir]
    fmt = subprocess.run(git + ["rev-parse", "--show-object-format"],
                         capture_output=True, check=True).stdout.strip()
    commits = subprocess.run(
        git + ["log", "--first-parent", "--reverse", "--format=%T", rev],
        capture_output=True, check=True).stdout.split()
    raw = 32 if fmt == b"sha256" else 20
    cat = subprocess.Popen(git + ["cat-file", "--batch"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    memo = {}

    def read(oid):
        cat.stdin.write(oid + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        return data

    def obj(kind, data):
        return hashlib.sha256(kind + b" %d\0" % len(data) + data).digest()

    def tree(oid):
        """SHA-256 id of SHA-1 tree oid (hex), or None when empty."""
        if oid in memo:
            return memo[oid]
        data, out, i = read(oid), b"", 0
        while i < len(data):
            sp = data.index(b" ", i)
            nul = data.index(b"\0", sp)
            mode, name = data[i:sp], data[sp + 1:nul]
            sub = data[nul + 1:nul + 1 + raw].hex().encode()
            i = nul + 1 + raw
            if mode == b"160000":
                continue
            if mode == b"40000":
                h = tree(sub)
                if h is None:
                    continue
            elif raw == 32:
                h = bytes.fromhex(sub.decode())  # already mic's id
            else:
                key = b"blob " + sub
                if key not in memo:
                    memo[key] = obj(b"blob", read(sub))
                h = memo[key]
            out += mode + b" " + name + b"\0" + h
        memo[oid] = obj(b"tree", out) if out else None
        return memo[oid]

    for t in commits:
        h = tree(t)
        print(h.hex() if h else obj(b"tree", b"").hex())
    cat.stdin.close()
    cat.wait()


main()
