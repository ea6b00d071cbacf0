// SPDX-License-Identifier: MIT
// rbtree.cpp -- C++ reference for bench/rc/rbtree: n inserts into a std::map (updated in place), count of true values.
#include <cstdio>
#include <cstdlib>
#include <map>

int main(int argc, char** argv) {
  long n = (argc > 1 ? std::atol(argv[1]) : 4200000);
  std::map<int, bool> m;
  for (long i = n; i > 0; i--) {
    int k = (int)(i - 1);
    m[k] = (k % 10 == 0);
  }
  long count = 0;
  for (const auto& kv : m) if (kv.second) count++;
  std::printf("%ld\n", count);
  return 0;
}
