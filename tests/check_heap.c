/* SPDX-License-Identifier: MIT */
/* check_heap.c -- first-class heaps: lifetime, default heap, allocation API, affinity, ownership, visiting. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mimalloc.h>

#include "check_main.h"

static int some_global = 42;

/* ------------------------------------------------------------------------
   helpers
------------------------------------------------------------------------ */

/* The error hook's record. */
static struct {
  int count;
  int last;
} errs;

static void on_error(int err, void *arg)
{
  (void)arg;
  errs.count++;
  errs.last = err;
}

static void *run_thread(void *(*fn)(void *), void *arg)
{
  pthread_t t;
  void *res = NULL;
  ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
  ck_assert_int_eq(pthread_join(t, &res), 0);
  return res;
}

typedef struct {
  void **ptrs;
  size_t n;
} ptr_span_t;

static void *free_span_thread(void *arg)
{
  ptr_span_t *s = arg;
  for (size_t i = 0; i < s->n; i++) mi_free(s->ptrs[i]);
  return NULL;
}

/* A visitor that records what it is shown.  Expected blocks are given as a
   pointer-sorted table; each visited block is looked up in it. */
typedef struct {
  void *p;
  size_t size;
} blk_t;

#define VISIT_MAX 8000

typedef struct {
  const blk_t *expect; /* sorted by address */
  size_t nexpect;
  unsigned char seen[VISIT_MAX];
  size_t areas, blocks, area_used, unknown, dup, too_small, outside_area;
  size_t stop_after_blocks; /* 0: never stop */
  bool stop_at_area;
  bool free_blocks;
  int tag_seen_mask; /* bit 0: a tag other than want_tag */
  int want_tag;      /* -1: any */
} visit_t;

static int blk_cmp(const void *a, const void *b)
{
  uintptr_t x = (uintptr_t)((const blk_t *)a)->p, y = (uintptr_t)((const blk_t *)b)->p;
  return x < y ? -1 : x > y;
}

static bool visitor(const mi_heap_t *heap, const mi_heap_area_t *area, void *block, size_t block_size, void *arg)
{
  (void)heap;
  visit_t *v = arg;
  if (block == NULL) {
    v->areas++;
    v->area_used += area->used;
    if (v->want_tag >= 0 && area->heap_tag != v->want_tag) v->tag_seen_mask |= 1;
    return !v->stop_at_area;
  }
  v->blocks++;
  const uint8_t *b = block, *start = area->blocks;
  if (b < start || b >= start + area->reserved) v->outside_area++;
  blk_t key = {block, 0};
  const blk_t *hit = v->expect ? bsearch(&key, v->expect, v->nexpect, sizeof(blk_t), blk_cmp) : NULL;
  if (hit == NULL) v->unknown++;
  else {
    size_t i = (size_t)(hit - v->expect);
    if (v->seen[i]++) v->dup++;
    if (block_size < hit->size) v->too_small++;
  }
  if (v->free_blocks) mi_free(block);
  return !(v->stop_after_blocks != 0 && v->blocks >= v->stop_after_blocks);
}

static void visit_init(visit_t *v, blk_t *expect, size_t n)
{
  memset(v, 0, sizeof(*v));
  v->want_tag = -1;
  if (n > 0) qsort(expect, n, sizeof(blk_t), blk_cmp);
  v->expect = expect;
  v->nexpect = n;
}

static size_t visit_missing(const visit_t *v)
{
  size_t m = 0;
  for (size_t i = 0; i < v->nexpect; i++) m += (v->seen[i] == 0);
  return m;
}

/* Counts blocks (and areas) of a heap. */
static size_t heap_block_count(const mi_heap_t *h, size_t *areas)
{
  static visit_t v;
  visit_init(&v, NULL, 0);
  ck_assert(mi_heap_visit_blocks(h, true, visitor, &v));
  if (areas) *areas = v.areas;
  return v.blocks;
}

/* Sizes touching every page kind: small, medium, large, huge. */
static const size_t kind_sizes[] = {8, 100, 1000, 5000, 20000, 70000, 300000, 3u << 20, 20u << 20};
#define N_KIND (sizeof(kind_sizes) / sizeof(kind_sizes[0]))

/* ------------------------------------------------------------------------
   lifetime
------------------------------------------------------------------------ */

START_TEST(test_heap_new_variants)
{
  mi_heap_t *backing = mi_heap_get_backing();
  mi_heap_t *a = mi_heap_new(), *b = mi_heap_new_ex(7, false, 0), *c = mi_heap_new_in_arena(0);
  mi_heap_t *hs[4] = {backing, a, b, c};
  for (int i = 0; i < 4; i++) {
    ck_assert_ptr_nonnull(hs[i]);
    for (int j = i + 1; j < 4; j++) ck_assert_ptr_ne(hs[i], hs[j]);
  }
  ck_assert_ptr_eq(mi_heap_get_default(), backing); /* creating a heap does not make it the default */
  void *p[4];
  for (int i = 0; i < 4; i++) {
    p[i] = mi_heap_malloc(hs[i], 100);
    ck_assert_ptr_nonnull(p[i]);
    memset(p[i], i, 100);
  }
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      ck_assert_msg(mi_heap_contains_block(hs[j], p[i]) == (i == j), "block of heap %d vs heap %d", i, j);
  /* the tag shows in the visited areas */
  static visit_t v;
  visit_init(&v, NULL, 0);
  v.want_tag = 7;
  ck_assert(mi_heap_visit_blocks(b, false, visitor, &v));
  ck_assert_uint_ge(v.areas, 1);
  ck_assert_msg(v.tag_seen_mask == 0, "an area of heap_new_ex(7,...) has another tag");
  mi_heap_destroy(a);
  mi_heap_delete(b);
  mi_heap_delete(c);
  for (int i = 2; i < 4; i++) {
    ck_assert_msg(mi_heap_contains_block(backing, p[i]), "deleted heap %d's block did not move to the backing heap", i);
    mi_free(p[i]);
  }
  mi_free(p[0]);
}
END_TEST

typedef struct {
  void *ptrs[N_KIND * 4];
  size_t sizes[N_KIND * 4];
  size_t n;
} kept_t;

/* A deleted heap's blocks stay valid: readable, writable, reallocatable, and
   freeable here and on another thread. */
START_TEST(test_heap_delete_blocks_survive)
{
  static kept_t k;
  mi_heap_t *h = mi_heap_new();
  ck_assert_ptr_nonnull(h);
  k.n = 0;
  for (size_t r = 0; r < 4; r++)
    for (size_t i = 0; i < N_KIND; i++) {
      void *p = mi_heap_malloc(h, kind_sizes[i]);
      ck_assert_ptr_nonnull(p);
      check_fill(p, kind_sizes[i], k.n);
      k.ptrs[k.n] = p;
      k.sizes[k.n++] = kind_sizes[i];
    }
  mi_heap_delete(h);
  mi_heap_t *backing = mi_heap_get_backing();
  /* new allocations must not overlap the surviving blocks */
  void *fresh[64];
  for (int i = 0; i < 64; i++) {
    fresh[i] = mi_malloc(kind_sizes[i % 6]);
    check_fill(fresh[i], kind_sizes[i % 6], 1000 + i);
  }
  for (size_t i = 0; i < k.n; i++) {
    ck_assert_intact(k.ptrs[i], k.sizes[i], i);
    ck_assert_msg(mi_heap_contains_block(backing, k.ptrs[i]), "block %zu (%zu B) not in the backing heap", i, k.sizes[i]);
  }
  for (int i = 0; i < 64; i++) ck_assert_intact(fresh[i], kind_sizes[i % 6], 1000 + i);
  /* realloc one of them */
  void *q = mi_realloc(k.ptrs[0], 100000);
  ck_assert_ptr_nonnull(q);
  ck_assert_intact(q, k.sizes[0], 0);
  k.ptrs[0] = q;
  /* free half here, half on another thread */
  size_t half = k.n / 2;
  for (size_t i = 0; i < half; i++) mi_free(k.ptrs[i]);
  ptr_span_t span = {k.ptrs + half, k.n - half};
  run_thread(free_span_thread, &span);
  for (int i = 0; i < 64; i++) mi_free(fresh[i]);
  mi_collect(true);
  void *again = mi_malloc(50);
  ck_assert_ptr_nonnull(again);
  mi_free(again);
}
END_TEST

/* Delete hands the blocks to the backing heap; destroy frees them: the
   backing heap's visited block count shows the difference. */
START_TEST(test_heap_delete_vs_destroy)
{
  enum { N = 3000 };
  static void *ptrs[N];
  mi_heap_t *backing = mi_heap_get_backing();
  size_t base = heap_block_count(backing, NULL);
  for (int round = 0; round < 2; round++) {
    mi_heap_t *h = mi_heap_new();
    for (int i = 0; i < N; i++) {
      ptrs[i] = mi_heap_malloc(h, kind_sizes[i % 6]);
      ck_assert_ptr_nonnull(ptrs[i]);
    }
    size_t areas = 0;
    ck_assert_uint_eq(heap_block_count(h, &areas), N);
    ck_assert_uint_ge(areas, 6);
    if (round == 0) {
      mi_heap_destroy(h);
      ck_assert_uint_eq(heap_block_count(backing, NULL), base);
      for (int i = 0; i < N; i += 97) ck_assert(!mi_heap_contains_block(backing, ptrs[i]));
    }
    else {
      mi_heap_delete(h);
      ck_assert_uint_eq(heap_block_count(backing, NULL), base + N);
      for (int i = 0; i < N; i++) mi_free(ptrs[i]);
      ck_assert_uint_eq(heap_block_count(backing, NULL), base);
    }
  }
}
END_TEST

/* Destroying or deleting the default heap makes the backing heap the default. */
START_TEST(test_heap_default_falls_back)
{
  mi_heap_t *backing = mi_heap_get_backing();
  for (int round = 0; round < 2; round++) {
    mi_heap_t *h = mi_heap_new();
    mi_heap_t *prev = mi_heap_set_default(h);
    ck_assert_ptr_eq(prev, backing);
    ck_assert_ptr_eq(mi_heap_get_default(), h);
    ck_assert_ptr_eq(mi_heap_get_backing(), backing);
    void *p = mi_malloc(64), *big = mi_malloc(1u << 20);
    ck_assert(mi_heap_contains_block(h, p));
    ck_assert(mi_heap_contains_block(h, big));
    if (round == 0) mi_heap_destroy(h);
    else {
      mi_heap_delete(h);
      mi_free(p);
      mi_free(big);
    }
    ck_assert_ptr_eq(mi_heap_get_default(), backing);
    void *q = mi_malloc(64);
    ck_assert_ptr_nonnull(q);
    ck_assert(mi_heap_contains_block(backing, q));
    mi_free(q);
  }
  /* set_default returns the previous default */
  mi_heap_t *a = mi_heap_new(), *b = mi_heap_new();
  ck_assert_ptr_eq(mi_heap_set_default(a), backing);
  ck_assert_ptr_eq(mi_heap_set_default(b), a);
  ck_assert_ptr_eq(mi_heap_set_default(backing), b);
  mi_heap_delete(a);
  mi_heap_delete(b);
}
END_TEST

typedef struct {
  mi_heap_t *backing, *dflt, *backing_after;
  int survived, alloc_after;
} backing_info_t;

static void *backing_thread(void *arg)
{
  backing_info_t *bi = arg;
  bi->dflt = mi_heap_get_default();
  bi->backing = mi_heap_get_backing();
  void *p = mi_malloc(200);
  memset(p, 0x3C, 200);
  mi_heap_delete(bi->backing); /* ignored: the backing heap lives as long as its thread */
  mi_heap_destroy(bi->backing);
  bi->backing_after = mi_heap_get_backing();
  bi->survived = ((unsigned char *)p)[0] == 0x3C && ((unsigned char *)p)[199] == 0x3C && mi_heap_contains_block(bi->backing, p);
  void *q = mi_malloc(300);
  bi->alloc_after = (q != NULL);
  mi_free(q);
  mi_free(p);
  return NULL;
}

/* Each thread has its own backing heap, which is its first default and
   which delete and destroy leave alone. */
START_TEST(test_heap_backing_per_thread)
{
  backing_info_t bi = {0};
  mi_heap_t *mine = mi_heap_get_backing();
  run_thread(backing_thread, &bi);
  ck_assert_ptr_nonnull(bi.backing);
  ck_assert_ptr_eq(bi.dflt, bi.backing);
  ck_assert_ptr_ne(bi.backing, mine);
  ck_assert_ptr_eq(bi.backing_after, bi.backing);
  ck_assert_msg(bi.survived, "a block of the backing heap did not survive delete/destroy of the backing heap");
  ck_assert(bi.alloc_after);
  ck_assert_ptr_eq(mi_heap_get_backing(), mine);
}
END_TEST

/* A forced collect gives empty pages back: nothing is left to visit. */
START_TEST(test_heap_collect_releases_empty_pages)
{
  enum { N = 20000 };
  static void *ptrs[N];
  mi_heap_t *h = mi_heap_new();
  for (int i = 0; i < N; i++) ptrs[i] = mi_heap_malloc(h, i % 100 == 0 ? 100000 : 64);
  void *keep = mi_heap_malloc(h, 1000);
  strcpy(keep, "kept");
  mi_heap_collect(h, false);
  mi_heap_collect(h, true);
  ck_assert_uint_eq(heap_block_count(h, NULL), N + 1);
  for (int i = 0; i < N; i++) mi_free(ptrs[i]);
  mi_heap_collect(h, true);
  size_t areas = 0;
  ck_assert_uint_eq(heap_block_count(h, &areas), 1);
  ck_assert_uint_eq(areas, 1);
  ck_assert_str_eq(keep, "kept");
  mi_free(keep);
  mi_heap_collect(h, true);
  ck_assert_uint_eq(heap_block_count(h, &areas), 0);
  ck_assert_uint_eq(areas, 0);
  mi_heap_delete(h);
}
END_TEST

/* ------------------------------------------------------------------------
   allocation API
------------------------------------------------------------------------ */

/* `p`, returned by `what`, is a block of `h` with p+ofs aligned to `align`
   and its first `zero` bytes zero. */
static void assert_block(mi_heap_t *h, const void *p, size_t align, size_t ofs, size_t zero, const char *what)
{
  ck_assert_msg(p != NULL, "%s returned NULL", what);
  ck_assert_msg(mi_heap_contains_block(h, p), "%s: %p is not a block of the heap", what, p);
  ck_assert_msg(check_is_aligned((const uint8_t *)p + ofs, align), "%s: %p + %zu not aligned to %zu", what, p, ofs, align);
  ck_assert_zeroed(p, zero);
}

START_TEST(test_heap_malloc_family)
{
  mi_heap_t *h = mi_heap_new();
  const struct {
    void *p;
    size_t zero;
    const char *what;
  } got[] = {
    {mi_heap_malloc(h, 100), 0, "mi_heap_malloc"}, {mi_heap_zalloc(h, 3000), 3000, "mi_heap_zalloc"},
    {mi_heap_calloc(h, 10, 300), 3000, "mi_heap_calloc"}, {mi_heap_mallocn(h, 10, 300), 0, "mi_heap_mallocn"},
    {mi_heap_malloc_small(h, 64), 0, "mi_heap_malloc_small"}, {mi_heap_malloc(h, 40u << 20), 0, "mi_heap_malloc(40 MiB)"},
    {mi_heap_zalloc_small(h, 64), 64, "mi_heap_zalloc_small"},
    {mi_heap_alloc_new(h, 50), 0, "mi_heap_alloc_new"}, {mi_heap_alloc_new_n(h, 5, 20), 0, "mi_heap_alloc_new_n"},
  };
  for (size_t i = 0; i < sizeof(got) / sizeof(got[0]); i++) assert_block(h, got[i].p, 16, 0, got[i].zero, got[i].what);
  ck_assert_uint_ge(mi_usable_size(got[3].p), 3000);
  ck_assert_null_errno(mi_heap_calloc(h, check_opaque(SIZE_MAX / 2), 3), ENOMEM, "mi_heap_calloc", SIZE_MAX / 2);
  ck_assert_null_errno(mi_heap_mallocn(h, check_opaque(SIZE_MAX / 2), 3), ENOMEM, "mi_heap_mallocn", SIZE_MAX / 2);
  ck_assert_null_errno(mi_heap_malloc(h, check_opaque(SIZE_MAX)), ENOMEM, "mi_heap_malloc", SIZE_MAX);
  /* re*: a block from elsewhere that must move lands in the heap, keeping its prefix */
  void *r = mi_malloc(100), *rn = mi_malloc(40), *rf = mi_malloc(40);
  check_fill(r, 100, 7);
  check_fill(rn, 40, 8);
  check_fill(rf, 40, 9);
  r = mi_heap_realloc(h, r, 10000);
  rn = mi_heap_reallocn(h, rn, 20, 1000);
  rf = mi_heap_reallocf(h, rf, 30000);
  assert_block(h, r, 16, 0, 0, "mi_heap_realloc");
  assert_block(h, rn, 16, 0, 0, "mi_heap_reallocn");
  assert_block(h, rf, 16, 0, 0, "mi_heap_reallocf");
  ck_assert_intact(r, 100, 7);
  ck_assert_intact(rn, 40, 8);
  ck_assert_intact(rf, 40, 9);
  void *gone = mi_heap_malloc(h, 16);
  errno = 0;
  ck_assert_ptr_null(mi_heap_reallocf(h, gone, check_opaque(PTRDIFF_MAX)));
  ck_assert_int_eq(errno, ENOMEM);
  ck_assert_ptr_null(mi_heap_reallocn(h, rn, check_opaque(SIZE_MAX / 2), 3));
  ck_assert_intact(rn, 40, 8); /* a failed reallocn leaves the block alone */
  /* strings */
  char *d = mi_heap_strdup(h, "hello heap"), *dn = mi_heap_strndup(h, "hello heap", 5), *dl = mi_heap_strndup(h, "abc", 100);
  char *rp = mi_heap_realpath(h, "/", NULL), own[4096];
  assert_block(h, d, 16, 0, 0, "mi_heap_strdup");
  assert_block(h, dn, 16, 0, 0, "mi_heap_strndup");
  assert_block(h, rp, 16, 0, 0, "mi_heap_realpath");
  ck_assert_str_eq(d, "hello heap");
  ck_assert_str_eq(dn, "hello");
  ck_assert_str_eq(dl, "abc");
  ck_assert_str_eq(rp, "/");
  ck_assert_ptr_eq(mi_heap_realpath(h, "/", own), own);
  ck_assert_str_eq(own, "/");
  errno = 0;
  ck_assert_ptr_null(mi_heap_realpath(h, "/nonexistent/mirt/check_heap", NULL));
  ck_assert_int_eq(errno, ENOENT);
  mi_heap_destroy(h);
}
END_TEST

START_TEST(test_heap_aligned_family)
{
  mi_heap_t *h = mi_heap_new();
  static const size_t aligns[] = {16, 64, 256, 4096, 65536, 1u << 20, 64u << 20};
  for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
    size_t a = aligns[i];
    void *p = mi_heap_malloc_aligned(h, 100, a);
    assert_block(h, p, a, 0, 0, "mi_heap_malloc_aligned");
    assert_block(h, mi_heap_zalloc_aligned(h, 5000, a), a, 0, 5000, "mi_heap_zalloc_aligned");
    assert_block(h, mi_heap_calloc_aligned(h, 10, 50, a), a, 0, 500, "mi_heap_calloc_aligned");
    if (a <= 65536) {
      uint8_t *pa = mi_heap_malloc_aligned_at(h, 200, a, 16);
      assert_block(h, pa, a, 16, 0, "mi_heap_malloc_aligned_at");
      assert_block(h, mi_heap_zalloc_aligned_at(h, 300, a, 32), a, 32, 300, "mi_heap_zalloc_aligned_at");
      assert_block(h, mi_heap_calloc_aligned_at(h, 3, 100, a, 8), a, 8, 300, "mi_heap_calloc_aligned_at");
      check_fill(pa, 200, a);
      uint8_t *ra = mi_heap_realloc_aligned_at(h, pa, 20000, a, 16);
      assert_block(h, ra, a, 16, 0, "mi_heap_realloc_aligned_at");
      ck_assert_intact(ra, 200, a);
    }
    check_fill(p, 100, a);
    void *r = mi_heap_realloc_aligned(h, p, 9000, a);
    assert_block(h, r, a, 0, 0, "mi_heap_realloc_aligned");
    ck_assert_intact(r, 100, a);
  }
  mi_register_error(on_error, NULL); /* secure builds abort on EINVAL without a hook */
  errs.count = 0;
  ck_assert_ptr_null(mi_heap_malloc_aligned(h, 100, 24));
  ck_assert_ptr_null(mi_heap_zalloc_aligned(h, 100, 3));
  mi_register_error(NULL, NULL);
  mi_heap_destroy(h);
}
END_TEST

/* `p` grew from `from` to `to` bytes keeping its pattern, with a zero tail. */
static void assert_grown(mi_heap_t *h, uint8_t *p, size_t from, size_t to, size_t a, size_t ofs, uint64_t seed, const char *what)
{
  assert_block(h, p, a, ofs, 0, what);
  ck_assert_intact(p, from, seed);
  ck_assert_zeroed(p + from, to - from);
}

/* rezalloc/recalloc: bytes beyond the old size come back zero. */
START_TEST(test_heap_zero_realloc_family)
{
  mi_heap_t *h = mi_heap_new();
  static const size_t tos[] = {5000, 100000, 5u << 20};
  for (int k = 0; k < 3; k++) {
    size_t to = tos[k], cto = to / 10 * 10;
    uint8_t *p = mi_heap_zalloc(h, 100), *c = mi_heap_calloc(h, 10, 10), *a = mi_heap_zalloc_aligned(h, 100, 256);
    uint8_t *ao = mi_heap_zalloc_aligned_at(h, 100, 128, 16), *ca = mi_heap_calloc_aligned(h, 10, 10, 64);
    uint8_t *cao = mi_heap_calloc_aligned_at(h, 10, 10, 64, 8);
    uint8_t *all[] = {p, c, a, ao, ca, cao};
    for (int i = 0; i < 6; i++) check_fill(all[i], 100, (uint64_t)i);
    assert_grown(h, mi_heap_rezalloc(h, p, to), 100, to, 16, 0, 0, "mi_heap_rezalloc");
    assert_grown(h, mi_heap_recalloc(h, c, to / 10, 10), 100, cto, 16, 0, 1, "mi_heap_recalloc");
    assert_grown(h, mi_heap_rezalloc_aligned(h, a, to, 256), 100, to, 256, 0, 2, "mi_heap_rezalloc_aligned");
    assert_grown(h, mi_heap_rezalloc_aligned_at(h, ao, to, 128, 16), 100, to, 128, 16, 3, "mi_heap_rezalloc_aligned_at");
    assert_grown(h, mi_heap_recalloc_aligned(h, ca, to / 10, 10, 64), 100, cto, 64, 0, 4, "mi_heap_recalloc_aligned");
    assert_grown(h, mi_heap_recalloc_aligned_at(h, cao, to / 10, 10, 64, 8), 100, cto, 64, 8, 5,
                 "mi_heap_recalloc_aligned_at");
  }
  mi_heap_destroy(h);
}
END_TEST

/* ------------------------------------------------------------------------
   thread affinity
------------------------------------------------------------------------ */

static struct {
  pthread_barrier_t ready, done;
  mi_heap_t *heap;
  void *blocks[100];
  int owner_ok;
} aff;

static void *affinity_owner(void *arg)
{
  (void)arg;
  aff.heap = mi_heap_new();
  for (int i = 0; i < 100; i++) {
    aff.blocks[i] = mi_heap_malloc(aff.heap, 48);
    memset(aff.blocks[i], i, 48);
  }
  pthread_barrier_wait(&aff.ready);
  pthread_barrier_wait(&aff.done); /* the other thread frees blocks 0..49 meanwhile */
  int ok = 1;
  for (int i = 50; i < 100; i++) {
    ok &= ((unsigned char *)aff.blocks[i])[47] == (unsigned char)i;
    mi_free(aff.blocks[i]);
  }
  for (int i = 0; i < 1000; i++) {
    void *p = mi_heap_malloc(aff.heap, 48 + (size_t)i % 300);
    ok &= (p != NULL) && mi_heap_contains_block(aff.heap, p);
  }
  mi_heap_destroy(aff.heap);
  aff.owner_ok = ok;
  return NULL;
}

/* Allocating from (or destroying) another thread's heap is reported through
   the error hook; freeing its blocks from any thread is fine. */
START_TEST(test_heap_thread_affinity)
{
  pthread_t owner;
  pthread_barrier_init(&aff.ready, NULL, 2);
  pthread_barrier_init(&aff.done, NULL, 2);
  ck_assert_int_eq(pthread_create(&owner, NULL, affinity_owner, NULL), 0);
  pthread_barrier_wait(&aff.ready);
  mi_register_error(on_error, NULL);
  errs.count = 0;
  for (int i = 0; i < 50; i++) mi_free(aff.blocks[i]);
  int free_errs = errs.count;
  /* a size class the heap has never served: no fast path can hide the misuse */
  void *q = mi_heap_malloc(aff.heap, 3000);
  int alloc_errs = errs.count - free_errs, alloc_code = errs.last;
  if (q != NULL) mi_free(q); /* a cross-thread free, before the owner destroys the heap */
  errs.last = 0;
  mi_heap_destroy(aff.heap); /* not ours to destroy: refused */
  int destroy_errs = errs.count - free_errs - alloc_errs, destroy_code = errs.last;
  mi_register_error(NULL, NULL);
  pthread_barrier_wait(&aff.done);
  pthread_join(owner, NULL);
  ck_assert_msg(free_errs == 0, "freeing another thread's blocks reported %d errors", free_errs);
  ck_assert_msg(alloc_errs >= 1, "allocating from another thread's heap was not reported (got %p)", q);
  ck_assert_int_eq(alloc_code, EINVAL);
  ck_assert_msg(destroy_errs >= 1, "destroying another thread's heap was not reported");
  ck_assert_int_eq(destroy_code, EINVAL);
  ck_assert_msg(aff.owner_ok, "the owner could not keep using its heap");
}
END_TEST

/* ------------------------------------------------------------------------
   ownership queries
------------------------------------------------------------------------ */

/* contains_block: true exactly for (interior pointers of) the heap's own
   blocks, huge and aligned ones included; is_in_heap_region for any block. */
START_TEST(test_heap_contains_block)
{
  mi_heap_t *h = mi_heap_new(), *h2 = mi_heap_new(), *backing = mi_heap_get_backing();
  int local = 1;
  void *libc = malloc(100);
  void *blocks[] = {
    mi_heap_malloc(h, 16), mi_heap_malloc(h, 20000), mi_heap_malloc(h, 1u << 20), mi_heap_malloc(h, 40u << 20),
    mi_heap_malloc_aligned(h, 64, 4096), mi_heap_malloc_aligned(h, 100, 1u << 20), mi_heap_malloc_aligned(h, 100, 64u << 20),
    mi_heap_zalloc_aligned(h, 50u << 20, 1u << 20),
  };
  for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
    uint8_t *p = blocks[i];
    ck_assert_ptr_nonnull(p);
    size_t us = mi_usable_size(p);
    const uint8_t *probes[] = {p, p + us / 2, p + us - 1};
    ck_assert_msg(mi_is_in_heap_region(p), "block %zu not in the heap region", i);
    for (int k = 0; k < 3; k++) {
      ck_assert_msg(mi_heap_contains_block(h, probes[k]), "block %zu (+%td) not in its heap", i, probes[k] - p);
      ck_assert_msg(mi_heap_contains(h, probes[k]) && mi_heap_of(probes[k]) == h, "v3 names: block %zu (+%td)", i, probes[k] - p);
      ck_assert_msg(!mi_heap_contains_block(h2, probes[k]), "block %zu claimed by another heap", i);
      ck_assert_msg(!mi_heap_contains_block(backing, probes[k]), "block %zu claimed by the backing heap", i);
    }
  }
  void *b = mi_malloc(100), *bh = mi_malloc(40u << 20);
  ck_assert(mi_heap_contains_block(backing, b));
  ck_assert(mi_heap_contains_block(backing, bh));
  ck_assert(mi_heap_of(b) == backing && mi_heap_of(bh) == backing);
  ck_assert(!mi_heap_contains_block(h, b));
  ck_assert(!mi_heap_contains_block(h, bh));
  const void *foreign[] = {&local, &some_global, libc, NULL, (void *)(uintptr_t)0x1000};
  for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
    ck_assert_msg(!mi_heap_contains_block(h, foreign[i]), "foreign pointer %zu claimed", i);
    ck_assert_msg(!mi_heap_contains_block(backing, foreign[i]), "foreign pointer %zu claimed by backing", i);
    ck_assert_msg(mi_heap_of(foreign[i]) == NULL && !mi_heap_contains(h, foreign[i]), "foreign pointer %zu has a heap", i);
    ck_assert_msg(!mi_is_in_heap_region(foreign[i]), "foreign pointer %zu in the heap region", i);
  }
  ck_assert(mi_is_in_heap_region(b) && mi_is_in_heap_region(bh));
  free(libc);
  mi_free(b);
  mi_free(bh);
  mi_heap_destroy(h);
  mi_heap_destroy(h2);
}
END_TEST

START_TEST(test_heap_check_owned)
{
  mi_heap_t *h = mi_heap_new();
  int local = 0;
  uint8_t *p = mi_heap_malloc(h, 100), *big = mi_heap_malloc(h, 20000), *huge = mi_heap_malloc(h, 40u << 20);
  uint8_t *d = mi_malloc(100);
  const void *yes[] = {p, p + 8, big, huge, huge + (1u << 20)}, *no[] = {d, &local, &some_global, NULL};
  for (size_t i = 0; i < 5; i++) ck_assert_msg(mi_heap_check_owned(h, yes[i]), "own pointer %zu not owned", i);
  for (size_t i = 0; i < 4; i++) ck_assert_msg(!mi_heap_check_owned(h, no[i]), "other pointer %zu owned", i);
  /* mi_check_owned asks the default heap */
  ck_assert(mi_check_owned(d) && !mi_check_owned(p) && !mi_check_owned(&local));
  mi_heap_t *prev = mi_heap_set_default(h);
  ck_assert(mi_check_owned(p) && mi_check_owned(huge) && !mi_check_owned(d));
  mi_heap_set_default(prev);
  mi_free(d);
  mi_heap_destroy(h);
}
END_TEST

/* ------------------------------------------------------------------------
   visiting
------------------------------------------------------------------------ */

static const size_t visit_sizes[] = {16, 48, 100, 640, 1000, 8000, 20000, 60000, 200000, 2u << 20, 20u << 20};
static const size_t visit_counts[] = {3000, 2000, 1500, 400, 300, 60, 30, 12, 5, 3, 2};
#define N_VISIT_SIZES (sizeof(visit_sizes) / sizeof(visit_sizes[0]))

/* Visited blocks are exactly the live ones, with a block size that holds
   their request, each once; areas add up to the same count.  Blocks freed
   locally or by another thread (not yet collected) are not visited. */
START_TEST(test_heap_visit_counts)
{
  static blk_t all[VISIT_MAX], live[VISIT_MAX];
  static void *remote[VISIT_MAX];
  mi_heap_t *h = mi_heap_new();
  size_t n = 0, nlive = 0, nremote = 0;
  for (size_t s = 0; s < N_VISIT_SIZES; s++)
    for (size_t i = 0; i < visit_counts[s]; i++) {
      all[n].p = mi_heap_malloc(h, visit_sizes[s]);
      all[n].size = visit_sizes[s];
      ck_assert_ptr_nonnull(all[n].p);
      n++;
    }
  for (size_t i = 0; i < n; i++) {
    if (i % 3 == 1) mi_free(all[i].p);
    else if (i % 5 == 2) remote[nremote++] = all[i].p;
    else live[nlive++] = all[i];
  }
  ptr_span_t span = {remote, nremote};
  run_thread(free_span_thread, &span);
  static visit_t v;
  visit_init(&v, live, nlive);
  ck_assert(mi_heap_visit_blocks(h, true, visitor, &v));
  ck_assert_uint_eq(v.blocks, nlive);
  ck_assert_uint_eq(v.unknown, 0);
  ck_assert_uint_eq(v.dup, 0);
  ck_assert_uint_eq(visit_missing(&v), 0);
  ck_assert_uint_eq(v.too_small, 0);
  ck_assert_uint_eq(v.outside_area, 0);
  ck_assert_uint_eq(v.area_used, nlive);
  ck_assert_uint_ge(v.areas, N_VISIT_SIZES);
  /* areas only */
  visit_init(&v, NULL, 0);
  ck_assert(mi_heap_visit_blocks(h, false, visitor, &v));
  ck_assert_uint_eq(v.blocks, 0);
  ck_assert_uint_eq(v.area_used, nlive);
  mi_heap_destroy(h);
}
END_TEST

START_TEST(test_heap_visit_stops_early)
{
  mi_heap_t *h = mi_heap_new();
  for (int i = 0; i < 500; i++) ck_assert_ptr_nonnull(mi_heap_malloc(h, 32 + (size_t)(i % 5) * 1000));
  static visit_t v;
  visit_init(&v, NULL, 0);
  v.stop_after_blocks = 5;
  ck_assert(!mi_heap_visit_blocks(h, true, visitor, &v));
  ck_assert_uint_eq(v.blocks, 5);
  visit_init(&v, NULL, 0);
  v.stop_at_area = true;
  ck_assert(!mi_heap_visit_blocks(h, true, visitor, &v));
  ck_assert_uint_eq(v.areas, 1);
  ck_assert_uint_eq(v.blocks, 0);
  mi_heap_destroy(h);
}
END_TEST

/* The visitor may free the block it is shown. */
START_TEST(test_heap_visit_free_inside)
{
  static blk_t all[VISIT_MAX];
  mi_heap_t *h = mi_heap_new();
  size_t n = 0;
  for (size_t s = 0; s < N_VISIT_SIZES; s++)
    for (size_t i = 0; i < visit_counts[s] / 2 + 1; i++) {
      all[n].p = mi_heap_malloc(h, visit_sizes[s]);
      all[n++].size = visit_sizes[s];
    }
  static visit_t v;
  visit_init(&v, all, n);
  v.free_blocks = true;
  ck_assert(mi_heap_visit_blocks(h, true, visitor, &v));
  ck_assert_uint_eq(v.blocks, n);
  ck_assert_uint_eq(v.unknown, 0);
  ck_assert_uint_eq(v.dup, 0);
  ck_assert_uint_eq(heap_block_count(h, NULL), 0);
  mi_heap_collect(h, true);
  size_t areas = 1;
  heap_block_count(h, &areas);
  ck_assert_uint_eq(areas, 0);
  void *p = mi_heap_malloc(h, 100);
  assert_block(h, p, 16, 0, 0, "mi_heap_malloc after visiting");
  mi_heap_destroy(h);
}
END_TEST

/* ------------------------------------------------------------------------
   abandoned blocks
------------------------------------------------------------------------ */

#define AB_PLAIN 600
#define AB_TAGGED 50
#define AB_TAG 9
static blk_t ab_plain[AB_PLAIN + 3], ab_tagged[AB_TAGGED];

static void *abandoning_thread(void *arg)
{
  (void)arg;
  for (int i = 0; i < AB_PLAIN; i++) {
    ab_plain[i].size = 48;
    ab_plain[i].p = mi_malloc(48);
  }
  for (int i = 0; i < 3; i++) {
    ab_plain[AB_PLAIN + i].size = 100000;
    ab_plain[AB_PLAIN + i].p = mi_malloc(100000);
  }
  mi_heap_t *t = mi_heap_new_ex(AB_TAG, false, 0);
  for (int i = 0; i < AB_TAGGED; i++) {
    ab_tagged[i].size = 200;
    ab_tagged[i].p = mi_heap_malloc(t, 200);
  }
  return NULL; /* exits with everything live: its pages are abandoned */
}

START_TEST(test_heap_abandoned_visit_blocks)
{
  mi_option_enable(mi_option_visit_abandoned);
  run_thread(abandoning_thread, NULL);
  static visit_t v;
  visit_init(&v, ab_plain, AB_PLAIN + 3);
  ck_assert(mi_abandoned_visit_blocks(mi_subproc_main(), -1, true, visitor, &v));
  ck_assert_uint_eq(visit_missing(&v), 0);
  ck_assert_uint_eq(v.dup, 0);
  ck_assert_uint_eq(v.too_small, 0);
  ck_assert_uint_ge(v.unknown, AB_TAGGED); /* the tagged blocks too */
  /* by tag */
  visit_init(&v, ab_tagged, AB_TAGGED);
  v.want_tag = AB_TAG;
  ck_assert(mi_abandoned_visit_blocks(mi_subproc_main(), AB_TAG, true, visitor, &v));
  ck_assert_uint_eq(visit_missing(&v), 0);
  ck_assert_uint_eq(v.unknown, 0);
  ck_assert_uint_eq(v.dup, 0);
  ck_assert_msg(v.tag_seen_mask == 0, "an area of another tag was visited");
  for (int i = 0; i < AB_PLAIN + 3; i++) mi_free(ab_plain[i].p);
  for (int i = 0; i < AB_TAGGED; i++) mi_free(ab_tagged[i].p);
}
END_TEST

static char out_buf[4096];

static void on_output(const char *msg, void *arg)
{
  (void)arg;
  strncat(out_buf, msg, sizeof(out_buf) - strlen(out_buf) - 1);
}

/* Without the option the walk is refused, with a message naming it. */
START_TEST(test_heap_abandoned_visit_needs_option)
{
  mi_option_disable(mi_option_visit_abandoned);
  static visit_t v;
  visit_init(&v, NULL, 0);
  mi_register_error(on_error, NULL);
  mi_register_output(on_output, NULL);
  out_buf[0] = 0;
  ck_assert(!mi_abandoned_visit_blocks(mi_subproc_main(), -1, true, visitor, &v));
  mi_register_output(NULL, NULL);
  mi_register_error(NULL, NULL);
  ck_assert_msg(strcasestr(out_buf, "visit_abandoned") != NULL, "message \"%s\" does not name the option", out_buf);
  ck_assert_uint_eq(v.areas + v.blocks, 0);
}
END_TEST

/* ------------------------------------------------------------------------
   suite
------------------------------------------------------------------------ */

static Suite *heap_suite(void)
{
  Suite *s = suite_create("heap");

  TCase *life = check_tcase(s, "lifetime", 20);
  tcase_add_test(life, test_heap_new_variants);
  tcase_add_test(life, test_heap_delete_blocks_survive);
  tcase_add_test(life, test_heap_delete_vs_destroy);
  tcase_add_test(life, test_heap_default_falls_back);
  tcase_add_test(life, test_heap_backing_per_thread);
  tcase_add_test(life, test_heap_collect_releases_empty_pages);

  TCase *api = check_tcase(s, "alloc", 20);
  tcase_add_test(api, test_heap_malloc_family);
  tcase_add_test(api, test_heap_aligned_family);
  tcase_add_test(api, test_heap_zero_realloc_family);

  TCase *thr = check_tcase(s, "threads", 20);
  tcase_add_test(thr, test_heap_thread_affinity);

  TCase *own = check_tcase(s, "ownership", 20);
  tcase_add_test(own, test_heap_contains_block);
  tcase_add_test(own, test_heap_check_owned);

  TCase *vis = check_tcase(s, "visit", 20);
  tcase_add_test(vis, test_heap_visit_counts);
  tcase_add_test(vis, test_heap_visit_stops_early);
  tcase_add_test(vis, test_heap_visit_free_inside);
  tcase_add_test(vis, test_heap_abandoned_visit_blocks);
  tcase_add_test(vis, test_heap_abandoned_visit_needs_option);

  return s;
}

CHECK_MAIN(heap_suite)
