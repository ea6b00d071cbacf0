#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# make-corpus.py -- writes the seed corpus of fuzz_alloc (tests/fuzz/corpus/): small programs in the harness's op encoding.
"""Usage: make-corpus.py [OUTDIR]   (default: the corpus/ directory beside this script)

Every file is a program for fuzz_alloc.c: byte 0 picks the number of
threads, then each op is a header byte (op | worker << 5) and its operands,
in the order decode_op() reads them.  The programs are deterministic, so
the corpus is reproducible; regenerate it after changing the encoding.
"""
import os
import random
import sys

OPS = ["MALLOC", "CALLOC", "ZALLOC", "HEAP_ALLOC", "ALIGNED", "REALLOC", "REZALLOC",
       "FREE", "FREE2", "USABLE", "HEAP_NEW", "HEAP_DELETE", "HEAP_DESTROY", "SET_DEFAULT",
       "COLLECT", "MOVE", "CHECK", "BURST", "RESTART", "INVALID", "MALLOC2"]
OP = {name: i for i, name in enumerate(OPS)}
BURST_KINDS = ["MALLOC", "HEAP_ALLOC", "REALLOC", "FREE", "USABLE", "COLLECT", "ALIGNED", "FREE2"]


def u16(v):
    return bytes([v & 0xFF, (v >> 8) & 0xFF])


# ---- operand encoders (mirror rd_size / rd_align) -------------------------
def size(n):
    """Encodes a byte count: exactly where a size class reaches it, else rounded down."""
    if n < 256:
        return bytes([0]) + u16(n)
    if n < 8192:
        return bytes([9]) + u16(n)
    if n % 16 == 0 and n // 16 < 65536:
        return bytes([13]) + u16(n // 16)
    if n % 256 < 16 and n // 256 < 16384:
        return bytes([14 | ((n % 256) << 4)]) + u16(n // 256)
    huge = 16 << 20
    if n >= huge and (n - huge) % 64 == 0 and (n - huge) // 64 < 65536:
        return bytes([0xFF]) + u16((n - huge) // 64)
    if n < (1 << 20):
        return bytes([13]) + u16(n // 16)           # n rounded down to 16
    if n < (4 << 20):
        return bytes([14]) + u16(n // 256)          # n rounded down to 256
    raise ValueError("size %d has no encoding" % n)


def size_boundary(x, delta):
    """mi_good_size(x) - 1 + delta, delta in 0..2."""
    return bytes([11 | (delta << 6)]) + u16(x)


def size_pow2(k, plus=1):
    """2^k - 1 + plus, plus in 0..3."""
    return bytes([12 | (plus << 6)]) + u16(k)


def align(shift):
    if shift < 23:
        return bytes([shift])
    return bytes([0xE0 | (24 + shift - 23)])   # 24..27 -> shifts 23..26


def heap(i):
    """-1: the backing heap, 0..2: the worker's first-class heaps."""
    return bytes([i + 1])


# ---- ops ------------------------------------------------------------------
def hdr(op, worker):
    return bytes([OP[op] | (worker << 5)])


def malloc(w, slot, sz, variant=0, op="MALLOC"):
    return hdr(op, w) + bytes([slot, variant]) + (sz if isinstance(sz, bytes) else size(sz))


def calloc(w, slot, count, sz, variant=0):
    return hdr("CALLOC", w) + bytes([slot, count, variant]) + size(sz)


def heap_alloc(w, slot, variant, h, sz, count=1, ashift=4, offset=0):
    return (hdr("HEAP_ALLOC", w) + bytes([slot, variant]) + heap(h) + (sz if isinstance(sz, bytes) else size(sz))
            + bytes([count - 1]) + align(ashift) + u16(offset))


def aligned(w, slot, variant, sz, ashift, offset=0, count=1):
    return hdr("ALIGNED", w) + bytes([slot, variant]) + size(sz) + align(ashift) + u16(offset) + bytes([count - 1])


def realloc(w, slot, sz, variant=0, h=-1, ashift=4, offset=0, count=1, zero=False):
    return (hdr("REZALLOC" if zero else "REALLOC", w) + bytes([slot, variant]) + heap(h)
            + (sz if isinstance(sz, bytes) else size(sz)) + align(ashift) + u16(offset) + bytes([count - 1]))


def free(w, slot, variant=0, op="FREE"):
    return hdr(op, w) + bytes([slot, variant])


def heap_op(op, w, h):
    return hdr(op, w) + heap(h)


def collect(w, variant, h=-1, force=False):
    return hdr("COLLECT", w) + bytes([(variant % 3) | (0x80 if force else 0)]) + heap(h)


def move(src, dst):
    return hdr("MOVE", 0) + bytes([src, dst])


def check():
    return hdr("CHECK", 0)


def restart(w):
    return hdr("RESTART", w)


def invalid(w, slot, variant, k):
    return hdr("INVALID", w) + bytes([slot, variant]) + u16(k)


def burst(nthreads, streams):
    """streams[t] is worker t's op bytes; each is padded to the burst span."""
    count = max(1, max((len(s) + 9) // 10 for s in streams))
    count = min(count, 12)
    span = count * 10
    out = hdr("BURST", 0) + bytes([count - 1])
    for t in range(nthreads):
        s = streams[t] if t < len(streams) else b""
        out += (s + bytes(span))[:span]
    return out


def burst_op(kind, slot, variant=0, sz=64, h=-1):
    k = BURST_KINDS.index(kind)
    if kind in ("MALLOC",):
        return bytes([k]) + bytes([slot, variant]) + size(sz)
    if kind == "HEAP_ALLOC":
        return bytes([k]) + bytes([slot, variant]) + heap(h) + size(sz) + bytes([0]) + align(4) + u16(0)
    if kind == "REALLOC":
        return bytes([k]) + bytes([slot, variant]) + heap(h) + size(sz) + align(4) + u16(0) + bytes([0])
    if kind in ("FREE", "USABLE", "FREE2"):
        return bytes([k]) + bytes([slot, variant])
    if kind == "COLLECT":
        return bytes([k]) + bytes([variant]) + heap(h)
    raise ValueError(kind)


def threads(n):
    return bytes([n - 2])


# ---- the programs -----------------------------------------------------------
def programs():
    P = {}
    P["malloc-classes"] = threads(2) + b"".join(
        malloc(i % 2, i, n, variant=i % 5) for i, n in enumerate([0, 1, 8, 15, 16, 17, 100, 1024, 1025, 8191, 8192, 8193])) + check()
    P["malloc-boundaries"] = threads(2) + b"".join(
        malloc(0, i, size_boundary(x, i % 3)) for i, x in enumerate([16, 48, 128, 1000, 4096, 8200, 40000, 65000])) + check()
    P["malloc-pow2"] = threads(3) + b"".join(malloc(i % 3, i, size_pow2(k, i % 4)) for i, k in enumerate(range(3, 23)))
    P["malloc-medium-large"] = threads(2) + b"".join(
        malloc(i % 2, i, n) for i, n in enumerate([70000, 131072, 500000, 1 << 20, (2 << 20) + 3, (4 << 20) - 256])) + check()
    P["huge"] = threads(2) + malloc(0, 1, 16 << 20) + malloc(1, 2, (16 << 20) + 64 * 1000) + check() + free(1, 1) + free(0, 2)
    P["huge-realloc"] = threads(2) + malloc(0, 3, 1 << 20) + realloc(0, 3, 16 << 20) + realloc(1, 3, (16 << 20) + 6400) + realloc(0, 3, 100)
    P["calloc"] = threads(2) + b"".join(calloc(i % 2, i, c, n, variant=i % 3) for i, (c, n) in enumerate([(1, 0), (3, 7), (10, 100), (63, 4000), (2, 8190)]))
    P["zalloc"] = threads(2) + b"".join(malloc(0, i, n, variant=v, op="ZALLOC") for i, (v, n) in enumerate([(0, 1), (1, 500), (2, 1024), (3 | 8, 3000), (4 | 16, 70000)]))
    P["posix-names"] = threads(2) + b"".join(malloc(i % 2, i, n, variant=v, op="MALLOC2") for i, (v, n) in enumerate([(0, 10), (1 | 8, 100), (2 | 16, 3000), (3, 5000), (4, 1), (5, 64), (0 | 72, 200)]))
    P["aligned"] = threads(2) + b"".join(aligned(i % 2, i, v, n, s) for i, (v, n, s) in enumerate(
        [(0, 10, 5), (0, 100, 8), (2, 4000, 12), (4, 300, 7), (6, 1, 16), (7, 64, 6), (0, 70000, 17), (0, 200, 20)])) + check()
    P["aligned-at"] = threads(2) + b"".join(aligned(i % 2, i, v, n, s, off) for i, (v, n, s, off) in enumerate(
        [(1, 10, 5, 8), (1, 100, 8, 3), (3, 4000, 12, 100), (5, 30, 7, 1), (1, 1000, 16, 4095), (3, 64, 4, 8)])) + check()
    P["aligned-huge"] = threads(2) + aligned(0, 0, 0, 1000, 24) + aligned(1, 1, 0, 100000, 25) + aligned(0, 2, 0, 64, 26) + check()
    P["aligned-size0"] = threads(2) + aligned(0, 0, 0, 0, 25) + aligned(1, 1, 0, 0, 24) + aligned(0, 2, 2, 0, 26)
    P["realloc-grow"] = threads(2) + malloc(0, 5, 10) + b"".join(realloc(i % 2, 5, n, variant=i % 11) for i, n in enumerate(
        [20, 100, 1000, 9000, 70000, 300000, 2 << 20]))
    P["realloc-shrink"] = threads(2) + malloc(1, 6, (4 << 20) - 256) + b"".join(realloc(0, 6, n, variant=i % 11) for i, n in enumerate(
        [3 << 20, 1 << 20, 70000, 9000, 1000, 10, 0]))
    # an interior pointer from an _at allocation, then aligned reallocs with small alignments
    P["realloc-aligned-interior"] = threads(2) + b"".join(
        aligned(0, 20 + k, 1, 97, k + 1, 1) + realloc(k % 2, 20 + k, 90, variant=5, ashift=k + 1) for k in range(4)) + check()
    P["realloc-null"] = threads(2) + realloc(0, 7, 100) + realloc(1, 8, 0) + realloc(0, 7, 0)
    P["realloc-aligned"] = threads(2) + malloc(0, 9, 100) + realloc(0, 9, 300, variant=5, ashift=9) + realloc(1, 9, 5000, variant=6, ashift=12, offset=16) + realloc(0, 9, 50, variant=8, ashift=6, offset=8)
    P["rezalloc"] = threads(2) + malloc(0, 10, 16, op="ZALLOC") + b"".join(realloc(i % 2, 10, n, variant=i % 9, zero=True, ashift=5 + i % 4, offset=i * 8) for i, n in enumerate(
        [40, 400, 4000, 40000, 20, 400000, 8]))
    P["heaps"] = threads(2) + heap_op("HEAP_NEW", 0, 0) + heap_op("HEAP_NEW", 0, 1) + heap_alloc(0, 11, 0, 0, 100) + heap_alloc(0, 12, 1, 1, 2000) + heap_alloc(0, 13, 5, 0, 300, ashift=10) + heap_alloc(0, 14, 6, 1, 64, ashift=8, offset=24) + check() + heap_op("HEAP_DELETE", 0, 0) + check() + heap_op("HEAP_DESTROY", 0, 1) + check()
    P["heap-variants"] = threads(2) + heap_op("HEAP_NEW", 1, 2) + b"".join(heap_alloc(1, 20 + v, v, 2, 500 + v * 37, count=1 + v % 4, ashift=4 + v, offset=v * 8) for v in range(11)) + check() + heap_op("HEAP_DESTROY", 1, 2)
    P["heap-default"] = threads(2) + heap_op("HEAP_NEW", 0, 0) + heap_op("SET_DEFAULT", 0, 0) + malloc(0, 30, 100) + malloc(0, 31, 70000) + heap_op("SET_DEFAULT", 0, -1) + malloc(0, 32, 50) + heap_op("SET_DEFAULT", 0, 0) + heap_op("HEAP_DESTROY", 0, 0) + malloc(0, 33, 10) + check()
    P["heap-delete-default"] = threads(2) + heap_op("HEAP_NEW", 1, 1) + heap_op("SET_DEFAULT", 1, 1) + malloc(1, 34, 1000) + heap_op("HEAP_DELETE", 1, 1) + free(0, 34) + check()
    P["heap-realloc-across"] = threads(2) + heap_op("HEAP_NEW", 0, 0) + heap_op("HEAP_NEW", 0, 1) + heap_alloc(0, 40, 0, 0, 100) + realloc(0, 40, 5000, variant=1, h=1) + realloc(1, 40, 50000) + heap_op("HEAP_DESTROY", 0, 1) + check()
    P["cross-thread-free"] = threads(4) + b"".join(malloc(i % 4, i, 64 + 300 * i) for i in range(16)) + b"".join(free((i + 1) % 4, i, variant=i) for i in range(16)) + collect(0, 0) + collect(1, 1, force=True)
    P["free-runs"] = threads(3) + b"".join(malloc(0, i, 48) for i in range(0, 60, 3)) + free(1, 0, variant=7, op="FREE2") + free(2, 24, variant=5, op="FREE2") + collect(0, 0, force=True)
    P["usable"] = threads(2) + malloc(0, 50, 100) + aligned(0, 51, 1, 100, 6, 8) + free(1, 50, 1, op="USABLE") + free(1, 51, 0, op="USABLE") + free(0, 50, 3, op="USABLE")
    P["collect"] = threads(2) + malloc(0, 52, 100) + free(1, 52) + collect(0, 0) + collect(0, 1, force=True) + collect(0, 2) + collect(1, 0, force=True)
    P["move"] = threads(2) + malloc(0, 60, 100) + move(60, 61) + free(1, 61) + malloc(1, 62, 200) + move(62, 60) + check()
    P["restart"] = threads(3) + heap_op("HEAP_NEW", 1, 0) + heap_alloc(1, 70, 0, 0, 100) + malloc(1, 71, 9000) + malloc(1, 72, 300000) + restart(1) + check() + free(0, 70) + collect(2, 0, force=True) + free(2, 71) + malloc(1, 73, 10) + check()
    P["restart-reclaim"] = threads(2) + b"".join(malloc(0, i, 100 + i) for i in range(80, 100)) + restart(0) + collect(1, 0, force=True) + b"".join(free(1, i) for i in range(80, 100, 2)) + check()
    P["invalid"] = threads(2) + malloc(0, 0, 100) + b"".join(invalid(v % 2, 0, v, 1000 + v) for v in range(10)) + check()
    P["burst"] = threads(2) + burst(2, [burst_op("MALLOC", 0, sz=100) + burst_op("MALLOC", 2, sz=5000) + burst_op("FREE", 0),
                                        burst_op("MALLOC", 1, sz=200) + burst_op("REALLOC", 1, sz=2000) + burst_op("USABLE", 1)]) + check()
    P["burst-cross"] = threads(3) + b"".join(malloc(0, i, 128) for i in range(0, 30)) + burst(3, [
        b"".join(burst_op("FREE", i) for i in range(0, 12, 3)),
        b"".join(burst_op("FREE", i) for i in range(1, 12, 3)),
        b"".join(burst_op("MALLOC", i, sz=64) for i in range(30, 42, 3))]) + check()
    P["burst-heaps"] = threads(4) + b"".join(heap_op("HEAP_NEW", t, 0) for t in range(4)) + burst(4, [
        burst_op("HEAP_ALLOC", 4 * i + t, h=0, sz=300 * (i + 1)) + burst_op("COLLECT", 0, variant=1 | 0x80, h=0) for t in range(4) for i in range(1)]) + check()
    rnd = random.Random(20240601)
    for k in range(12):
        n = 2 + k % 3
        body = bytearray(threads(n))
        for _ in range(40 + k * 10):
            body += bytes([rnd.randrange(256) for _ in range(rnd.choice([3, 5, 8, 11]))])
        P["random-%02d" % k] = bytes(body)
    return P


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    progs = programs()
    for name, data in sorted(progs.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("make-corpus.py: wrote %d inputs to %s" % (len(progs), out))


if __name__ == "__main__":
    main()
