/* SPDX-License-Identifier: MIT */
/* c14_write_after_free_large_reuse.c -- C14: a write into a freed 256 KiB block after another block of that size was allocated (S: faults unless that block took the same place). */
#include "bad.h"

int main(int argc, char** argv) {
  bad_init(argc, argv);
  volatile char* p = x_malloc(256 * 1024);
  CHECK(p != NULL, "malloc(256 KiB) failed");
  x_free((void*)p);
  char* q = x_malloc(256 * 1024);
  CHECK(q != NULL, "malloc(256 KiB) failed");
  if ((char*)p <= q + 64 * 1024 + 1 && q <= (char*)p + 64 * 1024 + 1) {
    /* p's byte is live again (q's): writing it is no use after free */
    bad_say("the second block overlaps the first: nothing to test");
    x_free(q);
    return 0;
  }
  p[64 * 1024 + 1] = 'A';   /* write after free */
  not_caught();
  x_free(q);
  return 0;
}
