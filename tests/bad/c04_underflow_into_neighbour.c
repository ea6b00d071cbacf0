/* SPDX-License-Identifier: MIT */
/* c04_underflow_into_neighbour.c -- C4: b[-1] ^= 1 for two adjacent blocks a, b (the byte lands at the end of a's slot), then free(a). */
#include "bad.h"

#define N 4096

static unsigned char* blocks[N];

int main(int argc, char** argv) {
  bad_init(argc, argv);
  for (size_t i = 0; i < N; i++) {
    blocks[i] = x_malloc(40);
    CHECK(blocks[i] != NULL, "malloc failed");
  }
  unsigned char** sorted = blocks;
  qsort(sorted, N, sizeof sorted[0], bad_by_address);
  /* the slot size is the smallest distance between two blocks */
  uintptr_t stride = UINTPTR_MAX;
  for (size_t i = 1; i < N; i++) {
    uintptr_t d = (uintptr_t)sorted[i] - (uintptr_t)sorted[i - 1];
    if (d < stride) stride = d;
  }
  CHECK(stride >= 40 && stride < 4096, "implausible slot size %zu", (size_t)stride);
  unsigned char* a = NULL;
  volatile unsigned char* b = NULL;
  for (size_t i = 1; i < N && a == NULL; i++) {
    if ((uintptr_t)sorted[i] - (uintptr_t)sorted[i - 1] == stride) {
      a = sorted[i - 1];
      b = sorted[i];
    }
  }
  CHECK(a != NULL, "no two adjacent blocks among %d", N);
  b[-1] ^= 1;
  x_free(a);
  not_caught();
  b[-1] ^= 1;
  for (size_t i = 0; i < N; i++) {
    if (sorted[i] != a) x_free(sorted[i]);
  }
  return 0;
}
