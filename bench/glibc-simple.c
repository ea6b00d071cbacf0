/* SPDX-License-Identifier: MIT */
/* glibc-style simple benchmark: tight single-thread malloc/free loops of small sizes and batch lengths. */

/*
 * usage: glibc-simple ITERATIONS
 *
 * For each block size in {16, 32, 64, 128, 256, 512} and each batch length
 * in {1, 25, 100, 400, 1600}: ITERATIONS/batch times, allocate `batch`
 * blocks, touch each, and free them in allocation order. Every (size,
 * batch) pair therefore does ITERATIONS malloc/free pairs; the loop is the
 * fast path of the allocator and little else.
 *
 * Self-check: the first byte of every block is written on allocation and
 * summed on free; the sum must equal the closed form.
 */
#include "bench.h"

static const size_t sizes[] = { 16, 32, 64, 128, 256, 512 };
static const long batches[] = { 1, 25, 100, 400, 1600 };

int main(int argc, char **argv)
{
  bench_name = "glibc-simple";
  long iterations = bench_arg(argc, argv, 1, 2000000);
  if (iterations < 1600) iterations = 1600;
  void **blk = (void **)bench_malloc(1600 * sizeof(void *));
  uint64_t sum = 0, want = 0, pairs = 0;
  for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
    for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
      long b = batches[bi];
      long reps = iterations / b;
      for (long r = 0; r < reps; r++) {
        for (long i = 0; i < b; i++) {
          unsigned char *p = (unsigned char *)malloc(sizes[si]);
          if (p == NULL) bench_fail("malloc(%zu) returned NULL", sizes[si]);
          p[0] = (unsigned char)i;
          p[sizes[si] - 1] = (unsigned char)r;
          blk[i] = p;
        }
        for (long i = 0; i < b; i++) {
          unsigned char *p = (unsigned char *)blk[i];
          sum += p[0];
          if (p[sizes[si] - 1] != (unsigned char)r) bench_fail("block %p overwritten while live", (void *)p);
          free(p);
        }
        pairs += (uint64_t)b;
      }
      /* closed form of the sum of (unsigned char)i over one batch, times reps */
      uint64_t per = 0;
      for (long i = 0; i < b; i++) per += (unsigned char)i;
      want += per * (uint64_t)reps;
    }
  }
  free(blk);
  if (sum != want) bench_fail("checksum %llu != %llu", (unsigned long long)sum, (unsigned long long)want);
  bench_ok("pairs=%llu checksum=%llu", (unsigned long long)pairs, (unsigned long long)sum);
  return 0;
}
