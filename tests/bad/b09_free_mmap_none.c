/* SPDX-License-Identifier: MIT */
/* b09_free_mmap_none.c -- B9: free of a pointer 8 pages into a 16-page mmap mapping that is PROT_NONE (the allocator must not read it). */
#include "bad.h"
#include <sys/mman.h>

int main(int argc, char** argv) {
  bad_init(argc, argv);
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  char* m = mmap(NULL, 16 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(m != MAP_FAILED, "mmap failed");
  x_free(m + 8 * page);
  not_caught();
  munmap(m, 16 * page);
  return 0;
}
