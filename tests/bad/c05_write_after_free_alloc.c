/* SPDX-License-Identifier: MIT */
/* c05_write_after_free_alloc.c -- C5: a write over a freed block's first words (its free-list link), then allocations of that size. */
#include "bad.h"

#define TRIES 70000

static void* got[TRIES];

int main(int argc, char** argv) {
  bad_init(argc, argv);
  unsigned char* a = x_malloc(32);
  unsigned char* b = x_malloc(32);
  volatile unsigned char* c = x_malloc(32);
  CHECK(a != NULL && b != NULL && c != NULL, "malloc failed");
  x_free(a);
  x_free(b);
  x_free((void*)c);
  for (int i = 0; i < 32; i++) c[i] = 0x5A;   /* use after free */
  /* allocate until c comes back and its link has been followed (the
     page's other free blocks may come first) */
  size_t n = 0;
  int after_c = -1;
  while (n < TRIES && after_c < 8) {
    got[n] = x_malloc(32);
    if (got[n] == NULL) break;
    if (got[n] == (void*)c) after_c = 0;
    else if (after_c >= 0) after_c++;
    n++;
  }
  not_caught();
  bad_say("%zu allocations, block c %s", n, after_c >= 0 ? "returned" : "never returned");
  return 0;
}
