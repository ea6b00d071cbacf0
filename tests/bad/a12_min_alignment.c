/* SPDX-License-Identifier: MIT */
/* a12_min_alignment.c -- A12: every block is 16-byte aligned whatever its size (README), for malloc, calloc and realloc. */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  void* keep[64];
  for (size_t n = 0; n <= 4096; n++) {
    for (int i = 0; i < 64; i++) {
      keep[i] = (i & 1) ? x_calloc(1, n) : x_malloc(n);
      CHECK(keep[i] != NULL, "allocation of %zu B failed", n);
      CHECK(((uintptr_t)keep[i] & 15) == 0, "%s(%zu) = %p is not 16-byte aligned", (i & 1) ? "calloc" : "malloc", n, keep[i]);
    }
    for (int i = 0; i < 64; i += 2) {
      keep[i] = x_realloc(keep[i], n / 2 + 1);
      CHECK(keep[i] != NULL && ((uintptr_t)keep[i] & 15) == 0, "realloc(%zu) = %p", n / 2 + 1, keep[i]);
    }
    for (int i = 0; i < 64; i++) x_free(keep[i]);
  }
  return 0;
}
