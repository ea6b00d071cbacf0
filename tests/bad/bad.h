/* SPDX-License-Identifier: MIT */
/* bad.h -- helpers shared by the bad-input programs: opaque allocator calls, NOT_CAUGHT, checks. */
#ifndef MIRT_TESTS_BAD_H
#define MIRT_TESTS_BAD_H

/* The programs link plain libc and get the allocator under test through
   LD_PRELOAD (tests/bad-input.sh).  Every allocator call goes through a
   volatile function pointer: the compiler cannot tell the callee is
   malloc/free, so it can neither delete the bad operation nor warn about it
   (the programs are also built with -fno-builtin).  Memory accessed on
   purpose out of bounds or after free goes through volatile pointers.

   Conventions (research/security.md section 4):
   - argv[1] is the build under test, "F" (default) or "S" (secure); only
     programs with mode-dependent checks look at it;
   - not_caught() prints NOT_CAUGHT on stdout right after the bad operation;
   - a failed check prints "FAIL: ..." on stdout and exits 1, so stderr
     carries only what the allocator printed. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#if __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif
#endif
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wfree-nonheap-object"
#endif

#define BAD_UNUSED __attribute__((unused))
#define BAD_NOINLINE __attribute__((noinline))

/* ------------------------------------------------------------------------
   Opaque allocator entry points
------------------------------------------------------------------------ */
static void* (*volatile x_malloc)(size_t) BAD_UNUSED = malloc;
static void* (*volatile x_calloc)(size_t, size_t) BAD_UNUSED = calloc;
static void* (*volatile x_realloc)(void*, size_t) BAD_UNUSED = realloc;
static void* (*volatile x_reallocarray)(void*, size_t, size_t) BAD_UNUSED = reallocarray;
static void (*volatile x_free)(void*) BAD_UNUSED = free;
static size_t (*volatile x_usable_size)(void*) BAD_UNUSED = malloc_usable_size;
static void* (*volatile x_memalign)(size_t, size_t) BAD_UNUSED = memalign;
static int (*volatile x_posix_memalign)(void**, size_t, size_t) BAD_UNUSED = posix_memalign;
static void* (*volatile x_aligned_alloc)(size_t, size_t) BAD_UNUSED = aligned_alloc;
static void* (*volatile x_valloc)(size_t) BAD_UNUSED = valloc;
static void* (*volatile x_pvalloc)(size_t) BAD_UNUSED = pvalloc;

/* Entry points only some allocators have (mirt and mimalloc export the
   mi_* API from the preloaded library; C23 adds free_sized): NULL when the
   process has none. */
static void* bad_sym(const char* name) BAD_UNUSED;
static void* bad_sym(const char* name) {
  return dlsym(RTLD_DEFAULT, name);
}

/* free with a size: C23 free_sized, else mimalloc's mi_free_size, else NULL. */
typedef void (*bad_free_sized_fn)(void*, size_t);
static bad_free_sized_fn bad_free_sized(void) BAD_UNUSED;
static bad_free_sized_fn bad_free_sized(void) {
  void* f = bad_sym("free_sized");
  if (f == NULL) f = bad_sym("mi_free_size");
  return (bad_free_sized_fn)f;
}

/* ------------------------------------------------------------------------
   Output without stdio (stdio may be mid-way when the allocator aborts)
------------------------------------------------------------------------ */
static void bad_write(int fd, const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    s += w;
    n -= (size_t)w;
  }
}

/* printf-style line on stdout, formatted into a stack buffer (no malloc). */
static void bad_say(const char* fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void bad_say(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof buf - 2) n = (int)(sizeof buf - 2);
  buf[n++] = '\n';
  bad_write(STDOUT_FILENO, buf, (size_t)n);
}

/* Printed right after the bad operation: the allocator did not stop it. */
static void not_caught(void) BAD_UNUSED;
static void not_caught(void) {
  bad_write(STDOUT_FILENO, "NOT_CAUGHT\n", 11);
}

#define CHECK(cond, ...) \
  do { \
    if (!(cond)) { \
      bad_say("FAIL: %s:%d: %s", __FILE__, __LINE__, #cond); \
      bad_say("  " __VA_ARGS__); \
      _exit(1); \
    } \
  } while (0)

/* ------------------------------------------------------------------------
   Build under test
------------------------------------------------------------------------ */
static char bad_mode_char = 'F';

static void bad_init(int argc, char** argv) BAD_UNUSED;
static void bad_init(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == 'S') bad_mode_char = 'S';
  /* no buffering: the allocator may abort at any point */
  setvbuf(stdout, NULL, _IONBF, 0);
}

static bool bad_secure(void) BAD_UNUSED;
static bool bad_secure(void) {
  return bad_mode_char == 'S';
}

/* qsort order of an array of pointers: by address. */
static int bad_by_address(const void* x, const void* y) BAD_UNUSED;
static int bad_by_address(const void* x, const void* y) {
  const uintptr_t a = (uintptr_t)*(void* const*)x, b = (uintptr_t)*(void* const*)y;
  return a < b ? -1 : a > b;
}

/* ------------------------------------------------------------------------
   Error hook (mi_register_error, found at run time): counts its calls and
   keeps the last code, so a program checks detections in-process
------------------------------------------------------------------------ */
static int bad_hook_calls;
static int bad_hook_last;

static void bad_hook(int err, void* arg) BAD_UNUSED;
static void bad_hook(int err, void* arg) {
  (void)arg;
  bad_hook_calls++;
  bad_hook_last = err;
}

/* Registers bad_hook (or, with false, no hook); false when the process has
   no mi_register_error. */
static bool bad_hook_set(bool on) BAD_UNUSED;
static bool bad_hook_set(bool on) {
  typedef void (*error_fn)(int err, void* arg);
  void (*reg)(error_fn, void*) = (void (*)(error_fn, void*))bad_sym("mi_register_error");
  if (reg == NULL) return false;
  reg(on ? bad_hook : NULL, NULL);
  return true;
}

/* Forgets the calls counted so far. */
static void bad_hook_reset(void) BAD_UNUSED;
static void bad_hook_reset(void) {
  bad_hook_calls = 0;
  bad_hook_last = 0;
}

/* ------------------------------------------------------------------------
   Shared bodies of the overflow cases
------------------------------------------------------------------------ */
/* Flip `count` bytes starting at p[malloc_usable_size(p)], then free p.
   XOR (not a constant store) so a canary byte that happens to equal the
   stored value cannot hide the overflow. */
static void overflow_then_free(size_t n, size_t count) BAD_UNUSED;
static void overflow_then_free(size_t n, size_t count) {
  volatile unsigned char* p = x_malloc(n);
  CHECK(p != NULL, "malloc(%zu) failed", n);
  const size_t usable = x_usable_size((void*)p);
  CHECK(usable >= n, "malloc_usable_size %zu < %zu", usable, n);
  for (size_t i = 0; i < count; i++) p[usable + i] ^= 1;
  x_free((void*)p);
  not_caught();
  /* undo the damage to the neighbour so a tolerant build survives exit */
  for (size_t i = 0; i < count; i++) p[usable + i] ^= 1;
}

#endif /* MIRT_TESTS_BAD_H */
