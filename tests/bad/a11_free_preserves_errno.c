/* SPDX-License-Identifier: MIT */
/* a11_free_preserves_errno.c -- A11: free leaves errno alone for NULL, small, large and huge blocks (purged or unmapped on the spot). */
#include "bad.h"

static void free_keeps_errno(void* p, const char* what) {
  errno = 1789;
  x_free(p);
  CHECK(errno == 1789, "free(%s) changed errno to %d", what, errno);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  free_keeps_errno(NULL, "NULL");
  free_keeps_errno(x_malloc(16), "16 B");
  free_keeps_errno(x_malloc(70000), "70000 B");
  free_keeps_errno(x_malloc(1 << 20), "1 MiB");
  for (int i = 0; i < 4; i++) {
    void* p = x_malloc((size_t)100 << 20);
    CHECK(p != NULL, "malloc(100 MiB) failed");
    memset(p, 1, 4096);
    free_keeps_errno(p, "100 MiB");
  }
  /* a page emptied by the free (retire/purge paths) */
  void* blocks[64];
  for (int i = 0; i < 64; i++) blocks[i] = x_malloc(2000);
  for (int i = 0; i < 64; i++) free_keeps_errno(blocks[i], "2000 B");
  /* realloc that moves frees the old block */
  void* p = x_malloc(100);
  errno = 1789;
  p = x_realloc(p, (size_t)8 << 20);
  CHECK(p != NULL && errno == 1789, "realloc(100 -> 8 MiB): %p, errno %d", p, errno);
  free_keeps_errno(p, "8 MiB");
  return 0;
}
