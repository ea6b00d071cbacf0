/* SPDX-License-Identifier: MIT */
/* check_arena.c -- arenas (reserved and program-supplied memory), huge OS pages, sub-processes, lifecycle calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mimalloc.h>

#include "check_main.h"

/* ------------------------------------------------------------------------
   helpers
------------------------------------------------------------------------ */

static char out_buf[1 << 15];
static size_t out_len;

static void on_output(const char *msg, void *arg)
{
  (void)arg;
  size_t n = strlen(msg);
  if (out_len + n >= sizeof(out_buf)) n = sizeof(out_buf) - 1 - out_len;
  memcpy(out_buf + out_len, msg, n);
  out_len += n;
  out_buf[out_len] = 0;
}

static void out_reset(void)
{
  out_len = 0;
  out_buf[0] = 0;
}

static bool within(const void *p, size_t n, const void *start, size_t size)
{
  const uint8_t *b = p, *s = start;
  return b >= s && b + n <= s + size;
}

static void *run_thread(void *(*fn)(void *), void *arg)
{
  pthread_t t;
  void *res = NULL;
  ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
  ck_assert_int_eq(pthread_join(t, &res), 0);
  return res;
}

/* Block sizes of every page kind below huge. */
static const size_t arena_sizes[] = {16, 1000, 8000, 20000, 100000, 1u << 20, 8u << 20};
#define N_ARENA_SIZES (sizeof(arena_sizes) / sizeof(arena_sizes[0]))

/* Allocates every size a few times from `h` and checks each block lies in
   [start, start+size); the default heap's blocks must not. */
static void assert_heap_inside(mi_heap_t *h, const void *start, size_t size)
{
  void *mine[N_ARENA_SIZES * 2], *other[N_ARENA_SIZES];
  for (size_t i = 0; i < N_ARENA_SIZES * 2; i++) {
    size_t n = arena_sizes[i % N_ARENA_SIZES];
    mine[i] = mi_heap_malloc(h, n);
    ck_assert_msg(mine[i] != NULL, "arena heap: malloc(%zu) failed", n);
    ck_assert_msg(within(mine[i], n, start, size), "arena heap: malloc(%zu) = %p outside [%p, +%zu)", n, mine[i], start, size);
    memset(mine[i], 0x11, n);
  }
  for (size_t i = 0; i < N_ARENA_SIZES; i++) {
    other[i] = mi_malloc(arena_sizes[i]);
    ck_assert_msg(!within(other[i], 1, start, size), "default heap: malloc(%zu) = %p inside an exclusive arena",
                  arena_sizes[i], other[i]);
  }
  for (size_t i = 0; i < N_ARENA_SIZES * 2; i++) mi_free(mine[i]);
  for (size_t i = 0; i < N_ARENA_SIZES; i++) mi_free(other[i]);
}

/* ------------------------------------------------------------------------
   reserved and managed memory
------------------------------------------------------------------------ */

START_TEST(test_arena_reserve_os_memory)
{
  ck_assert_int_eq(mi_reserve_os_memory(64 * CHECK_MiB, false, false), 0);
  ck_assert_int_eq(mi_reserve_os_memory(64 * CHECK_MiB, true, false), 0);
  void *p = mi_malloc(100000);
  ck_assert_ptr_nonnull(p);
  memset(p, 1, 100000);
  mi_free(p);
}
END_TEST

/* An exclusive arena serves only the heaps made for it, and only from
   inside its range; when it is full they get NULL, not OS memory. */
START_TEST(test_arena_exclusive_reserved)
{
  mi_arena_id_t id = 0;
  ck_assert_int_eq(mi_reserve_os_memory_ex(96 * CHECK_MiB, true, false, true, &id), 0);
  ck_assert_int_ne(id, 0);
  size_t size = 0;
  void *start = mi_arena_area(id, &size);
  ck_assert_ptr_nonnull(start);
  ck_assert_uint_ge(size, 96 * CHECK_MiB);
  mi_heap_t *h = mi_heap_new_in_arena(id);
  ck_assert_ptr_nonnull(h);
  assert_heap_inside(h, start, size);
  /* fill it up */
  void *blocks[64];
  int n = 0, failed = 0;
  for (; n < 64; n++) {
    errno = 0;
    blocks[n] = mi_heap_malloc(h, 8 * CHECK_MiB);
    if (blocks[n] == NULL) {
      failed = errno;
      break;
    }
    ck_assert_msg(within(blocks[n], 8 * CHECK_MiB, start, size), "block %d at %p outside the arena", n, blocks[n]);
  }
  ck_assert_msg(n < 64, "64 blocks of 8 MiB from a %zu MiB exclusive arena", size / CHECK_MiB);
  ck_assert_int_eq(failed, ENOMEM);
  for (int i = 0; i < n; i++) mi_free(blocks[i]);
  /* a heap made with mi_heap_new_ex in the same arena */
  mi_heap_t *h2 = mi_heap_new_ex(3, true, id);
  ck_assert_ptr_nonnull(h2);
  void *q = mi_heap_malloc(h2, 5000);
  ck_assert(within(q, 5000, start, size));
  mi_heap_destroy(h2);
  mi_heap_delete(h);
  ck_assert_ptr_null(mi_arena_area(id + 1000, &size));
  ck_assert_uint_eq(size, 0);
}
END_TEST

/* Huge blocks of an exclusive-arena heap come from the arena too. */
START_TEST(test_arena_exclusive_huge)
{
  mi_arena_id_t id = 0;
  ck_assert_int_eq(mi_reserve_os_memory_ex(160 * CHECK_MiB, true, false, true, &id), 0);
  size_t size = 0;
  void *start = mi_arena_area(id, &size);
  mi_heap_t *h = mi_heap_new_in_arena(id);
  void *p = mi_heap_malloc(h, 40 * CHECK_MiB);
  ck_assert_msg(p == NULL || within(p, 40 * CHECK_MiB, start, size), "40 MiB block %p outside the arena [%p, +%zu MiB)", p,
                start, size / CHECK_MiB);
  void *a = mi_heap_malloc_aligned(h, 1000, 64 * CHECK_MiB);
  ck_assert_msg(a == NULL || within(a, 1000, start, size), "64 MiB-aligned block %p outside the arena", a);
  mi_free(p);
  mi_free(a);
  mi_heap_delete(h);
}
END_TEST

/* Memory the program maps itself, handed over exclusively. */
START_TEST(test_arena_manage_os_memory)
{
  const size_t len = 160 * CHECK_MiB;
  void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ck_assert(base != MAP_FAILED);
  mi_arena_id_t id = 0;
  ck_assert(mi_manage_os_memory_ex(base, len, true, false, true, -1, true, &id));
  ck_assert_int_ne(id, 0);
  size_t size = 0;
  void *start = mi_arena_area(id, &size);
  ck_assert_ptr_nonnull(start);
  ck_assert_msg(within(start, size, base, len), "arena [%p, +%zu) not inside the mapping [%p, +%zu)", start, size, base, len);
  ck_assert_uint_ge(size, 64 * CHECK_MiB);
  mi_heap_t *h = mi_heap_new_in_arena(id);
  assert_heap_inside(h, start, size);
  mi_heap_delete(h);
  /* non-exclusive, and too small to hold anything */
  void *base2 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ck_assert(base2 != MAP_FAILED);
  ck_assert(mi_manage_os_memory(base2, len, true, false, true, -1));
  mi_register_output(on_output, NULL);
  void *tiny = mmap(NULL, CHECK_MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert(!mi_manage_os_memory_ex(tiny, CHECK_MiB, true, false, true, -1, true, &id));
  ck_assert(!mi_manage_os_memory(NULL, len, true, false, true, -1));
  mi_register_output(NULL, NULL);
  munmap(tiny, CHECK_MiB);
  void *p = mi_malloc(300000);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

START_TEST(test_arena_show_arenas)
{
  mi_arena_id_t id = 0;
  ck_assert_int_eq(mi_reserve_os_memory_ex(64 * CHECK_MiB, true, false, true, &id), 0);
  mi_register_output(on_output, NULL);
  out_reset();
  mi_debug_show_arenas();
  ck_assert_msg(strstr(out_buf, "arena") != NULL, "mi_debug_show_arenas printed \"%s\"", out_buf);
  size_t first = out_len;
  out_reset();
  mi_arenas_print();
  mi_register_output(NULL, NULL);
  ck_assert_uint_gt(first, 0);
  ck_assert_msg(strstr(out_buf, "arena") != NULL, "mi_arenas_print printed \"%s\"", out_buf);
}
END_TEST

/* ------------------------------------------------------------------------
   huge OS pages
------------------------------------------------------------------------ */

static long read_long(const char *path)
{
  FILE *f = fopen(path, "r");
  long v = -1;
  if (f == NULL) return 0;
  if (fscanf(f, "%ld", &v) != 1) v = 0;
  fclose(f);
  return v;
}

static bool system_has_huge_pages(void)
{
  return read_long("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages") > 0 ||
         read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") > 0;
}

/* Without a huge page pool every reservation fails with an error code and a
   message, and the allocator carries on. */
START_TEST(test_arena_huge_pages_fail_cleanly)
{
  if (system_has_huge_pages()) return; /* this system could satisfy them: nothing to check */
  mi_option_enable(mi_option_show_errors);
  mi_register_output(on_output, NULL);
  ck_assert_int_eq(mi_reserve_huge_os_pages_interleave(0, 0, 100), 0);
  for (int k = 0; k < 4; k++) {
    out_reset();
    int err = 0;
    size_t reserved = 99;
    mi_arena_id_t id = 0;
    if (k == 0) err = mi_reserve_huge_os_pages_interleave(1, 0, 100);
    else if (k == 1) err = mi_reserve_huge_os_pages_at(1, 0, 100);
    else if (k == 2) err = mi_reserve_huge_os_pages_at_ex(1, 0, 100, true, &id);
    else {
      err = mi_reserve_huge_os_pages(1, 0.1, &reserved);
      ck_assert_uint_eq(reserved, 0);
    }
    ck_assert_msg(err != 0, "call %d reserved huge pages on a system without any", k);
    ck_assert_msg(strstr(out_buf, "huge") != NULL, "call %d: message \"%s\"", k, out_buf);
    if (k == 2) ck_assert_int_eq(id, 0);
  }
  mi_register_output(NULL, NULL);
  void *p = mi_malloc(1000);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

/* ------------------------------------------------------------------------
   sub-processes and lifecycle
------------------------------------------------------------------------ */

typedef struct {
  mi_subproc_id_t sp;
  void *left[500];
  int ok;
} sub_job_t;

static void *subproc_thread(void *arg)
{
  sub_job_t *j = arg;
  mi_subproc_add_current_thread(j->sp); /* before the first allocation */
  void *p[1000];
  j->ok = 1;
  for (int i = 0; i < 1000; i++) {
    p[i] = mi_malloc(16 + (size_t)i * 8);
    j->ok &= (p[i] != NULL);
    if (p[i]) memset(p[i], 7, 16);
  }
  for (int i = 0; i < 1000; i++) {
    if (i < 500) j->left[i] = p[i];
    else mi_free(p[i]);
  }
  return NULL;
}

START_TEST(test_arena_subprocs)
{
  mi_subproc_id_t main_sp = mi_subproc_main();
  ck_assert_ptr_nonnull(main_sp);
  ck_assert_ptr_eq(mi_subproc_main(), main_sp);
  mi_subproc_id_t sp = mi_subproc_new();
  ck_assert_ptr_nonnull(sp);
  ck_assert_ptr_ne(sp, main_sp);
  static sub_job_t a, b;
  a.sp = sp;
  b.sp = main_sp;
  run_thread(subproc_thread, &a);
  run_thread(subproc_thread, &b);
  ck_assert(a.ok && b.ok);
  for (int i = 0; i < 500; i++) {
    ck_assert_int_eq(((unsigned char *)a.left[i])[15], 7);
    mi_free(a.left[i]);
    mi_free(b.left[i]);
  }
  mi_subproc_delete(sp);
  mi_subproc_delete(main_sp); /* the main one cannot go */
  void *p = mi_malloc(64);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

typedef struct {
  void *before;
  int after_ok, default_ok;
} life_t;

static void *lifecycle_thread(void *arg)
{
  life_t *l = arg;
  mi_thread_init();
  mi_thread_init();
  l->before = mi_malloc(100);
  strcpy(l->before, "before done");
  mi_thread_done();
  mi_thread_done();
  mi_heap_t *h = mi_heap_get_default();
  l->default_ok = (h != NULL && h == mi_heap_get_backing());
  char *q = mi_malloc(100); /* the thread comes back to life */
  l->after_ok = (q != NULL);
  if (q) {
    strcpy(q, "after");
    l->after_ok = mi_heap_contains_block(mi_heap_get_backing(), q);
  }
  mi_free(q);
  return NULL;
}

START_TEST(test_arena_lifecycle_idempotent)
{
  mi_process_init();
  mi_process_init();
  ck_assert_int_eq(mi_version(), MI_MALLOC_VERSION);
  static life_t l;
  run_thread(lifecycle_thread, &l);
  ck_assert(l.default_ok);
  ck_assert(l.after_ok);
  ck_assert_str_eq(l.before, "before done"); /* outlived its thread's mi_thread_done */
  mi_free(l.before);
  mi_thread_init();
  void *p = mi_malloc(64);
  ck_assert_ptr_nonnull(p);
  mi_free(p);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *arena_suite(void)
{
  Suite *s = suite_create("arena");

  TCase *mem = check_tcase(s, "memory", 20);
  tcase_add_test(mem, test_arena_reserve_os_memory);
  tcase_add_test(mem, test_arena_exclusive_reserved);
  tcase_add_test(mem, test_arena_exclusive_huge);
  tcase_add_test(mem, test_arena_manage_os_memory);
  tcase_add_test(mem, test_arena_show_arenas);
  tcase_add_test(mem, test_arena_huge_pages_fail_cleanly);

  TCase *life = check_tcase(s, "lifecycle", 10);
  tcase_add_test(life, test_arena_subprocs);
  tcase_add_test(life, test_arena_lifecycle_idempotent);

  return s;
}

CHECK_MAIN(arena_suite)
