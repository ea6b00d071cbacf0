# SPDX-License-Identifier: MIT
# override_py.py -- Python workload for override.sh: builds and drops large dicts, lists and strings; prints a checksum.
import gc
import hashlib
import subprocess
import sys
import threading


def dicts_and_lists(h, rnd):
    d = {}
    for i in range(150000):
        d["k%d-%d" % (i, rnd)] = [i, "v" * (i % 50), (i, rnd)]
    keys = sorted(d, key=lambda k: (len(k), k))
    h.update("".join(keys[::997]).encode())
    h.update(str(sum(len(v[1]) for v in d.values())).encode())
    for k in keys[::3]:
        del d[k]
    h.update(str(len(d)).encode())
    del d, keys


def strings_and_bytes(h):
    s = "".join(chr(65 + (i * 7) % 26) for i in range(1000000))
    h.update(s[::1000].encode())
    parts = [s[i:i + 100] for i in range(0, len(s), 100)]
    h.update(str(len(set(parts))).encode())
    ba = bytearray()
    for i in range(2000):
        ba += bytes([i % 256]) * 5000  # grows to 10 MB through realloc
    h.update(hashlib.sha256(ba).digest())
    del s, parts, ba


def threads(h):
    results = [0] * 4

    def work(t):
        acc = 0
        for _ in range(10):
            items = [str(i * (t + 1)) for i in range(20000)]
            acc += sum(len(x) for x in items)
        results[t] = acc

    ts = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    h.update(str(results).encode())


def main():
    h = hashlib.sha256()
    for rnd in range(3):
        dicts_and_lists(h, rnd)
        strings_and_bytes(h)
        gc.collect()
    threads(h)
    child = subprocess.run([sys.executable, "-c", "print(sum(x * x for x in range(100000)))"],
                           capture_output=True, check=True)
    h.update(child.stdout)
    print(h.hexdigest())


main()
