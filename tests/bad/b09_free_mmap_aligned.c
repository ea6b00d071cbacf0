/* SPDX-License-Identifier: MIT */
/* b09_free_mmap_aligned.c -- B9: free of the 32 MiB-aligned start of a foreign PROT_NONE mapping (looks like a segment start to a masking allocator). */
#include "bad.h"
#include <sys/mman.h>

int main(int argc, char** argv) {
  bad_init(argc, argv);
  const size_t seg = (size_t)32 << 20;
  char* m = mmap(NULL, 2 * seg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK(m != MAP_FAILED, "mmap failed");
  char* aligned = (char*)(((uintptr_t)m + seg - 1) & ~(uintptr_t)(seg - 1));
  x_free(aligned + 4096);
  not_caught();
  munmap(m, 2 * seg);
  return 0;
}
