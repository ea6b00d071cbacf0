// SPDX-License-Identifier: MIT
// nqueens.cpp -- C++ reference for bench/rc/nqueens: all solutions as lists sharing their tails; memory is never freed.
#include <cstdio>
#include <cstdlib>

struct Queens { int head; const Queens* tail; };            // one solution, newest queen first
struct Sols { const Queens* head; const Sols* tail; };       // a list of solutions

static bool safe(int queen, int diag, const Queens* xs) {
  for (; xs != nullptr; xs = xs->tail, diag++) {
    int q = xs->head;
    if (queen == q || queen == q + diag || queen == q - diag) return false;
  }
  return true;
}

// every safe extension of each solution in xss, prepended to acc
static const Sols* extend(int n, const Sols* acc, const Sols* xss) {
  for (; xss != nullptr; xss = xss->tail) {
    const Queens* xs = xss->head;
    for (int q = n; q > 0; q--) {
      if (safe(q, 1, xs)) acc = new Sols{ new Queens{ q, xs }, acc };
    }
  }
  return acc;
}

int main(int argc, char** argv) {
  int n = (argc > 1 ? std::atoi(argv[1]) : 13);
  const Sols* xss = new Sols{ nullptr, nullptr };           // [[]]
  for (int i = 1; i <= n; i++) xss = extend(n, nullptr, xss);
  long count = 0;
  for (const Sols* l = xss; l != nullptr; l = l->tail) count++;
  std::printf("%ld\n", count);
  return 0;
}
