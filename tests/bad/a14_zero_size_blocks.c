/* SPDX-License-Identifier: MIT */
/* a14_zero_size_blocks.c -- A14: zero-size blocks are distinct while live, freeable, reallocatable and known to the allocator (S: usable size 0). */
#include "bad.h"

#define N 5000

static void* blocks[N];

int main(int argc, char** argv) {
  bad_init(argc, argv);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < N; i++) {
      blocks[i] = (i & 1) ? x_calloc(0, 8) : x_malloc(0);
      CHECK(blocks[i] != NULL, "zero-size allocation %d returned NULL", i);
      CHECK(((uintptr_t)blocks[i] & 15) == 0, "zero-size block %p is not 16-byte aligned", blocks[i]);
      const size_t u = x_usable_size(blocks[i]);
      CHECK(!bad_secure() || u == 0, "secure: malloc_usable_size of a zero-size block is %zu", u);
    }
    void* sorted[N];
    memcpy(sorted, blocks, sizeof sorted);
    qsort(sorted, N, sizeof(void*), bad_by_address);
    for (int i = 1; i < N; i++) CHECK(sorted[i] != sorted[i - 1], "two live zero-size blocks at %p", sorted[i]);
    bool (*in_region)(const void*) = (bool (*)(const void*))bad_sym("mi_is_in_heap_region");
    if (in_region != NULL) CHECK(in_region(blocks[0]), "mi_is_in_heap_region(%p) is false for a zero-size block", blocks[0]);
    /* realloc grows one into a usable block; realloc(p, 0) gives another zero-size block */
    char* g = x_realloc(blocks[0], 100);
    CHECK(g != NULL, "realloc(zero-size block, 100) failed");
    memset(g, 'g', 100);
    CHECK(x_usable_size(g) >= 100, "usable size %zu after realloc to 100", x_usable_size(g));
    blocks[0] = g;
    void* z = x_realloc(blocks[1], 0);
    CHECK(z != NULL, "realloc(zero-size block, 0) returned NULL");
    blocks[1] = z;
    for (int i = 0; i < N; i++) x_free(blocks[i]);
  }
  return 0;
}
