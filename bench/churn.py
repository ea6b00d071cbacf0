# SPDX-License-Identifier: MIT
"""Python workload for bench/run: builds and drops large dicts, lists and strings, checks its own sums.

usage: python3 churn.py ROUNDS [N]

Each round builds a dict of N string keys, a list of N small lists, a
string of about 7*N characters joined from N parts and split again, a
word-count dict over the parts, and a sorted copy of a list, then drops
them all. The totals are compared with closed forms computed without
building anything, so a corrupting allocator cannot pass.
"""
import sys


def digits_total(n):
    """Sum of len(str(i)) for 0 <= i < n."""
    total, lo, d = 0, 0, 1
    while lo < n:
        hi = min(n, 10 ** d)
        total += (hi - lo) * d
        lo, d = hi, d + 1
    return total


def mod_sum(n, m):
    """Sum of i % m for 0 <= i < n."""
    q, r = divmod(n, m)
    return q * (m * (m - 1) // 2) + r * (r - 1) // 2


def one_round(r, n):
    d = {"key-%d-%d" % (r, i): i * 3 for i in range(n)}
    lst = [[i, i + 1, "x" * (i % 64)] for i in range(n)]
    big = ",".join([str(i) for i in range(n)])
    parts = big.split(",")
    words = {}
    for s in parts:
        words[s[-2:]] = words.get(s[-2:], 0) + 1
    rev = sorted(parts, key=lambda s: s[::-1])
    upper = big.replace("1", "one")
    got = (sum(d.values()) + sum(len(x[2]) + x[1] - x[0] for x in lst) + len(big)
           + sum(words.values()) + len(rev) + len(upper) - len(big))
    del d, lst, big, parts, words, rev, upper
    return got


def expected_round(n):
    ones = count_ones(n)
    return (3 * n * (n - 1) // 2 + mod_sum(n, 64) + n + (digits_total(n) + n - 1)
            + n + n + 2 * ones)


def count_ones(n):
    """Number of '1' digits in str(i) for 0 <= i < n, by digit position."""
    total, p = 0, 1
    while p <= n:
        high, cur, low = n // (p * 10), (n // p) % 10, n % p
        total += high * p
        if cur > 1:
            total += p
        elif cur == 1:
            total += low
        p *= 10
    return total


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300000
    got = want = 0
    for r in range(rounds):
        got += one_round(r, n)
        want += expected_round(n)
    if got != want:
        print("RESULT FAIL python checksum %d != expected %d" % (got, want))
        sys.exit(3)
    print("RESULT ok python rounds=%d n=%d checksum=%d" % (rounds, n, got))


if __name__ == "__main__":
    main()
