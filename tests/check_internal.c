/* SPDX-License-Identifier: MIT */
/* check_internal.c -- allocator internals: segment map, page lookup, full-page notification, abandonment. */
#include "internal.h"
#include "check_main.h"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

/* A small block's chunk is a segment start and its page contains it. */
START_TEST(test_internal_page_lookup)
{
  const size_t sizes[] = { 1, 16, 100, 1024, 5000, 9000, 60000, 100000, 3 * MI_MiB, 20 * MI_MiB };
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    uint8_t* p = (uint8_t*)mi_malloc(sizes[i]);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(_mi_segment_map[(uintptr_t)p >> MI_SEGMENT_SHIFT], MI_SEGMAP_START);
    mi_page_t* page = _mi_segment_page_of_checked(p);
    ck_assert_ptr_nonnull(page);
    ck_assert_msg(p >= page->page_start && p + sizes[i] <= page->page_start + _mi_page_size(page), "size %zu outside its page", sizes[i]);
    ck_assert_uint_ge(page->block_size, sizes[i]);
    ck_assert_ptr_eq(_mi_page_block_start(page, p + sizes[i] / 2), p);
    ck_assert_uint_eq(_mi_page_tid(page), _mi_thread_id());
    mi_free(p);
  }
}
END_TEST

/* The thread id (thread pointer, or a TLS address in --disable-asm builds
   and on compilers without __builtin_thread_pointer): non-zero, low 3 bits
   clear (page flags share its word), stable in a thread, distinct between
   live threads, and the owner id of the thread's pages. */
static void* tid_of_thread(void* arg)
{
  uintptr_t* out = (uintptr_t*)arg;
  out[0] = _mi_thread_id();
  out[1] = _mi_thread_id();
  void* p = mi_malloc(32);
  out[2] = _mi_page_tid(_mi_segment_page_of_checked(p));
  mi_free(p);
  return NULL;
}

START_TEST(test_internal_thread_id)
{
  const uintptr_t me = _mi_thread_id();
  ck_assert_uint_ne(me, 0);
  ck_assert_uint_eq(me & MI_PAGE_FLAGS_MASK, 0);
  ck_assert_uint_eq(me, _mi_thread_id());
  uintptr_t other[2][3];
  pthread_t th[2];
  for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, tid_of_thread, other[i]), 0);
  for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_join(th[i], NULL), 0);
  for (int i = 0; i < 2; i++) {
    ck_assert_uint_ne(other[i][0], 0);
    ck_assert_uint_eq(other[i][0] & MI_PAGE_FLAGS_MASK, 0);
    ck_assert_uint_eq(other[i][0], other[i][1]);
    ck_assert_uint_eq(other[i][2], other[i][0]);
    ck_assert_uint_ne(other[i][0], me);
  }
}
END_TEST

/* Protection of the mapping holding `a`, from /proc/self/maps: 'r' when
   readable, '-' when not, 0 when unmapped. */
static char mapped_prot(uintptr_t a)
{
  FILE* f = fopen("/proc/self/maps", "r");
  ck_assert_ptr_nonnull(f);
  char line[512];
  char prot = 0;
  while (prot == 0 && fgets(line, sizeof(line), f) != NULL) {
    unsigned long lo, hi;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && a >= lo && a < hi) prot = perms[0];
  }
  fclose(f);
  return prot;
}

/* OS-level sizes come from the machine: the page size is sysconf's, and a
   secure build's guard is exactly one OS page (none on kernels whose page
   is more than a quarter of a slice), inaccessible, right after the last
   block of a small page and right after a large or huge block. */
START_TEST(test_internal_os_page_and_guard)
{
  const size_t ps = (size_t)sysconf(_SC_PAGESIZE);
  ck_assert_uint_eq(_mi_os_page_size(), ps);
#if MI_SECURE > 0
  ck_assert_uint_eq(MI_PAGE_GUARD_SIZE, ps <= MI_SLICE_SIZE / 4 ? ps : 0);
  if (MI_PAGE_GUARD_SIZE == 0) return;
  const size_t sizes[] = { 48, 100000, 40 * MI_MiB };
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    uint8_t* p = (uint8_t*)mi_malloc(sizes[i]);
    ck_assert_ptr_nonnull(p);
    mi_page_t* page = _mi_segment_page_of_checked(p);
    ck_assert_ptr_nonnull(page);
    uintptr_t guard;
    if (page->kind == MI_PAGE_SMALL || page->kind == MI_PAGE_MEDIUM) {
      guard = (uintptr_t)_mi_segment_slice_index(_mi_page_segment(page), page) * MI_SLICE_SIZE + (uintptr_t)_mi_page_segment(page) +
              page->slice_count * MI_SLICE_SIZE - ps;
      ck_assert_uint_le((uintptr_t)page->page_start + page->reserved * page->block_size, guard);
    }
    else {
      guard = (uintptr_t)page->page_start + page->block_size;   /* the block ends on the guard */
      ck_assert_uint_ge(guard, (uintptr_t)p + sizes[i]);
    }
    ck_assert_uint_eq(guard % ps, 0);
    ck_assert_msg(mapped_prot(guard - 1) == 'r', "size %zu: the byte before the guard is not readable", sizes[i]);
    ck_assert_msg(mapped_prot(guard) == '-' && mapped_prot(guard + ps - 1) == '-', "size %zu: the guard page is accessible", sizes[i]);
    mi_free(p);
  }
#else
  ck_assert_uint_eq(MI_PAGE_GUARD_SIZE, 0);
#endif
}
END_TEST

/* The divide-free block index agrees with division for every bin's page:
   block starts give their index, every other offset gives >= capacity. */
START_TEST(test_internal_block_index)
{
  const size_t sizes[] = { 8, 16, 48, 80, 112, 128, 160, 320, 448, 1000, 1792, 3072, 5000, 7168, 10000, 28672, 60000 };
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    void* p = mi_malloc(sizes[i]);
    ck_assert_ptr_nonnull(p);
    mi_page_t* page = _mi_segment_page_of_checked(p);
    ck_assert_ptr_nonnull(page);
    const size_t bsize = page->block_size;
    const size_t span = (size_t)page->capacity * bsize;
    size_t blocks = 0;
    for (size_t ofs = 0; ofs < span + 2 * bsize; ofs += (bsize > 4096 ? 8 : 1)) {
      const uint32_t idx = mi_page_block_index(page, page->page_start + ofs);
      const bool start = (ofs % bsize == 0 && ofs < span);
      if (start) { ck_assert_uint_eq(idx, ofs / bsize); blocks++; }
      else ck_assert_msg(idx >= page->capacity, "bsize %zu offset %zu gives index %u", bsize, ofs, (unsigned)idx);
    }
    ck_assert_uint_eq(blocks, page->capacity);
    ck_assert_uint_ge(mi_page_block_index(page, page->page_start - bsize), page->capacity);   /* before the page */
    mi_free(p);
  }
}
END_TEST

/* A block aligned beyond the segment size starts past the first 32 MiB:
   the map leads back to the segment, free releases it and clears the map. */
START_TEST(test_internal_huge_alignment_map)
{
  const size_t align = 128 * MI_MiB;
  uint8_t* p = (uint8_t*)mi_malloc_aligned(MI_MiB, align);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq((uintptr_t)p % align, 0);
  mi_page_t* page = _mi_segment_page_of_checked(p);
  ck_assert_ptr_nonnull(page);
  ck_assert_uint_eq(page->kind, MI_PAGE_HUGE);
  mi_segment_t* seg = _mi_page_segment(page);
  ck_assert_ptr_ne((void*)seg, (void*)_mi_ptr_segment(p));   /* beyond the first chunk */
  ck_assert_uint_eq(_mi_segment_map[(uintptr_t)p >> MI_SEGMENT_SHIFT], MI_SEGMAP_CONT);
  memset(p, 0x5A, MI_MiB);
  ck_assert(mi_heap_contains_block(mi_heap_get_default(), p + 100));
  mi_free(p);
  ck_assert_uint_eq(_mi_segment_map[(uintptr_t)seg >> MI_SEGMENT_SHIFT], MI_SEGMAP_NONE);
  ck_assert_uint_eq(_mi_segment_map[(uintptr_t)p >> MI_SEGMENT_SHIFT], MI_SEGMAP_NONE);
}
END_TEST

static size_t list_length(const mi_page_t* page, const mi_block_t* b) {
  size_t n = 0;
  for (; b != NULL; b = mi_block_nextx(page, b)) n++;
  return n;
}

/* Owner frees: `used` counts allocated blocks plus those in `free`, so the
   number allocated (used - |free|) falls by one per free and ends at 0. */
START_TEST(test_internal_used_counts)
{
  void* ps[300];
  for (int i = 0; i < 300; i++) ps[i] = mi_malloc(48);
  mi_page_t* page = _mi_segment_page_of_checked(ps[0]);
  ck_assert_ptr_nonnull(page);
  size_t on_page = 0;
  for (int i = 0; i < 300; i++) if (_mi_segment_page_of_checked(ps[i]) == page) on_page++;
  const size_t live0 = page->used - list_length(page, page->free);
  ck_assert_uint_ge(live0, on_page);
  size_t freed = 0;
  for (int i = 0; i < 299; i++) {
    if (_mi_segment_page_of_checked(ps[i]) == page) freed++;
    mi_free(ps[i]);
    ck_assert_uint_eq(page->used - list_length(page, page->free), live0 - freed);
  }
  ck_assert(!page->retired || _mi_segment_page_of_checked(ps[299]) != page);
  mi_free(ps[299]);
  ck_assert_uint_eq(page->used, list_length(page, page->free));   /* nothing allocated */
  ck_assert_uint_eq(page->used + list_length(page, page->local_free), page->capacity);
}
END_TEST

/* Empty pages stay retired, their blocks threaded, for a batch of the same
   size; a fresh page of another size first frees a retired one, so the
   heap does not grow past its peak. */
START_TEST(test_internal_retire_reuse_evict)
{
  enum { N = 40000 };
  static void* ps[N];
  mi_heap_t* h = mi_heap_new();
  ck_assert_ptr_nonnull(h);
  for (int i = 0; i < N; i++) ps[i] = mi_heap_malloc(h, 48);
  const size_t pages = h->page_count;
  ck_assert_uint_ge(pages, 20);
  for (int i = 0; i < N; i++) mi_free(ps[i]);
  ck_assert_uint_eq(h->page_count, pages);   /* all retired, none freed */
  for (int i = 0; i < N; i++) {
    ps[i] = mi_heap_malloc(h, 48);
    ck_assert_uint_eq(h->page_count, pages);   /* the retired pages serve the batch again */
  }
  for (int i = 0; i < N; i++) mi_free(ps[i]);
  /* another size class, as many bytes: retired pages make way */
  const int M = (int)(pages * MI_SLICE_SIZE * 3 / 4 / 1024);   /* 3/4 of the 48 B batch's pages, in 1 KiB blocks */
  for (int i = 0; i < M; i++) {
    ps[i] = mi_heap_malloc(h, 1000);
    ck_assert_uint_le(h->page_count, pages + 1);
  }
  ck_assert(mi_heap_check(h));
  for (int i = 0; i < M; i++) mi_free(ps[i]);
  mi_heap_collect(h, false);
  ck_assert_uint_eq(h->page_count, 0);   /* a collect frees retired pages */
  mi_heap_delete(h);
}
END_TEST

/* ------------------------------------------------------------------------
   Full pages: a remote free into a full page notifies its owner
------------------------------------------------------------------------ */
typedef struct { void** blocks; size_t n; } hand_t;

static void* free_all_remote(void* arg) {
  hand_t* h = (hand_t*)arg;
  for (size_t i = 0; i < h->n; i++) mi_free(h->blocks[i]);
  return NULL;
}

START_TEST(test_internal_full_page_notify)
{
  /* fill pages of 1 KiB blocks until several are full */
  enum { N = 512 };
  void** blocks = (void**)mi_malloc(N * sizeof(void*));
  for (size_t i = 0; i < N; i++) blocks[i] = mi_malloc(1000);
  mi_page_t* first = _mi_segment_page_of_checked(blocks[0]);
  ck_assert_ptr_nonnull(first);
  ck_assert_msg(first->xowner & MI_PAGE_IN_FULL, "the first page should be in the full queue");
  ck_assert_uint_eq(mi_atomic_load_relaxed(&first->xthread_free) & MI_NOTIFY_MASK, MI_NOTIFY_ARMED);
  /* another thread frees the first page's blocks */
  hand_t h = { blocks, 16 };
  pthread_t t;
  pthread_create(&t, NULL, &free_all_remote, &h);
  pthread_join(t, NULL);
  ck_assert_uint_eq(mi_atomic_load_relaxed(&first->xthread_free) & MI_NOTIFY_MASK, MI_NOTIFY_DONE);
  mi_tld_t* tld = mi_heap_get_default()->tld;
  ck_assert_ptr_eq((void*)mi_atomic_load_relaxed(&tld->xnotify), (void*)first);
  /* the owner's next slow path takes the page out of the full queue */
  _mi_tld_process_notify(tld);
  ck_assert(!(first->xowner & MI_PAGE_IN_FULL));
  ck_assert_uint_eq(mi_atomic_load_relaxed(&first->xthread_free) & MI_NOTIFY_MASK, MI_NOTIFY_NONE);
  for (size_t i = 16; i < N; i++) mi_free(blocks[i]);
  mi_free(blocks);
}
END_TEST

/* ------------------------------------------------------------------------
   Abandonment: a thread exits with live blocks; another frees them and
   collects: the abandoned segment is reclaimed and nothing stays abandoned.
------------------------------------------------------------------------ */
static void* alloc_and_exit(void* arg) {
  void** out = (void**)arg;
  for (int i = 0; i < 1000; i++) out[i] = mi_malloc((size_t)(16 + (i % 50) * 24));
  return NULL;
}

START_TEST(test_internal_abandon_reclaim)
{
  static void* blocks[1000];
  pthread_t t;
  pthread_create(&t, NULL, &alloc_and_exit, blocks);
  pthread_join(t, NULL);
  ck_assert_uint_ge(_mi_segment_abandoned_count(), 1);
  mi_page_t* page = _mi_segment_page_of_checked(blocks[0]);
  ck_assert_ptr_nonnull(page);
  ck_assert_uint_eq(_mi_page_tid(page), 0);     /* abandoned: no owner */
  for (int i = 0; i < 1000; i++) mi_free(blocks[i]);
  mi_collect(true);
  ck_assert_uint_eq(_mi_segment_abandoned_count(), 0);
}
END_TEST

/* ------------------------------------------------------------------------
   Sub-processes: abandoned memory is reclaimed only within its sub-process
------------------------------------------------------------------------ */
typedef struct { mi_subproc_id_t sp; void* block; mi_segment_t* seg_seen; } sp_arg_t;

static void* sp_leave_block(void* arg) {
  sp_arg_t* a = (sp_arg_t*)arg;
  mi_subproc_add_current_thread(a->sp);
  a->block = mi_malloc(100);       /* stays live: the segment is abandoned at exit */
  return NULL;
}

static void* sp_allocate_fresh(void* arg) {
  sp_arg_t* a = (sp_arg_t*)arg;
  mi_subproc_add_current_thread(a->sp);
  void* p = mi_malloc(100);        /* a fresh page: reclaims an abandoned segment of its sub-process if any */
  a->seg_seen = _mi_ptr_segment(p);
  mi_free(p);
  return NULL;
}

START_TEST(test_internal_subproc_isolation)
{
  mi_collect(true);   /* adopt whatever earlier tests abandoned */
  ck_assert_uint_eq(_mi_segment_abandoned_count(), 0);
  mi_subproc_id_t sp = mi_subproc_new();
  sp_arg_t a = { sp, NULL, NULL };
  pthread_t t;
  pthread_create(&t, NULL, &sp_leave_block, &a);
  pthread_join(t, NULL);
  mi_segment_t* abandoned = _mi_ptr_segment(a.block);
  ck_assert_uint_eq(_mi_segment_abandoned_count(), 1);
  /* a thread of the main sub-process does not take it */
  sp_arg_t m = { mi_subproc_main(), NULL, NULL };
  pthread_create(&t, NULL, &sp_allocate_fresh, &m);
  pthread_join(t, NULL);
  ck_assert_ptr_ne(m.seg_seen, abandoned);
  ck_assert_uint_ge(_mi_segment_abandoned_count(), 1);
  /* a thread of the same sub-process does */
  sp_arg_t b = { sp, NULL, NULL };
  pthread_create(&t, NULL, &sp_allocate_fresh, &b);
  pthread_join(t, NULL);
  ck_assert_ptr_eq(b.seg_seen, abandoned);
  mi_free(a.block);
  mi_subproc_delete(sp);
  mi_collect(true);
  ck_assert_uint_eq(_mi_segment_abandoned_count(), 0);
}
END_TEST

/* ------------------------------------------------------------------------
   mi_heap_check: true on a healthy heap, false (EFAULT) on corruption
------------------------------------------------------------------------ */
static int check_errors;
static int check_last_err;
static void on_check_error(int err, void* arg) { (void)arg; check_errors++; check_last_err = err; }

START_TEST(test_internal_heap_check)
{
  /* a mixed workload: many sizes, frees in between, a full page, a heap */
  static void* keep[4000];
  for (int i = 0; i < 4000; i++) keep[i] = mi_malloc((size_t)(8 + (i * 37) % 3000));
  for (int i = 0; i < 4000; i += 3) { mi_free(keep[i]); keep[i] = NULL; }
  mi_heap_t* h = mi_heap_new();
  for (int i = 0; i < 100; i++) (void)mi_heap_malloc(h, 100);
  ck_assert(mi_heap_check(NULL));
  ck_assert(mi_heap_check(h));
  mi_heap_destroy(h);
  ck_assert(mi_heap_check(NULL));

  /* corrupt the link of a block on a local free list: the check finds it */
  mi_register_error(&on_check_error, NULL);
  void* a = mi_malloc(64);
  void* b = mi_malloc(64);
  mi_free(a);
  mi_page_t* page = _mi_segment_page_of_checked(b);
  ck_assert_ptr_nonnull(page);
  ck_assert_ptr_nonnull(page->local_free);
  mi_block_t* victim = page->local_free;
  const uintptr_t saved = victim->next;
  victim->next = (uintptr_t)0x1234560;   /* a wild link (encoded or not, it leaves the page) */
  check_errors = 0;
  ck_assert(!mi_heap_check(NULL));
  ck_assert_int_ge(check_errors, 1);
  ck_assert_int_eq(check_last_err, EFAULT);
  victim->next = saved;
  ck_assert(mi_heap_check(NULL));
  /* a wrong used count is found as well */
  page->used++;
  ck_assert(!mi_heap_check(NULL));
  page->used--;
  ck_assert(mi_heap_check(NULL));
  mi_register_error(NULL, NULL);
  mi_free(b);
  for (int i = 0; i < 4000; i++) mi_free(keep[i]);
}
END_TEST

static Suite* internal_suite(void)
{
  Suite* s = suite_create("internal");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_internal_page_lookup);
  tcase_add_test(tc, test_internal_os_page_and_guard);
  tcase_add_test(tc, test_internal_thread_id);
  tcase_add_test(tc, test_internal_block_index);
  tcase_add_test(tc, test_internal_huge_alignment_map);
  tcase_add_test(tc, test_internal_used_counts);
  tcase_add_test(tc, test_internal_retire_reuse_evict);
  tcase_add_test(tc, test_internal_full_page_notify);
  tcase_add_test(tc, test_internal_abandon_reclaim);
  tcase_add_test(tc, test_internal_heap_check);
  tcase_add_test(tc, test_internal_subproc_isolation);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(internal_suite)
