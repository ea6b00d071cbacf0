/* SPDX-License-Identifier: MIT */
/* fuzz_alloc.c -- libFuzzer harness: each input is a program of mi_* operations over several heaps and 2-4 threads, every result checked. */

/*
 * Input format (all reads past the end give 0, so every input is valid):
 *   byte 0         number of worker threads used: 2 + b % 3
 *   then ops       header byte: low 5 bits select the operation (modulo
 *                  OP_COUNT), high 3 bits the executing worker (modulo the
 *                  number of threads); the operands follow (see decode_op).
 *
 * Operations run one at a time on the worker that the header names (heaps
 * are thread-affine, frees may come from anywhere), so an input replays
 * deterministically; OP_BURST runs a few operations on every worker at once,
 * each worker on its own share of the slots, for real concurrency.
 *
 * After every operation the results are checked (tests/fuzz/README.md has
 * the list); with -DFUZZ_CHECK_STATS also mi_stats_get's live blocks.
 *
 * fuzz_replay.c gives it a main() without libFuzzer, so the corpus also
 * runs as a regression test under any compiler.
 */
#include <mimalloc.h>
#ifdef FUZZ_CHECK_STATS
#include <mimalloc-stats.h>
#endif
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_THREADS   4                      /* workers started */
#define FZ_SLOTS     128                    /* live blocks at most */
#define FZ_HEAPS     3                      /* first-class heaps per worker */
#define FZ_LIVE_CAP  ((size_t)96 << 20)     /* usable bytes live at most */
#define FZ_BATCH     64                     /* ops sent to a worker at once */
#define FZ_BURST_MAX 12                     /* ops per worker in a burst */

#include "fuzz_oracle.h"

enum {
  OP_MALLOC, OP_CALLOC, OP_ZALLOC, OP_HEAP_ALLOC, OP_ALIGNED, OP_REALLOC, OP_REZALLOC,
  OP_FREE, OP_FREE2, OP_USABLE, OP_HEAP_NEW, OP_HEAP_DELETE, OP_HEAP_DESTROY, OP_SET_DEFAULT,
  OP_COLLECT, OP_MOVE, OP_CHECK, OP_BURST, OP_RESTART, OP_INVALID, OP_MALLOC2, OP_COUNT
};

typedef struct op_s {
  uint8_t kind, worker, variant, slot, slot2;
  int8_t heap;               /* -1: the backing heap */
  size_t index;              /* position in the input, for reports */
  bool force;
  size_t size, count, align, offset;
} op_t;

typedef struct block_s {
  uint8_t *p;                /* NULL: slot empty */
  size_t req, usable;
  uint64_t seed;
  mi_heap_t *owner;          /* heap whose page holds it; NULL when unknown (abandoned) */
} block_t;

typedef struct worker_s {
  int index;
  pthread_t thread;
  sem_t go, done;
  int cmd;                   /* CMD_* */
  op_t ops[FZ_BATCH];
  size_t nops;
  reader_t burst;            /* a burst's private op stream */
  mi_heap_t *heaps[FZ_HEAPS];
  mi_heap_t *backing;
  int deflt;                 /* index of the default heap, -1 = backing */
#ifdef FUZZ_CHECK_STATS
  long long stat_blocks;
#endif
} worker_t;

enum { CMD_OPS, CMD_BURST, CMD_EXIT, CMD_FINISH, CMD_STATS };

static worker_t workers[FZ_THREADS];
static int nthreads = 2;
static block_t slots[FZ_SLOTS];
static atomic_size_t live_bytes;

static atomic_int errors_expected;       /* >0 while OP_INVALID runs */
static atomic_int errors_seen;
static atomic_int last_error;

/* ------------------------------------------------------------------------
   Allocator hooks: an error report is a failure unless OP_INVALID asked
   for it; the last message goes into failure reports.
------------------------------------------------------------------------ */
static void on_error(int err, void *arg)
{
  (void)arg;
  atomic_store(&last_error, err);
  if (atomic_load(&errors_expected) > 0 && (err == ENOMEM || err == EINVAL || err == EOVERFLOW)) return;
  atomic_fetch_add(&errors_seen, 1);
}

static void on_output(const char *msg, void *arg)
{
  (void)arg;
  snprintf(last_msg, sizeof last_msg, "%s", msg);
}

/* ------------------------------------------------------------------------
   Input decoding
------------------------------------------------------------------------ */
/* A size biased towards the interesting places: tiny, size-class
   boundaries, powers of two, medium, large, and (rarely) huge. */
static size_t rd_size(reader_t *r)
{
  const uint8_t b = rd8(r);
  const uint16_t v = rd16(r);
  switch (b & 15) {
  case 9: case 10: return v % 8192;
  case 11: { size_t g = mi_good_size(v % 70000); return g - 1 + (b >> 6) % 3; }
  case 12: return ((size_t)1 << (v % 23)) - 1 + (b >> 6);
  case 13: return (size_t)v * 16;                        /* up to 1 MiB */
  case 14: return (size_t)(v % 16384) * 256 + (b >> 4);   /* up to 4 MiB */
  case 15: return (b & 0xf0) == 0xf0 ? (size_t)(16 << 20) + (size_t)v * 64 : v % 2048;   /* huge: 16-20 MiB */
  default: return v & 0xff;                               /* 0..255 */
  }
}

/* A power-of-two alignment, mostly small; up to 64 MiB rarely. */
static size_t rd_align(reader_t *r)
{
  const uint8_t b = rd8(r);
  unsigned shift = b % 32;
  if (shift >= 23) shift = (b >> 5) == 7 ? 23 + shift % 4 : shift % 12;
  return (size_t)1 << shift;
}

static void decode_op(reader_t *r, op_t *op, uint8_t header)
{
  memset(op, 0, sizeof *op);
  op->kind = (uint8_t)((header & 31) % OP_COUNT);
  op->worker = (uint8_t)((header >> 5) % nthreads);
  switch (op->kind) {
  case OP_MALLOC: case OP_ZALLOC: case OP_MALLOC2:
    op->slot = rd8(r); op->variant = rd8(r); op->size = rd_size(r); break;
  case OP_CALLOC: {
    op->slot = rd8(r); op->count = rd8(r) % 64;
    const uint8_t x = rd8(r);
    op->variant = (uint8_t)(x % 3); op->count += (x == 0xff ? 4096 : 0); op->size = rd_size(r) % 4096;
    break;
  }
  case OP_HEAP_ALLOC:
    op->slot = rd8(r); op->variant = rd8(r); op->heap = (int8_t)(rd8(r) % (FZ_HEAPS + 1)) - 1;
    op->size = rd_size(r); op->count = 1 + rd8(r) % 8; op->align = rd_align(r); op->offset = rd16(r); break;
  case OP_ALIGNED:
    op->slot = rd8(r); op->variant = rd8(r); op->size = rd_size(r); op->align = rd_align(r);
    op->offset = rd16(r); op->count = 1 + rd8(r) % 8; break;
  case OP_REALLOC: case OP_REZALLOC:
    op->slot = rd8(r); op->variant = rd8(r); op->heap = (int8_t)(rd8(r) % (FZ_HEAPS + 1)) - 1;
    op->size = rd_size(r); op->align = rd_align(r); op->offset = rd16(r); op->count = 1 + rd8(r) % 8; break;
  case OP_FREE: case OP_FREE2: case OP_USABLE:
    op->slot = rd8(r); op->variant = rd8(r); break;
  case OP_HEAP_NEW: case OP_HEAP_DELETE: case OP_HEAP_DESTROY: case OP_SET_DEFAULT:
    op->heap = (int8_t)(rd8(r) % (FZ_HEAPS + 1)) - 1; break;
  case OP_COLLECT:
    op->variant = rd8(r); op->heap = (int8_t)(rd8(r) % (FZ_HEAPS + 1)) - 1; op->force = (op->variant & 0x80) != 0; break;
  case OP_MOVE:
    op->slot = rd8(r); op->slot2 = rd8(r); break;
  case OP_BURST:
    op->count = 1 + rd8(r) % FZ_BURST_MAX; break;
  case OP_INVALID:
    op->slot = rd8(r); op->variant = rd8(r); op->size = rd16(r); break;
  default:
    break;
  }
  op->slot %= FZ_SLOTS;
  op->slot2 %= FZ_SLOTS;
#ifdef FUZZ_AVOID_KNOWN_BUGS
  /* campaigns only, while the report is open: size 0 with an alignment
     above 16 MiB crashes (division by zero in page_extend) */
  if (op->align > ((size_t)16 << 20)) op->size = 16 + op->size % 8000;
#endif
}

/* ------------------------------------------------------------------------
   Blocks in slots
------------------------------------------------------------------------ */
static mi_heap_t *heap_of(worker_t *w, int idx)
{
  return (idx < 0 || w->heaps[idx] == NULL) ? w->backing : w->heaps[idx];
}

static mi_heap_t *default_of(worker_t *w) { return w->deflt < 0 ? w->backing : w->heaps[w->deflt]; }

/* Checks a live block: the whole usable size still holds its pattern, its
   usable size is unchanged and its heap (when known) claims it. */
static void block_verify(const block_t *b, int s, const char *when)
{
  const size_t bad = pat_first_bad(b->p, b->usable, b->seed);
  FZ_CHECK(bad == SIZE_MAX, "%s: slot %d block %p (request %zu, usable %zu): pattern broken at offset %zu",
           when, s, (void *)b->p, b->req, b->usable, bad);
  const size_t u = mi_usable_size(b->p);
  FZ_CHECK(u == b->usable, "%s: slot %d block %p: usable size changed from %zu to %zu", when, s, (void *)b->p, b->usable, u);
  if (b->owner != NULL)
    FZ_CHECK(mi_heap_contains_block(b->owner, b->p), "%s: slot %d block %p: mi_heap_contains_block(%p) is false",
             when, s, (void *)b->p, (void *)b->owner);
}

/* Takes the block out of slot s (verified first) so it can be freed. */
static block_t slot_take(int s, const char *when)
{
  block_t b = slots[s];
  block_verify(&b, s, when);
  iv_remove(b.p);
  atomic_fetch_sub(&live_bytes, b.usable);
  slots[s].p = NULL;
  return b;
}

/* Gives a block taken with slot_take back to its slot (a failed realloc). */
static void slot_restore(int s, const block_t *b)
{
  iv_insert(b->p, b->usable, s);
  atomic_fetch_add(&live_bytes, b->usable);
  slots[s] = *b;
}

static bool within_cap(size_t req) { return req <= FZ_LIVE_CAP && atomic_load(&live_bytes) + req <= FZ_LIVE_CAP; }

/* Records a new block p for a request of `req` bytes in slot s and checks
   it: non-NULL, usable >= req, alignment of p + offset, no overlap, owned
   by `owner`.  Bytes [0, keep) already hold the pattern of `seed`; the rest
   of the usable size is filled. */
static void slot_put(int s, void *vp, size_t req, mi_heap_t *owner, size_t align, size_t offset, const char *what,
                     size_t keep, uint64_t seed)
{
  uint8_t *p = vp;
  FZ_CHECK(p != NULL, "%s(%zu, align %zu, offset %zu) returned NULL (errno %d) for a valid request", what, req, align,
           offset, errno);
  const size_t usable = mi_usable_size(p);
  FZ_CHECK(usable >= req, "%s(%zu): usable size %zu < request", what, req, usable);
  if (align == 0) align = 16;   /* every fresh mirt block is 16-byte aligned */
  FZ_CHECK((((uintptr_t)p + offset) & (align - 1)) == 0, "%s(%zu): %p + %zu not aligned to %zu", what, req, (void *)p,
             offset, align);
  FZ_CHECK(mi_is_in_heap_region(p), "%s(%zu): %p not in mirt's heap region", what, req, (void *)p);
  if (owner != NULL)
    FZ_CHECK(mi_heap_contains_block(owner, p), "%s(%zu): mi_heap_contains_block(%p, %p) is false", what, req,
             (void *)owner, (void *)p);
  iv_insert(p, usable, s);
  atomic_fetch_add(&live_bytes, usable);
  if (keep > usable) keep = usable;
  pat_fill(p, keep, usable, seed);
  slots[s] = (block_t){ p, req, usable, seed, owner };
}

static uint64_t new_seed(void)
{
  static atomic_uint_fast64_t counter;
  return (atomic_fetch_add(&counter, 1) + 1) * 0xD1B54A32D192ED03ull;
}

static void check_zero(const uint8_t *p, size_t from, size_t to, const char *what)
{
  const size_t j = first_nonzero(p, from, to);
  FZ_CHECK(j == SIZE_MAX, "%s: byte %zu of [%zu, %zu) is %#x, not zero (block %p)", what, j, from, to, p[j], (const void *)p);
}

/* Frees the block of slot s on the calling thread with one of the free
   functions; free must keep errno. */
static void slot_free(int s, uint8_t variant, const char *when)
{
  if (slots[s].p == NULL) return;
  block_t b = slot_take(s, when);
  errno = 4242;
  switch (variant % 4) {
  case 0: mi_free(b.p); break;
  case 1: { size_t bs = 0; mi_ufree(b.p, &bs);
            FZ_CHECK(bs == b.usable, "mi_ufree(%p) reported %zu, usable was %zu", (void *)b.p, bs, b.usable); break; }
  case 2: mi_free_size(b.p, b.req); break;
  default: mi_cfree(b.p); break;
  }
  FZ_CHECK(errno == 4242, "free of %p changed errno to %d", (void *)b.p, errno);
}

/* ------------------------------------------------------------------------
   Operations (run on worker w)
------------------------------------------------------------------------ */
static size_t at_align(size_t a) { return a > ((size_t)1 << 20) ? ((size_t)1 << 20) : a; }
static size_t at_offset(const op_t *op, size_t a) { return op->offset & (2 * (a < 65536 ? a : 65536) - 1); }

static void op_alloc(worker_t *w, const op_t *op, int s)
{
  mi_heap_t *h = heap_of(w, op->heap), *d = default_of(w);
  size_t n = op->size, a = op->align, off = 0, bs = SIZE_MAX;
  bool zero = false;
  void *p = NULL;
  mi_heap_t *owner = d;
  const char *what = "?";
  uint8_t v = op->variant;
  if (!within_cap((op->kind == OP_CALLOC ? n * op->count : n) + a)) return;
  slot_free(s, v >> 5, "free before reuse");
  switch (op->kind) {
  case OP_MALLOC:
    switch (v % 5) {
    case 0: what = "mi_malloc"; p = mi_malloc(n); break;
    case 1: what = "mi_umalloc"; p = mi_umalloc(n, &bs); break;
    case 2: what = "mi_malloc_small"; if (n > MI_SMALL_SIZE_MAX) n %= MI_SMALL_SIZE_MAX + 1; p = mi_malloc_small(n); break;
    case 3: what = "mi_mallocn"; n &= ~(size_t)1; p = mi_mallocn(2, n / 2); break;
    default: what = "mi_new_nothrow"; p = mi_new_nothrow(n); break;
    }
    break;
  case OP_MALLOC2:
    a = (size_t)8 << ((v >> 3) % 10);
    switch (v % 6) {
    case 0: what = "mi_memalign"; p = mi_memalign(a, n); break;
    case 1: what = "mi_aligned_alloc"; p = mi_aligned_alloc(a, n); break;
    case 2: { what = "mi_posix_memalign"; int rc = mi_posix_memalign(&p, a, n);
              FZ_CHECK((rc == 0) == (p != NULL), "mi_posix_memalign returned %d with %p", rc, p); break; }
    case 3: what = "mi_valloc"; a = 4096; p = mi_valloc(n); break;
    case 4: what = "mi_pvalloc"; a = 4096; p = mi_pvalloc(n); n = (n + 4095) & ~(size_t)4095; break;
    default: what = "mi_new"; a = 0; p = mi_new(n); break;
    }
    break;
  case OP_CALLOC:
    zero = true;
    switch (v % 3) {
    case 0: what = "mi_calloc"; p = mi_calloc(op->count, n); break;
    case 1: what = "mi_ucalloc"; p = mi_ucalloc(op->count, n, &bs); break;
    default: what = "mi_heap_calloc"; owner = h; p = mi_heap_calloc(h, op->count, n); break;
    }
    n *= op->count;
    break;
  case OP_ZALLOC:
    zero = true;
    a = (size_t)16 << ((v >> 3) % 8);
    switch (v % 5) {
    case 0: what = "mi_zalloc"; a = 0; p = mi_zalloc(n); break;
    case 1: what = "mi_zalloc_small"; a = 0; if (n > MI_SMALL_SIZE_MAX) n %= MI_SMALL_SIZE_MAX + 1; p = mi_zalloc_small(n); break;
    case 2: what = "mi_uzalloc_small"; a = 0; if (n > MI_SMALL_SIZE_MAX) n %= MI_SMALL_SIZE_MAX + 1; p = mi_uzalloc_small(n, &bs); break;
    case 3: what = "mi_zalloc_aligned"; p = mi_zalloc_aligned(n, a); break;
    default: what = "mi_uzalloc_aligned"; p = mi_uzalloc_aligned(n, a, &bs); break;
    }
    break;
  case OP_HEAP_ALLOC:
    owner = h;
    switch (v % 11) {
    case 0: what = "mi_heap_malloc"; a = 0; p = mi_heap_malloc(h, n); break;
    case 1: what = "mi_heap_zalloc"; a = 0; zero = true; p = mi_heap_zalloc(h, n); break;
    case 2: what = "mi_heap_calloc"; a = 0; zero = true; n %= 8192; p = mi_heap_calloc(h, op->count, n); n *= op->count; break;
    case 3: what = "mi_heap_mallocn"; a = 0; n %= 8192; p = mi_heap_mallocn(h, op->count, n); n *= op->count; break;
    case 4: what = "mi_heap_malloc_small"; a = 0; if (n > MI_SMALL_SIZE_MAX) n %= MI_SMALL_SIZE_MAX + 1; p = mi_heap_malloc_small(h, n); break;
    case 5: what = "mi_heap_malloc_aligned"; p = mi_heap_malloc_aligned(h, n, a); break;
    case 6: what = "mi_heap_malloc_aligned_at"; a = at_align(a); off = at_offset(op, a); p = mi_heap_malloc_aligned_at(h, n, a, off); break;
    case 7: what = "mi_heap_zalloc_aligned"; zero = true; p = mi_heap_zalloc_aligned(h, n, a); break;
    case 8: what = "mi_heap_zalloc_aligned_at"; zero = true; a = at_align(a); off = at_offset(op, a); p = mi_heap_zalloc_aligned_at(h, n, a, off); break;
    case 9: what = "mi_heap_calloc_aligned_at"; zero = true; n %= 8192; a = at_align(a); off = at_offset(op, a);
            p = mi_heap_calloc_aligned_at(h, op->count, n, a, off); n *= op->count; break;
    default: what = "mi_heap_alloc_new"; a = 0; p = mi_heap_alloc_new(h, n); break;
    }
    break;
  case OP_ALIGNED:
    switch (v % 8) {
    case 0: what = "mi_malloc_aligned"; p = mi_malloc_aligned(n, a); break;
    case 1: what = "mi_malloc_aligned_at"; a = at_align(a); off = at_offset(op, a); p = mi_malloc_aligned_at(n, a, off); break;
    case 2: what = "mi_zalloc_aligned"; zero = true; p = mi_zalloc_aligned(n, a); break;
    case 3: what = "mi_zalloc_aligned_at"; zero = true; a = at_align(a); off = at_offset(op, a); p = mi_zalloc_aligned_at(n, a, off); break;
    case 4: what = "mi_calloc_aligned"; zero = true; n %= 8192; p = mi_calloc_aligned(op->count, n, a); n *= op->count; break;
    case 5: what = "mi_calloc_aligned_at"; zero = true; n %= 8192; a = at_align(a); off = at_offset(op, a);
            p = mi_calloc_aligned_at(op->count, n, a, off); n *= op->count; break;
    case 6: what = "mi_umalloc_aligned"; p = mi_umalloc_aligned(n, a, &bs); break;
    default: what = "mi_new_aligned_nothrow"; p = mi_new_aligned_nothrow(n, a); break;
    }
    break;
  default:
    return;
  }
  if (off == 0 && a < 16) a = 16;   /* mirt's guarantee for every fresh block */
  if (p != NULL && zero) check_zero(p, 0, n, what);
  if (p != NULL && bs != SIZE_MAX)
    FZ_CHECK(bs == mi_usable_size(p), "%s reported block size %zu, usable size is %zu", what, bs, mi_usable_size(p));
  slot_put(s, p, n, owner, a, off, what, 0, new_seed());
}

/* realloc and rezalloc: the kept prefix must hold the old pattern, and
   rezalloc must zero what it adds beyond the old usable size. */
static void op_realloc(worker_t *w, const op_t *op, int s)
{
  mi_heap_t *h = heap_of(w, op->heap), *d = default_of(w), *heap = d;
  size_t n = op->size, a = 0, off = 0, pre = SIZE_MAX, post = SIZE_MAX;
  const bool zero = (op->kind == OP_REZALLOC);
  const uint8_t v = op->variant;
  const char *what = "?";
  if (!within_cap(n + op->align)) return;
  block_t old = { 0 };
  if (slots[s].p != NULL) old = slot_take(s, "realloc");
#ifdef FUZZ_AVOID_KNOWN_BUGS
  /* campaigns only, while the report is open: an aligned realloc with an
     alignment <= 16 returns an interior (_at) pointer unaligned */
  op_t fixed = *op;
  if (((uintptr_t)old.p & 15) != 0 && fixed.align <= 16) fixed.align = 32;
  op = &fixed;
#endif
  void *p = old.p, *q = NULL;
  if (!zero) {
    switch (v % 11) {
    case 0: what = "mi_realloc"; q = mi_realloc(p, n); break;
    case 1: what = "mi_heap_realloc"; heap = h; q = mi_heap_realloc(h, p, n); break;
    case 2: what = "mi_reallocf"; q = mi_reallocf(p, n); break;
    case 3: what = "mi_reallocn"; n -= n % op->count; q = mi_reallocn(p, op->count, n / op->count); break;
    case 4: what = "mi_urealloc"; q = mi_urealloc(p, n, &pre, &post); break;
    case 5: what = "mi_realloc_aligned"; a = op->align; q = mi_realloc_aligned(p, n, a); break;
    case 6: what = "mi_realloc_aligned_at"; a = at_align(op->align); off = at_offset(op, a); q = mi_realloc_aligned_at(p, n, a, off); break;
    case 7: what = "mi_heap_realloc_aligned"; heap = h; a = op->align; q = mi_heap_realloc_aligned(h, p, n, a); break;
    case 8: what = "mi_heap_realloc_aligned_at"; heap = h; a = at_align(op->align); off = at_offset(op, a);
            q = mi_heap_realloc_aligned_at(h, p, n, a, off); break;
    case 9: what = "mi_reallocarray"; n -= n % op->count; q = mi_reallocarray(p, op->count, n / op->count); break;
    default: { what = "mi_reallocarr"; n -= n % op->count; void *r = p;
               int rc = mi_reallocarr(&r, op->count, n / op->count);
               FZ_CHECK(rc == 0, "mi_reallocarr(%p, %zu) returned %d", p, n, rc); q = r; break; }
    }
  } else {
    switch (v % 9) {
    case 0: what = "mi_rezalloc"; q = mi_rezalloc(p, n); break;
    case 1: what = "mi_heap_rezalloc"; heap = h; q = mi_heap_rezalloc(h, p, n); break;
    case 2: what = "mi_recalloc"; n -= n % op->count; q = mi_recalloc(p, op->count, n / op->count); break;
    case 3: what = "mi_rezalloc_aligned"; a = op->align; q = mi_rezalloc_aligned(p, n, a); break;
    case 4: what = "mi_rezalloc_aligned_at"; a = at_align(op->align); off = at_offset(op, a); q = mi_rezalloc_aligned_at(p, n, a, off); break;
    case 5: what = "mi_heap_rezalloc_aligned"; heap = h; a = op->align; q = mi_heap_rezalloc_aligned(h, p, n, a); break;
    case 6: what = "mi_heap_recalloc"; heap = h; n -= n % op->count; q = mi_heap_recalloc(h, p, op->count, n / op->count); break;
    case 7: what = "mi_recalloc_aligned"; a = op->align; n -= n % op->count; q = mi_recalloc_aligned(p, op->count, n / op->count, a); break;
    default: what = "mi_heap_rezalloc_aligned_at"; heap = h; a = at_align(op->align); off = at_offset(op, a);
             q = mi_heap_rezalloc_aligned_at(h, p, n, a, off); break;
    }
  }
  if (q == NULL) {
    if (p != NULL) slot_restore(s, &old);
    FZ_CHECK(0, "%s(%p, %zu, align %zu) returned NULL (errno %d) for a valid request", what, p, n, a, errno);
  }
  const size_t keep = (p == NULL ? 0 : (old.usable < n ? old.usable : n));
  const size_t bad = pat_first_bad(q, keep, old.seed);
  FZ_CHECK(bad == SIZE_MAX, "%s(%p usable %zu -> %zu) = %p: kept prefix differs at offset %zu of %zu", what, p, old.usable,
           n, q, bad, keep);
  if (zero) check_zero(q, p == NULL ? 0 : keep, n, what);
  if (pre != SIZE_MAX) FZ_CHECK(pre == old.usable && post == mi_usable_size(q), "mi_urealloc sizes %zu/%zu, want %zu/%zu",
                                pre, post, old.usable, mi_usable_size(q));
  /* an unmoved block keeps its heap and its address (checked already) */
  mi_heap_t *owner = (q == p ? old.owner : heap);
  if (q == p && a == 0) a = 1;                    /* an unmoved (maybe interior) pointer: only what was asked */
  else if (q != p && off == 0 && a < 16) a = 16;  /* a fresh block */
  slot_put(s, q, n, owner, a, off, what, keep, p == NULL ? new_seed() : old.seed);
}

static void op_usable(const op_t *op, int s)
{
  const block_t *b = &slots[s];
  if (b->p == NULL) return;
  block_verify(b, s, "usable");
  FZ_CHECK(mi_malloc_usable_size(b->p) == b->usable && mi_malloc_size(b->p) == b->usable, "usable-size aliases disagree");
  FZ_CHECK(mi_expand(b->p, b->usable) == b->p, "mi_expand(%p, usable %zu) did not return p", (void *)b->p, b->usable);
  FZ_CHECK(mi_expand(b->p, b->usable + 1) == NULL, "mi_expand(%p, usable+1) grew the block", (void *)b->p);
  if (b->owner != NULL && (op->variant & 1) && ((uintptr_t)b->p & (sizeof(void *) - 1)) == 0)   /* only aligned pointers, as mimalloc */
    FZ_CHECK(mi_heap_check_owned(b->owner, b->p), "mi_heap_check_owned(%p, %p) is false", (void *)b->owner, (void *)b->p);
}

/* Forgets (without freeing) or re-homes every block whose heap is `from`. */
static void rehome_blocks(mi_heap_t *from, mi_heap_t *to, bool destroyed)
{
  for (int s = 0; s < FZ_SLOTS; s++) {
    if (slots[s].p == NULL || slots[s].owner != from) continue;
    if (destroyed) (void)slot_take(s, "heap destroy");
    else slots[s].owner = to;
  }
}

static void op_heap(worker_t *w, const op_t *op)
{
  const int i = op->heap;
  switch (op->kind) {
  case OP_HEAP_NEW:
    if (i < 0) { FZ_CHECK(mi_heap_get_backing() == w->backing, "mi_heap_get_backing changed"); break; }
    if (w->heaps[i] != NULL) break;
    w->heaps[i] = mi_heap_new();
    FZ_CHECK(w->heaps[i] != NULL, "mi_heap_new returned NULL");
    break;
  case OP_HEAP_DELETE: case OP_HEAP_DESTROY:
    if (i < 0 || w->heaps[i] == NULL) break;
    rehome_blocks(w->heaps[i], w->backing, op->kind == OP_HEAP_DESTROY);
    if (op->kind == OP_HEAP_DESTROY) mi_heap_destroy(w->heaps[i]); else mi_heap_delete(w->heaps[i]);
    w->heaps[i] = NULL;
    if (w->deflt == i) w->deflt = -1;
    FZ_CHECK(mi_heap_get_default() == default_of(w), "default heap is %p after heap removal, want %p",
             (void *)mi_heap_get_default(), (void *)default_of(w));
    break;
  case OP_SET_DEFAULT: {
    mi_heap_t *prev = mi_heap_set_default(heap_of(w, i));
    FZ_CHECK(prev == default_of(w), "mi_heap_set_default returned %p, want %p", (void *)prev, (void *)default_of(w));
    w->deflt = (i >= 0 && w->heaps[i] != NULL) ? i : -1;
    break;
  }
  default:
    break;
  }
}

static void op_collect(worker_t *w, const op_t *op)
{
  switch (op->variant % 3) {
  case 0: mi_collect(op->force); break;
  case 1: mi_heap_collect(heap_of(w, op->heap), op->force); break;
  default: mi_collect_reduce(0); break;
  }
}

/* Requests that must fail: NULL (or an error code) with the right errno,
   and a block given to a failing realloc stays intact. */
static void op_invalid(worker_t *w, const op_t *op)
{
  const size_t k = op->size;
  const int s = op->slot;
  void *p = NULL, *q = (void *)&q;
  int want = ENOMEM, rc = 0;
  const char *what = "?";
  atomic_fetch_add(&errors_expected, 1);
  errno = 0;
  switch (op->variant % 10) {
  case 0: what = "mi_malloc(SIZE_MAX-k)"; p = mi_malloc(SIZE_MAX - k); break;
  case 1: what = "mi_malloc(PTRDIFF_MAX+k)"; p = mi_malloc((size_t)PTRDIFF_MAX + k); break;
  case 2: what = "mi_calloc(overflow)"; p = mi_calloc(SIZE_MAX / 2 + 1 + k, 2 + (k & 7)); break;
  case 3: what = "mi_malloc_aligned(non-power-of-two)"; want = EINVAL; p = mi_malloc_aligned(k % 4096, (size_t)3 << (4 + k % 8)); break;
  case 4: what = "mi_realloc(SIZE_MAX-k)"; p = mi_realloc(slots[s].p, SIZE_MAX - k); break;
  case 5: what = "mi_heap_malloc(huge)"; p = mi_heap_malloc(heap_of(w, (int)(k % (FZ_HEAPS + 1)) - 1), (size_t)PTRDIFF_MAX + k); break;
  case 6: what = "mi_posix_memalign(bad alignment)"; rc = mi_posix_memalign(&q, k % 3 == 0 ? sizeof(void *) / 2 : (size_t)3 << (3 + k % 6), 16);
          FZ_CHECK(rc == EINVAL && q == (void *)&q, "%s: returned %d, result %s", what, rc, q == (void *)&q ? "untouched" : "written");
          atomic_fetch_sub(&errors_expected, 1);
          return;
  case 7: what = "mi_reallocn(overflow)"; p = mi_reallocn(slots[s].p, SIZE_MAX / 3 + k, 4); break;
  case 8: what = "mi_mallocn(overflow)"; p = mi_mallocn(SIZE_MAX / 4 + k, 8); break;
  default: what = "mi_aligned_alloc(non-power-of-two)"; want = EINVAL; p = mi_aligned_alloc((size_t)3 << (4 + k % 8), 64); break;
  }
  const int e = errno;
  atomic_fetch_sub(&errors_expected, 1);
  FZ_CHECK(p == NULL, "%s (k=%zu) returned %p", what, k, p);
  FZ_CHECK(e == want, "%s (k=%zu): errno %d, want %d", what, k, e, want);
  if (slots[s].p != NULL) block_verify(&slots[s], s, what);
}

static bool trace;   /* FUZZ_TRACE=1: print each op and the slot it leaves */

static void exec_op(worker_t *w, const op_t *op, int s)
{
  switch (op->kind) {
  case OP_MALLOC: case OP_MALLOC2: case OP_CALLOC: case OP_ZALLOC: case OP_HEAP_ALLOC: case OP_ALIGNED:
    op_alloc(w, op, s); break;
  case OP_REALLOC: case OP_REZALLOC: op_realloc(w, op, s); break;
  case OP_FREE: slot_free(s, op->variant, "free"); break;
  case OP_FREE2:
    for (int i = 0; i < 1 + op->variant % 8; i++) slot_free((s + i * nthreads) % FZ_SLOTS, op->variant >> 3, "free run");
    break;
  case OP_USABLE: op_usable(op, s); break;
  case OP_HEAP_NEW: case OP_HEAP_DELETE: case OP_HEAP_DESTROY: case OP_SET_DEFAULT: op_heap(w, op); break;
  case OP_COLLECT: op_collect(w, op); break;
  case OP_INVALID: op_invalid(w, op); break;
  default: break;
  }
  FZ_CHECK(atomic_load(&errors_seen) == 0, "the allocator reported error %d during op kind %d", atomic_load(&last_error), op->kind);
  if (trace)
    fprintf(stderr, "op %zu: kind %d worker %d variant %d heap %d size %zu align %zu offset %zu -> slot %d %p+%zu\n",
            op_index, op->kind, w->index, op->variant, op->heap, op->size, op->align, op->offset, s, (void *)slots[s].p,
            slots[s].usable);
}

/* A burst: this worker decodes its own ops and runs them while the others
   do the same, each on its own share of the slots (s % nthreads == index)
   and its own heaps. */
static void run_burst(worker_t *w)
{
  static const uint8_t kinds[] = { OP_MALLOC, OP_HEAP_ALLOC, OP_REALLOC, OP_FREE, OP_USABLE, OP_COLLECT, OP_ALIGNED, OP_FREE2 };
  reader_t *r = &w->burst;
  while (rd_more(r)) {
    op_t op;
    const uint8_t hdr = rd8(r);
    decode_op(r, &op, (uint8_t)(kinds[hdr % sizeof kinds] | (w->index << 5)));
    op.worker = (uint8_t)w->index;
    int s = (op.slot / nthreads) * nthreads + w->index;
    if (s >= FZ_SLOTS) s -= nthreads;
    if (op.kind == OP_FREE2) op.variant &= 0x1f << 3;   /* one block: a run would cross shares */
    exec_op(w, &op, s);
  }
}

/* ------------------------------------------------------------------------
   Workers
------------------------------------------------------------------------ */
/* sem_wait that is not cut short by a signal (libFuzzer's timers send them). */
static void sem_wait_all(sem_t *sem)
{
  while (sem_wait(sem) != 0)
    if (errno != EINTR) fz_fail("sem_wait: errno %d", errno);
}

static void finish_worker(worker_t *w)
{
  for (int i = 0; i < FZ_HEAPS; i++) {
    if (w->heaps[i] == NULL) continue;
    op_t op = { .kind = (i & 1) ? OP_HEAP_DELETE : OP_HEAP_DESTROY, .heap = (int8_t)i };
    op_heap(w, &op);
  }
  if (w->deflt >= 0) { (void)mi_heap_set_default(w->backing); w->deflt = -1; }
  mi_collect(true);
}

static void *worker_main(void *arg)
{
  worker_t *w = arg;
  w->backing = mi_heap_get_backing();
  for (;;) {
    sem_wait_all(&w->go);
    switch (w->cmd) {
    case CMD_OPS:
      for (size_t i = 0; i < w->nops; i++) {
        op_index = w->ops[i].index;
        exec_op(w, &w->ops[i], w->ops[i].slot);
      }
      break;
    case CMD_BURST: run_burst(w); break;
    case CMD_FINISH: finish_worker(w); break;
#ifdef FUZZ_CHECK_STATS
    case CMD_STATS: {
      mi_collect(false);
      mi_stats_t_decl(st);
      mi_stats_get(&st);
      w->stat_blocks = st.malloc_blocks.current;
      break;
    }
#endif
    case CMD_EXIT: return NULL;   /* mirt's thread-exit hook abandons what is live */
    default: break;
    }
    sem_post(&w->done);
  }
}

static void worker_start(worker_t *w)
{
  memset(w->heaps, 0, sizeof w->heaps);
  w->deflt = -1;
  if (pthread_create(&w->thread, NULL, worker_main, w) != 0) fz_fail("pthread_create failed");
}

static void worker_run(int t, int cmd)
{
  workers[t].cmd = cmd;
  sem_post(&workers[t].go);
  sem_wait_all(&workers[t].done);
}

/* The worker exits (its heaps and live blocks are abandoned; the blocks
   stay in their slots) and a new thread takes its place. */
static void worker_restart(int t)
{
  worker_t *w = &workers[t];
  w->cmd = CMD_EXIT;
  sem_post(&w->go);
  pthread_join(w->thread, NULL);
  rehome_blocks(w->backing, NULL, false);
  for (int i = 0; i < FZ_HEAPS; i++)
    if (w->heaps[i] != NULL) rehome_blocks(w->heaps[i], NULL, false);
  worker_start(w);
}

static void start_all(void)
{
  trace = getenv("FUZZ_TRACE") != NULL;
  mi_register_error(on_error, NULL);
  mi_register_output(on_output, NULL);
  for (int t = 0; t < FZ_THREADS; t++) {
    workers[t].index = t;
    sem_init(&workers[t].go, 0, 0);
    sem_init(&workers[t].done, 0, 0);
    worker_start(&workers[t]);
  }
}

/* Live-block counts from mi_stats_get against the harness's own.  A
   thread's count is exact for its own heaps plus abandoned memory; the main
   thread owns no heap, so it sees the abandoned memory alone. */
static void stats_check(const char *when)
{
#ifdef FUZZ_CHECK_STATS
  mi_stats_t_decl(st);
  mi_stats_get(&st);
  const long long abandoned = st.malloc_blocks.current;
  long long total = abandoned, live = 0, unknown = 0;
  for (int s = 0; s < FZ_SLOTS; s++) {
    if (slots[s].p == NULL) continue;
    live++;
    if (slots[s].owner == NULL) unknown++;
  }
  for (int t = 0; t < nthreads; t++) {
    worker_t *w = &workers[t];
    worker_run(t, CMD_STATS);
    const long long own = w->stat_blocks - abandoned;
    total += own;
    long long mine = 0;
    for (int s = 0; s < FZ_SLOTS; s++) {
      const mi_heap_t *o = slots[s].owner;
      if (slots[s].p == NULL || o == NULL) continue;
      if (slots[s].usable == 0) continue;   /* a secure malloc(0) slot: counted process-wide, like abandoned blocks */
      if (o == w->backing) mine++;
      for (int i = 0; i < FZ_HEAPS; i++) if (o == w->heaps[i]) mine++;
    }
    if (unknown == 0)
      FZ_CHECK(own == mine, "%s: mi_stats_get on worker %d: %lld live blocks in its heaps, the harness holds %lld",
               when, t, own, mine);
  }
  FZ_CHECK(total == live, "%s: mi_stats_get: %lld live blocks in all, the harness holds %lld (abandoned %lld)",
           when, total, live, abandoned);
#else
  (void)when;
#endif
}

static void check_all(void)
{
  for (int s = 0; s < FZ_SLOTS; s++)
    if (slots[s].p != NULL) block_verify(&slots[s], s, "check");
  stats_check("check");
}

/* ------------------------------------------------------------------------
   One input
------------------------------------------------------------------------ */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static bool started;
  if (!started) { start_all(); started = true; }
  reader_t r = { data, size, 0 };
  nthreads = 2 + rd8(&r) % 3;
  op_index = 0;
  int batch_worker = -1;
  size_t nops = 0, decoded = 0;
  while (rd_more(&r) && decoded < 4096) {
    op_t op;
    decode_op(&r, &op, rd8(&r));
    op.index = op_index = ++decoded;
    const bool main_op = (op.kind == OP_MOVE || op.kind == OP_CHECK || op.kind == OP_BURST || op.kind == OP_RESTART);
    if (nops > 0 && (main_op || op.worker != batch_worker || nops == FZ_BATCH)) {
      workers[batch_worker].nops = nops;
      worker_run(batch_worker, CMD_OPS);
      nops = 0;
    }
    if (!main_op) {
      batch_worker = op.worker;
      workers[batch_worker].ops[nops++] = op;
      continue;
    }
    op_index = op.index;
    switch (op.kind) {
    case OP_MOVE:
      if (slots[op.slot].p != NULL && slots[op.slot2].p == NULL) {
        slots[op.slot2] = slots[op.slot];
        slots[op.slot].p = NULL;
        iv_reslot(slots[op.slot2].p, op.slot2);
      }
      break;
    case OP_CHECK: check_all(); break;
    case OP_RESTART: worker_restart(op.worker); break;
    case OP_BURST: {
      const size_t span = op.count * 10;
      for (int t = 0; t < nthreads; t++) {
        size_t from = r.pos + (size_t)t * span;
        if (from > r.n) from = r.n;
        workers[t].burst = (reader_t){ r.d, (from + span < r.n ? from + span : r.n), from };
        workers[t].cmd = CMD_BURST;
        sem_post(&workers[t].go);
      }
      for (int t = 0; t < nthreads; t++) sem_wait_all(&workers[t].done);
      r.pos = (r.pos + (size_t)nthreads * span < r.n ? r.pos + (size_t)nthreads * span : r.n);
      break;
    }
    default: break;
    }
  }
  if (nops > 0) { workers[batch_worker].nops = nops; worker_run(batch_worker, CMD_OPS); }

  /* the end: verify, free everything (cross-thread for most blocks), drop
     the heaps, and the counts must be back to zero */
  check_all();
  for (int s0 = 0; s0 < FZ_SLOTS; s0 += FZ_BATCH) {
    for (int t = 0; t < nthreads; t++) {
      size_t k = 0;
      for (int s = s0; s < s0 + FZ_BATCH && s < FZ_SLOTS; s++)
        if (slots[s].p != NULL && s % nthreads == t)
          workers[t].ops[k++] = (op_t){ .kind = OP_FREE, .slot = (uint8_t)s, .variant = (uint8_t)s };
      workers[t].nops = k;
      if (k > 0) worker_run(t, CMD_OPS);
    }
  }
  for (int t = 0; t < nthreads; t++) worker_run(t, CMD_FINISH);   /* the others were not used */
  FZ_CHECK(iv_count == 0 && atomic_load(&live_bytes) == 0, "internal: %d blocks, %zu bytes left after freeing all",
           iv_count, atomic_load(&live_bytes));
  stats_check("end");
  return 0;
}
