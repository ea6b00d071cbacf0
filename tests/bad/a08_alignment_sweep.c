/* SPDX-License-Identifier: MIT */
/* a08_alignment_sweep.c -- A8: every aligned allocation function honours alignments 2^0..2^23 for sizes around the alignment. */
#include "bad.h"

typedef void* (*mi_malloc_aligned_fn)(size_t, size_t);

/* Check alignment and usable size, write every usable byte, free. */
static void use(const char* what, void* p, size_t align, size_t size) {
  CHECK(p != NULL, "%s(align %zu, size %zu) failed", what, align, size);
  CHECK(((uintptr_t)p & (align - 1)) == 0, "%s(align %zu, size %zu) = %p is misaligned", what, align, size, p);
  size_t usable = x_usable_size(p);
  CHECK(usable >= size, "%s(align %zu, size %zu): usable size %zu", what, align, size, usable);
  memset(p, 0x5A, usable);
  x_free(p);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  mi_malloc_aligned_fn mi_aligned = (mi_malloc_aligned_fn)bad_sym("mi_malloc_aligned");
  for (int k = 0; k <= 23; k++) {
    const size_t a = (size_t)1 << k;
    const size_t sizes[] = {0, 1, a - 1, a, a + 1, 3 * a};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      const size_t n = sizes[i];
      use("memalign", x_memalign(a, n), a, n);
      use("aligned_alloc", x_aligned_alloc(a, n), a, n);
      if (a >= sizeof(void*)) {
        void* p = NULL;
        int rc = x_posix_memalign(&p, a, n);
        CHECK(rc == 0, "posix_memalign(%zu, %zu) = %d", a, n, rc);
        use("posix_memalign", p, a, n);
      }
      if (mi_aligned != NULL) use("mi_malloc_aligned", mi_aligned(n, a), a, n);
    }
  }
  return 0;
}
