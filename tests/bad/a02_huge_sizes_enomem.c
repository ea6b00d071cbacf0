/* SPDX-License-Identifier: MIT */
/* a02_huge_sizes_enomem.c -- A2: impossible sizes give NULL and ENOMEM from every allocation function, silently. */
#include "bad.h"

static size_t fails;

/* Before every call: a small malloc/free (the heap is initialised and warm)
   and errno = 0. */
static void prepare(void) {
  void* p = x_malloc(16);
  CHECK(p != NULL, "malloc(16) failed");
  x_free(p);
  errno = 0;
}

static void expect_null(const char* what, size_t a, size_t b, void* r, int err) {
  if (r != NULL || err != ENOMEM) {
    if (fails++ < 20) bad_say("FAIL: %s(%#zx, %#zx) = %p, errno %d (want NULL, ENOMEM %d)", what, a, b, r, err, ENOMEM);
    if (r != NULL) x_free(r);
  }
}

static void try_size(size_t s) {
  void* r;
  prepare();
  r = x_malloc(s);
  expect_null("malloc", s, 0, r, errno);

  void* p = x_malloc(16);
  CHECK(p != NULL, "malloc(16) failed");
  errno = 0;
  r = x_realloc(p, s);
  expect_null("realloc", s, 0, r, errno);
  if (r == NULL) x_free(p);

  for (size_t n = 1; n <= 8; n *= 2) {
    prepare();
    r = x_calloc(n, s / n);
    expect_null("calloc", n, s / n, r, errno);
    prepare();
    r = x_calloc(s / n, n);
    expect_null("calloc", s / n, n, r, errno);
  }

  p = x_malloc(16);
  CHECK(p != NULL, "malloc(16) failed");
  errno = 0;
  r = x_reallocarray(p, s, 1);
  expect_null("reallocarray", s, 1, r, errno);
  if (r == NULL) x_free(p);

  for (size_t a = 1; a != 0 && a <= ((size_t)1 << 40); a <<= 1) {
    prepare();
    r = x_memalign(a, s);
    expect_null("memalign", a, s, r, errno);
    if (a >= sizeof(void*)) {
      void* sentinel = &p;
      void* out = sentinel;
      prepare();
      int rc = x_posix_memalign(&out, a, s);
      if (rc != ENOMEM || out != sentinel) {
        if (fails++ < 20) bad_say("FAIL: posix_memalign(%#zx, %#zx) = %d, *p %s (want ENOMEM, untouched)", a, s, rc, out == sentinel ? "untouched" : "changed");
        if (rc == 0 && out != sentinel) x_free(out);
      }
    }
    prepare();
    r = x_aligned_alloc(a, s);
    expect_null("aligned_alloc", a, s, r, errno);
  }
  prepare();
  r = x_valloc(s);
  expect_null("valloc", s, 0, r, errno);
  prepare();
  r = x_pvalloc(s);
  expect_null("pvalloc", s, 0, r, errno);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  const size_t big = (size_t)1 << 50;   /* beyond any 48-bit address space */
  for (size_t i = 0; i < ((size_t)1 << 14); i += 61) try_size(SIZE_MAX - i);
  for (size_t i = 0; i < ((size_t)1 << 14); i += 61) try_size((size_t)PTRDIFF_MAX + 1 + i);
  for (size_t k = 1; k < ((size_t)1 << 14); k += 97) {
    try_size(k << 50);
    try_size((k << 50) | (big - 1));
  }
  try_size(SIZE_MAX);
  try_size((size_t)PTRDIFF_MAX + 1);
  try_size(big);
  /* jemalloc's pvalloc wrap-around (SIZE_MAX rounds up to 0) */
  prepare();
  void* r = x_pvalloc(SIZE_MAX);
  expect_null("pvalloc", SIZE_MAX, 0, r, errno);
  CHECK(fails == 0, "%zu calls did not fail with ENOMEM", fails);
  return 0;
}
