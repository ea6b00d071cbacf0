/* SPDX-License-Identifier: MIT */
/* b12_sized_free_mismatch.c -- B12: a sized free with a size from another size class frees the block normally in F (the size is ignored); S reports "sized free mismatch" at the first wrong size. */
#include "bad.h"

/* If the blocks were not freed, 100000 blocks of 1000 B would span ~100 MB;
   freed and reused they stay within a few pages. */
static void cycle(bad_free_sized_fn sized, size_t n, size_t wrong) {
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < 100000; i++) {
    char* p = x_malloc(n);
    CHECK(p != NULL, "malloc(%zu) failed", n);
    p[0] = 1;
    if ((uintptr_t)p < lo) lo = (uintptr_t)p;
    if ((uintptr_t)p > hi) hi = (uintptr_t)p;
    sized(p, wrong);
  }
  CHECK(hi - lo < ((uintptr_t)8 << 20), "blocks freed with size %zu (really %zu) were not reused: span %zu B", wrong, n, (size_t)(hi - lo));
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  bad_free_sized_fn sized = bad_free_sized();
  if (sized == NULL) {
    bad_say("no free_sized or mi_free_size in this process: nothing to test");
    return 0;
  }
  cycle(sized, 1000, 1000);   /* the right size works */
  cycle(sized, 1000, 16);
  cycle(sized, 1000, 60000);
  cycle(sized, 24, 4096);
  not_caught();
  return 0;
}
