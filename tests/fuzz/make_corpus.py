#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets into tests/fuzz/corpus/.

    tests/fuzz/make_corpus.py [--store WS/.mic/objects]

Seeds are small, meaningful inputs in each target's input format (see the
comment at the top of each fuzz_<target>.c). With --store, objects and
trees of a real store are added too (real-*). Existing seeds of the same
name are overwritten; others (such as crash-* reproducers) are kept.
"""
import hashlib
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def obj(kind, content):
    return b"%s %d\0" % (kind, len(content)) + content


def oid(data):
    return hashlib.sha256(data).digest()


def tree(entries):
    """entries: (mode, name, object bytes) in git's order."""
    return b"".join(b"%s %s\0" % (m, n) + oid(o) for m, n, o in entries)


HELLO = obj(b"blob", b"hello\n")
SCRIPT = obj(b"blob", b"#!/bin/sh\necho hi\n")
SUB = tree([(b"100644", b"a", obj(b"blob", b"x")),
            (b"100644", b"a-b", obj(b"blob", b"y"))])
TREE = tree([(b"100644", b"README", HELLO),
             (b"120000", b"link", obj(b"blob", b"src/cart.py")),
             (b"100755", b"run.sh", SCRIPT),
             (b"40000", b"src", obj(b"tree", SUB))])
# "lib-x" (file) sorts before "lib" (folder), as "lib/"
ORDER = tree([(b"100644", b"lib-x", HELLO),
              (b"40000", b"lib", obj(b"tree", SUB)),
              (b"100644", b"lib0", HELLO)])


def object_seeds():
    # mode byte: bit 0 deflate here, bit 1 right id, bits 2-4 chunk,
    # bit 5 verify instead of streaming, bits 6-7 level
    z = zlib.compress
    put("object", "raw-blob", b"\x02" + z(HELLO))
    put("object", "raw-blob-fixed-id", b"\x00" + z(HELLO))
    put("object", "raw-blob-stored", b"\x26" + z(HELLO, 0))
    put("object", "raw-blob-trailing-garbage", b"\x02" + z(HELLO) + b"junk")
    put("object", "raw-blob-truncated", b"\x02" + z(HELLO)[:-3])
    put("object", "raw-tree", b"\x0a" + z(obj(b"tree", TREE), 9))
    put("object", "raw-empty-blob", b"\x02" + z(obj(b"blob", b"")))
    put("object", "raw-not-zlib", b"\x02blob 6\0hello\n")
    put("object", "plain-blob", b"\x03" + HELLO)
    put("object", "plain-blob-chunk1", b"\x03" + SCRIPT)
    put("object", "plain-tree", b"\x43" + obj(b"tree", TREE))
    put("object", "plain-empty-tree", b"\x23" + obj(b"tree", b""))
    put("object", "plain-longer", b"\x03blob 5\0hello\n")
    put("object", "plain-shorter", b"\x03blob 10\0short")
    put("object", "plain-leading-zero", b"\x03blob 06\0hello\n")
    put("object", "plain-bad-type", b"\x03blub 6\0hello\n")
    put("object", "plain-no-nul", b"\x03blob 6")
    put("object", "plain-huge-size", b"\x03blob 99999999999999999999\0")
    put("object", "plain-big-size", b"\x03tree 268435455\0")
    put("object", "plain-commit", b"\xc3commit 0\0")


def tree_seeds():
    put("tree", "empty", b"")
    put("tree", "one-file", tree([(b"100644", b"a", HELLO)]))
    put("tree", "modes", TREE)
    put("tree", "order-dash-slash", ORDER)
    put("tree", "sub", SUB)
    put("tree", "bad-mode", b"100664 a\0" + oid(HELLO))
    put("tree", "bad-leading-zero-mode", b"040000 d\0" + oid(HELLO))
    put("tree", "bad-unsorted", tree([(b"100644", b"b", HELLO),
                                      (b"100644", b"a", HELLO)]))
    put("tree", "bad-dotdot", tree([(b"40000", b"..", HELLO)]))
    put("tree", "bad-short-id", b"100644 a\0" + oid(HELLO)[:20])


def ignore_seeds():
    rules = (b"# build output\n*.o\n*.py[co]\nbuild/\n!keep.o\n/doc/*.txt\n"
             b"**/tmp\nfoo/**\na/**/b\n\\#literal\n\\!bang\ntrail\\ \n"
             b"[[:alpha:]]x[!0-9]\n")
    paths = [b"a.o", b"src/x/keep.o", b"build", b"doc/a.txt",
             b"doc/sub/a.txt", b"x/tmp", b"foo/a/b", b"a/x/y/b",
             b"#literal", b"!bang", b"trail ", b"zxq", b"m.pyc"]
    put("ignore", "typical", rules + b"\0" + b"\0".join(paths))
    put("ignore", "gitignore-c", b"*.[oa]\n*.so\n/config.h\n.deps/\n"
        b"!/.gitignore\n")
    put("ignore", "bom-crlf", b"\xef\xbb\xbf*.log\r\n/out/\r\n \r\n"
        b"# c\r\n\0app.log\0out\0x/out")
    put("ignore", "negation-order", b"*\n!*.c\n!dir/\nsecret.c\n\0"
        b"a.c\0b.h\0dir\0secret.c\0dir/secret.c")
    put("ignore", "hostile-stars", b"**/**/**/**/**/**/**/**/a*b*c*d*e*f\n"
        b"*a*a*a*a*a*a*a*a*a*a*b\n\0" + b"a/" * 40 + b"a" * 60 + b"c")
    put("ignore", "classes", b"[a-c]\n[!a-c]?\n[]]\n[\\]]x\n[[:digit:][:upper:]]*\n"
        b"[^x]y\n[a-]\n[[:bogus:]]\n[unterminated\n\0a\0d1\0]\0]x\0Z9\0ay\0-")
    put("ignore", "anchored", b"/a/b\na/b/\n/*.c\n*/x\n\0a/b\0x/a/b\0"
        b"s.c\0s/s.c\0q/x\0q/r/x")
    put("ignore", "no-paths", b"*.tmp\nbuild/\n!important.tmp\n")


def resolve_seeds():
    names = {
        "at1": b"@1", "at0": b"@0", "at3": b"@3", "at4": b"@4",
        "at-empty": b"@", "at-x": b"@x", "at-minus": b"@-1",
        "at-huge": b"@99999999999999999999", "at-leading-zero": b"@007",
        "prefix": b"abcd", "prefix-upper": b"ABCD", "prefix6": b"abcdef",
        "prefix-unique": b"abce", "short": b"abc",
        "full-id": b"abce1234567890abcdef1234567890ab",
        "too-long": b"abce1234567890abcdef1234567890ab0",
        "not-hex": b"abcz", "dotdot": b"../x", "up-and-back": b"sub/../..",
        "mic": b".mic", "mic-inside": b".mic/objects",
        "mic-sneaky": b"sub/dir/../../.mic/mic.db", "messy": b"a/./b//c/",
        "root": b"/", "abs-outside": b"/etc/passwd", "dot": b".",
        "empty": b"", "nul-cut": b"@2\0garbage",
    }
    for k, v in names.items():
        put("resolve", k, v)


def diff_seeds():
    # control byte: bits 0-1 context 3/0/1/7, bit 2 half-half, bit 3 fail
    a = b"".join(b"line %d\n" % i for i in range(1, 21))
    b = a.replace(b"line 5\n", b"line five\n").replace(b"line 15\n", b"")
    pairs = {
        "edit": (0, a, b),
        "edit-ctx0": (1, a, b),
        "edit-ctx1": (2, a, b),
        "edit-ctx7": (3, a, b),
        "insert-top": (0, a, b"new\n" + a),
        "delete-end": (0, a, a[:-8]),
        "no-eol-a": (0, b"x\ny", b"x\ny\n"),
        "no-eol-both": (0, b"x\ny", b"x\nz"),
        "crlf": (0, b"a\r\nb\r\n", b"a\nb\r\n"),
        "empty-a": (0, b"", b"one\ntwo\n"),
        "empty-b": (0, b"one\ntwo\n", b""),
        "equal": (0, a, a),
        "repeats": (0, b"a\nb\na\nb\na\n", b"b\na\nb\na\nb\n"),
        "moved-block": (0, b"1\n2\n3\n4\n5\n6\n", b"4\n5\n6\n1\n2\n3\n"),
        "blank-lines": (0, b"\n\n\nx\n\n\n", b"\n\nx\n\n\n\n"),
        "emit-fails": (8, a, b),
    }
    for k, (ctl, x, y) in pairs.items():
        put("diff", k, bytes([ctl]) + x + b"\0" + y)
    put("diff", "half-half", b"\x04abc\ndef\nabd\ndef\n")
    put("diff", "nul-in-b", b"\x00a\nb\n\0a\n\0b\n")


def cache(position, root, rows, count=None, version=2):
    """The stat cache file (store/cache.c) without its checksum, which
    fuzz_cache appends (see seal()). rows: (path, mode, racy, blob bytes,
    size, mtime_ns, ctime_ns, ino) in strictly increasing order."""
    out = b"MICC" + struct.pack("<Iq", version, position) + root
    out += struct.pack("<Q", len(rows) if count is None else count)
    for path, mode, racy, blob, size, mtime, ctime, ino in rows:
        out += struct.pack("<IIB", len(path), mode, racy) + oid(blob)
        out += struct.pack("<qqqq", size, mtime, ctime, ino) + path + b"\0"
    return out


def seal(image):
    """The cache file with its checksum: SHA-256 of rows, then header."""
    return image + hashlib.sha256(image[56:] + image[:56]).digest()


def cache_seeds():
    root = oid(obj(b"tree", TREE))
    t = 1700000000 * 10**9
    one = [(b"README", 0o100644, 0, HELLO, 6, t, t, 1234)]
    rows = [(b"README", 0o100644, 0, HELLO, 6, t, t + 1, 11),
            (b"link", 0o120000, 0, obj(b"blob", b"src/cart.py"), 11, t, t, 12),
            (b"run.sh", 0o100755, 1, SCRIPT, 18, t + 5, t + 5, 13),
            (b"src/a", 0o100644, 1, obj(b"blob", b"x"), 1, t, t, 14),
            (b"src/a-b", 0o100644, 0, obj(b"blob", b"y"), 1, t, t, 15)]
    # bytewise, after "a": "\n" < " " < "-" < "/" < "0"; bytes >= 0x80 last
    odd = [(b"\x01", 0o100644, 0, HELLO, 0, 0, 0, 0),
           (b"a\nb", 0o100644, 0, HELLO, 6, -1, -1, -1),
           (b"a b/c", 0o100755, 1, HELLO, 6, 2**63 - 1, 2**63 - 1, 2**63 - 1),
           (b"a-b", 0o120000, 0, HELLO, 6, -2**63, -2**63, -2**63),
           (b"a/b", 0o100644, 0, HELLO, 6, t, t, 1),
           (b"a0", 0o100644, 0, HELLO, 6, t, t, 2),
           (b"caf\xc3\xa9", 0o100644, 0, HELLO, 6, t, t, 3),
           (b"z\x80", 0o100644, 0, HELLO, 6, t, t, 4),
           (b"\xff" * 40, 0o100644, 1, HELLO, 6, t, t, 5)]
    links = [(b"dangling", 0o120000, 0, obj(b"blob", b"nowhere"), 7, t, t, 1),
             (b"to-dir", 0o120000, 1, obj(b"blob", b"../up"), 5, t, t, 2)]
    put("cache", "empty", cache(0, bytes(32), []))
    put("cache", "empty-at-3", cache(3, root, []))
    put("cache", "empty-tree-at-2", cache(2, bytes(32), []))
    put("cache", "one-row", cache(1, root, one))
    put("cache", "rows", cache(7, root, rows))
    put("cache", "odd-paths", cache(2**40, root, odd))
    put("cache", "symlinks", cache(1, root, links))
    good = cache(7, root, rows)
    put("cache", "bad-magic", b"MICX" + good[4:])
    put("cache", "bad-version", good[:4] + b"\x03" + good[5:])
    put("cache", "old-version-1", cache(7, root, rows, version=1))
    put("cache", "sealed-rows", seal(good))
    put("cache", "bad-count", cache(7, root, rows, count=6))
    put("cache", "bad-trailing", good + b"\0")
    put("cache", "bad-truncated", good[:-3])
    put("cache", "bad-short-header", good[:55])
    put("cache", "bad-order", cache(1, root, rows[1:2] + rows[0:1]))
    put("cache", "bad-duplicate", cache(1, root, rows[0:1] * 2))
    put("cache", "bad-mode", cache(1, root, [(b"d", 0o40000, 0, HELLO, 0,
                                              0, 0, 0)]))
    put("cache", "bad-racy", cache(1, root, [(b"f", 0o100644, 2, HELLO, 0,
                                              0, 0, 0)]))
    put("cache", "bad-empty-path", cache(1, root, [(b"", 0o100644, 0, HELLO,
                                                    0, 0, 0, 0)] + one))
    put("cache", "bad-nul-in-path", cache(1, root, [(b"a\0b", 0o100644, 0,
                                                     HELLO, 0, 0, 0, 0)]))
    put("cache", "bad-position", cache(-1, root, []))


def jsonl_seeds():
    # transcript-shaped lines, as coding agents write them
    claude = (b'{"type":"user","uuid":"u1","sessionId":"s","timestamp":'
              b'"2026-01-02T03:04:05.678Z","message":{"role":"user",'
              b'"content":"fix the \\"parser\\" crash\\n"}}\n'
              b'{"type":"assistant","uuid":"a1","message":{"id":"msg_1",'
              b'"role":"assistant","content":[{"type":"tool_use","id":"t1",'
              b'"name":"Edit","input":{"file_path":"src/a.c"}}]}}\n')
    codex = (b'{"timestamp":"2026-01-02T03:04:05Z","type":"response_item",'
             b'"payload":{"type":"function_call","name":"shell",'
             b'"arguments":"{\\"command\\":[\\"ls\\"]}",'
             b'"call_id":"c1"}}\n')
    put("jsonl", "claude", claude)
    put("jsonl", "codex", codex)
    put("jsonl", "two-on-a-line", b'{"a":1}{"b":[true,false,null]}\n')
    put("jsonl", "no-final-newline", b'{"a":-1.5e+3}\n{"b":"c"}')
    put("jsonl", "truncated", b'{"a":1}\n{"b":"c')
    put("jsonl", "escapes", b'["\\u00e9\\ud83d\\ude00\\ud800x\\t\\/"]\n')
    put("jsonl", "not-json", b"not json\n")
    put("jsonl", "deep", b"[" * 300)


def store_seeds(objdir):
    n = 0
    for sub in sorted(os.listdir(objdir)):
        d = os.path.join(objdir, sub)
        if len(sub) != 2 or not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            raw = open(os.path.join(d, f), "rb").read()
            data = zlib.decompress(raw)
            put("object", "real-" + sub + f[:6], b"\x02" + raw)
            if data.startswith(b"tree "):
                put("tree", "real-" + sub + f[:6],
                    data[data.index(b"\0") + 1:])
            n += 1
    return n


def main():
    object_seeds()
    tree_seeds()
    ignore_seeds()
    resolve_seeds()
    diff_seeds()
    cache_seeds()
    jsonl_seeds()
    if len(sys.argv) == 3 and sys.argv[1] == "--store":
        print("%d objects from %s" % (store_seeds(sys.argv[2]), sys.argv[2]))
    elif len(sys.argv) != 1:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
