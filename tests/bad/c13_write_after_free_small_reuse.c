/* SPDX-License-Identifier: MIT */
/* c13_write_after_free_small_reuse.c -- C13: a write into a freed small block after other blocks of its size were handed out (S: seen when the block is reused or its page freed). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile char* p = x_malloc(48);
  CHECK(p != NULL, "malloc(48) failed");
  x_free((void*)p);
  /* reuse: blocks of the same size are handed out and stay live; if p
     itself comes back it is freed again, so p is a free block below */
  void* live[64];
  for (int i = 0; i < 64; i++) {
    live[i] = x_malloc(48);
    CHECK(live[i] != NULL, "malloc(48) failed");
    if (live[i] == (void*)p) { x_free(live[i]); live[i] = NULL; }
  }
  p[8] = 1;        /* write after free: the second word, behind the free-list link */
  for (int i = 0; i < 100000; i++) x_free(x_malloc(48));
  for (int i = 0; i < 64; i++) x_free(live[i]);
  not_caught();
  return 0;
}
