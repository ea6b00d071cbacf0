/* SPDX-License-Identifier: MIT */
/* check_main.h -- the shared main() of the Check runners, plus small helpers they share. */
#ifndef MIRT_TESTS_CHECK_MAIN_H
#define MIRT_TESTS_CHECK_MAIN_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_KiB ((size_t)1024)
#define CHECK_MiB (1024 * CHECK_KiB)

/* Run one suite in its own runner; CK_ENV honours CK_VERBOSITY, CK_FORK, ...
   Returns the process exit status: EXIT_SUCCESS when no test failed. */
static inline int check_main_run(Suite *suite)
{
  SRunner *runner = srunner_create(suite);
  srunner_run_all(runner, CK_ENV);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Creates test case `name` in suite `s`, with a timeout in seconds (0 keeps
   Check's default of 4 s, which CK_TIMEOUT_MULTIPLIER scales). */
static inline TCase *check_tcase(Suite *s, const char *name, double timeout)
{
  TCase *tc = tcase_create(name);
  if (timeout > 0) tcase_set_timeout(tc, timeout);
  suite_add_tcase(s, tc);
  return tc;
}

/* One-line main for a runner whose suite is built by `suite_fn()`. */
#define CHECK_MAIN(suite_fn) \
  int main(void) { return check_main_run(suite_fn()); }

/* Resident set size of this process in bytes, from /proc/self/statm (second
   field, in pages).  Uses no allocation, so it is safe in any test state.
   Returns 0 if the file cannot be read (callers assert on that). */
static inline size_t check_rss_bytes(void)
{
  char buf[128];
  int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long total = 0, resident = 0;
  if (sscanf(buf, "%lu %lu", &total, &resident) != 2) return 0;
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* ------------------------------------------------------------------------
   Helpers for allocator tests
------------------------------------------------------------------------ */

/* Hides a value from the optimiser: huge literal sizes then neither trip
   -Walloc-size-larger-than nor get folded away. */
static inline size_t check_opaque(size_t x)
{
  volatile size_t v = x;
  return v;
}

/* Hides where a pointer came from, so the compiler's alloc_size knowledge
   (the requested size) does not flag writes up to the usable size. */
static inline void *check_launder(void *p)
{
  void *volatile v = p;
  return v;
}

static inline int check_is_aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

/* Word i of the test pattern for `seed`.  Byte j of a patterned range is
   byte j % 8 (in memory order) of word j / 8, counted from the range's base,
   so fills and checks of any prefix or sub-range agree. */
static inline uint64_t check_pat_word(size_t i, uint64_t seed)
{
  uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15ull ^ seed;
  x ^= x >> 29;
  return x * 0xBF58476D1CE4E5B9ull;
}

static inline uint8_t check_pat_byte(size_t j, uint64_t seed)
{
  uint64_t w = check_pat_word(j / 8, seed);
  uint8_t b[8];
  memcpy(b, &w, 8);
  return b[j % 8];
}

/* Fills bytes [from, to) of `p` with the pattern. */
static inline void check_fill_range(void *p, size_t from, size_t to, uint64_t seed)
{
  uint8_t *b = p;
  size_t j = from;
  for (; j < to && (j % 8) != 0; j++) b[j] = check_pat_byte(j, seed);
  for (; j + 8 <= to; j += 8) {
    uint64_t w = check_pat_word(j / 8, seed);
    memcpy(b + j, &w, 8);
  }
  for (; j < to; j++) b[j] = check_pat_byte(j, seed);
}

static inline void check_fill(void *p, size_t n, uint64_t seed) { check_fill_range(p, 0, n, seed); }

/* Offset of the first byte of [0, n) that differs from the pattern, or
   SIZE_MAX when all of it is intact. */
static inline size_t check_first_bad(const void *p, size_t n, uint64_t seed)
{
  const uint8_t *b = p;
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    uint64_t w = check_pat_word(j / 8, seed), got;
    memcpy(&got, b + j, 8);
    if (got != w) break;
  }
  for (; j < n; j++)
    if (b[j] != check_pat_byte(j, seed)) return j;
  return SIZE_MAX;
}

/* Offset of the first non-zero byte of [0, n), or SIZE_MAX. */
static inline size_t check_first_nonzero(const void *p, size_t n)
{
  const uint8_t *b = p;
  for (size_t j = 0; j < n; j++)
    if (b[j] != 0) return j;
  return SIZE_MAX;
}

#define ck_assert_intact(p, n, seed) \
  ck_assert_msg(check_first_bad((p), (n), (seed)) == SIZE_MAX, "pattern broken at offset %zu of %zu", \
                check_first_bad((p), (n), (seed)), (size_t)(n))

#define ck_assert_zeroed(p, n) \
  ck_assert_msg(check_first_nonzero((p), (n)) == SIZE_MAX, "byte %zu of %zu not zero", \
                check_first_nonzero((p), (n)), (size_t)(n))

/* `call` must give NULL and set errno to `err`.  errno is cleared and the
   allocation fast path run first, so a stale errno cannot pass (for files
   that include mimalloc.h). */
#define ck_assert_null_errno(call, err, what, arg) do { \
    mi_free(mi_malloc(16)); \
    errno = 0; \
    void *r_ = (call); \
    int e_ = errno; \
    ck_assert_msg(r_ == NULL, "%s(%#zx) returned %p", (what), (size_t)(arg), r_); \
    ck_assert_msg(e_ == (err), "%s(%#zx): errno %d, want %d", (what), (size_t)(arg), e_, (err)); \
  } while (0)

#endif /* MIRT_TESTS_CHECK_MAIN_H */
