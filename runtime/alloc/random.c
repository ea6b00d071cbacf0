/* SPDX-License-Identifier: MIT
 * random.c -- small pseudo-random generator for keys, cookies and
 * randomised free lists: seeded from getrandom, one state per thread.
 */
#include "internal.h"

/* One step of splitmix64: used to expand a seed. */
static uint64_t splitmix(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void _mi_random_init(uint64_t rnd[2]) {
  uint64_t seed[2];
  if (!_mi_os_random_buf(seed, sizeof(seed))) {
    /* weak fallback: address space layout and time */
    seed[0] = (uint64_t)(uintptr_t)&seed ^ _mi_os_clock_now_ms();
    seed[1] = (uint64_t)(uintptr_t)&_mi_random_init ^ (uint64_t)_mi_thread_id();
  }
  uint64_t x = seed[0] ^ (seed[1] << 1);
  rnd[0] = splitmix(&x);
  rnd[1] = splitmix(&x);
  if ((rnd[0] | rnd[1]) == 0) rnd[1] = 1;
}

uintptr_t _mi_random_cookie(void) {
  uint64_t r[2];
  _mi_random_init(r);
  return (uintptr_t)_mi_random_next(r) | 1;
}
