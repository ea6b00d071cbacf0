/* SPDX-License-Identifier: MIT */
/* c07_guard_before_huge.c -- C7: a linear underflow from a 20 MiB block hits a guard page (S) before reaching its segment's metadata. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  /* blocks over 16 MiB get a segment of their own (32 MiB aligned): walking
     down from the block to the segment start crosses the segment's
     metadata, which the secure build fences with a guard page */
  const uintptr_t segment = (uintptr_t)32 << 20;
  unsigned char* p = x_malloc((size_t)20 << 20);
  CHECK(p != NULL, "malloc(20 MiB) failed");
  p[0] = 1;
  const uintptr_t base = (uintptr_t)p & ~(segment - 1);
  bad_say("block %p, %zu B above its 32 MiB boundary", (void*)p, (size_t)((uintptr_t)p - base));
  /* one byte in every 4 KiB page below p, down to the boundary; XOR twice
     so a tolerant build keeps its metadata intact */
  for (uintptr_t a = (uintptr_t)p - 1; a >= base; a = (a & ~(uintptr_t)4095) - 1) {
    volatile unsigned char* b = (volatile unsigned char*)a;
    *b ^= 1;   /* S: SIGSEGV in the guard page */
    *b ^= 1;
    if ((a & ~(uintptr_t)4095) == base) break;
  }
  not_caught();
  x_free(p);
  return 0;
}
