/* SPDX-License-Identifier: MIT
 * page.c -- pages: free lists, page queues, finding a page for a size,
 * full pages and their notification, retiring, abandoning and adopting.
 *
 * Every block of a page is in one of four places: allocated (A), in `free`
 * (F), in `local_free` (L) or pushed on `xthread_free` and not yet collected
 * (T).  `used` counts A + F + T, so
 *   - malloc's pop (F -> A) and a remote free (A -> T) leave it alone: the
 *     malloc fast path touches no counter;
 *   - an owner free (A -> L) decrements it, and it reaches 0 only when every
 *     block is back in L: the page is empty (the current page, whose `free`
 *     list is not empty, never looks empty, so a malloc/free pair on one
 *     block never frees the page);
 *   - collecting T into L subtracts the number of blocks taken;
 *   - moving L into an empty F adds |L| = capacity - used, i.e. used = capacity.
 *
 * A page without free blocks moves to the full queue, which is never
 * scanned.  Before that the owner "arms" it (MI_NOTIFY_ARMED in the low bits
 * of xthread_free); the first remote free then pushes the page on the owner
 * thread's notify stack, and the owner's next slow path moves it back.  A page
 * in state BUSY or DONE is (about to be) on that stack: it is never freed or
 * given away until the stack is drained.
 */
#include "internal.h"

const mi_page_t _mi_page_empty;

/* ------------------------------------------------------------------------
   Page queues and the direct table
------------------------------------------------------------------------ */
static inline bool page_in_full(const mi_page_t* page) {
  return (mi_page_xowner(page) & MI_PAGE_IN_FULL) != 0;
}

static inline mi_page_queue_t* page_queue_of(mi_heap_t* heap, const mi_page_t* page) {
  return &heap->pages[page_in_full(page) ? MI_BIN_FULL : page->bin];
}

/* Point the direct entries of the bin at its first page. */
static void heap_direct_update(mi_heap_t* heap, size_t bin) {
  if (bin == 0 || bin > MI_BIN_SMALL_MAX) return;
  const size_t bsize = _mi_bin_size(bin);
  if (bsize > MI_SMALL_SIZE_MAX_) return;
  mi_page_t* page = heap->pages[bin].first;
  if (page == NULL) page = (mi_page_t*)&_mi_page_empty;
  const size_t lo = (bin == 1 ? 0 : (_mi_bin_size(bin - 1) >> 4) + 1);
  const size_t hi = bsize >> 4;
  for (size_t i = lo; i <= hi; i++) heap->pages_direct[i] = page;
}

static void queue_push_front(mi_heap_t* heap, mi_page_queue_t* pq, mi_page_t* page) {
  page->prev = NULL;
  page->next = pq->first;
  if (pq->first != NULL) pq->first->prev = page; else pq->last = page;
  pq->first = page;
  heap_direct_update(heap, (size_t)(pq - heap->pages));
}

static void queue_push_back(mi_heap_t* heap, mi_page_queue_t* pq, mi_page_t* page) {
  page->next = NULL;
  page->prev = pq->last;
  if (pq->last != NULL) pq->last->next = page; else { pq->first = page; heap_direct_update(heap, (size_t)(pq - heap->pages)); }
  pq->last = page;
}

static void queue_remove(mi_heap_t* heap, mi_page_queue_t* pq, mi_page_t* page) {
  if (page->prev != NULL) page->prev->next = page->next;
  if (page->next != NULL) page->next->prev = page->prev;
  if (pq->last == page) pq->last = page->prev;
  if (pq->first == page) {
    pq->first = page->next;
    heap_direct_update(heap, (size_t)(pq - heap->pages));
  }
  page->next = page->prev = NULL;
}

void _mi_heap_queues_init(mi_heap_t* heap) {
  for (size_t i = 0; i < MI_DIRECT_COUNT; i++) heap->pages_direct[i] = (mi_page_t*)&_mi_page_empty;
  for (size_t b = 0; b < MI_BIN_COUNT; b++) {
    heap->pages[b].first = heap->pages[b].last = NULL;
    heap->pages[b].block_size = (b >= 1 && b <= MI_BIN_MEDIUM_MAX ? _mi_bin_size(b) : 0);
  }
}

size_t _mi_page_block_usable(const mi_page_t* page) {
  return page->block_size - MI_PADDING_SIZE;
}

/* ------------------------------------------------------------------------
   Notification state (low bits of xthread_free)
------------------------------------------------------------------------ */
/* Arm a page that is about to enter the full queue; false if remote frees
   are pending (then the page is not full after all). */
static bool page_arm(mi_page_t* page) {
  uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
  for (;;) {
    if ((tf & ~MI_NOTIFY_MASK) != 0) return false;
    if ((tf & MI_NOTIFY_MASK) != MI_NOTIFY_NONE) return true;   /* armed, or on the stack already */
    if (mi_atomic_cas_acq_rel(&page->xthread_free, &tf, tf | MI_NOTIFY_ARMED)) return true;
  }
}

bool _mi_page_disarm(mi_page_t* page) {
  uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
  for (;;) {
    const uintptr_t st = tf & MI_NOTIFY_MASK;
    if (st == MI_NOTIFY_NONE) return true;
    if (st == MI_NOTIFY_DONE) return false;
    if (st == MI_NOTIFY_BUSY) {          /* a remote freer is mid-push: it finishes quickly */
      _mi_os_yield();
      tf = mi_atomic_load_relaxed(&page->xthread_free);
      continue;
    }
    if (mi_atomic_cas_acq_rel(&page->xthread_free, &tf, tf & ~MI_NOTIFY_MASK)) return true;
  }
}

static inline bool page_on_notify_stack(const mi_page_t* page) {
  const uintptr_t st = mi_atomic_load_relaxed(&page->xthread_free) & MI_NOTIFY_MASK;
  return st == MI_NOTIFY_BUSY || st == MI_NOTIFY_DONE;
}

/* ------------------------------------------------------------------------
   Free lists
------------------------------------------------------------------------ */
/* Secure builds: thread the n fresh blocks at `start` in random order,
   followed by `rest`.  From a random block onwards (wrapping), each block
   joins one of two chains at random (one random word per 64 blocks); the
   list is chain 0, then chain 1, then `rest`.  The first block visited ends
   chain 0.  Keys live in registers and the chain is picked by indexing the
   two heads (no branch: one on a random bit mispredicts half of the time);
   every link (and, with `canary`, every canary) is written once. */
#if MI_SECURE > 0
static inline __attribute__((always_inline)) void page_thread_random(mi_page_t* page, mi_tld_t* tld, uint8_t* start, size_t n,
                                                                     mi_block_t* rest, const bool canary) {
  const uintptr_t k0 = page->keys[0], k1 = page->keys[1];
  const size_t bsize = page->block_size;
  const size_t pad = bsize - MI_PADDING_SIZE;
  uint8_t* const end = start + n * bsize;
  uint8_t* b = start + ((((_mi_random_next(tld->rnd) & 0xffffffffu) * n) >> 32) * bsize);   /* uniform enough in [0, n), no division */
  uint8_t* const tail0 = b;
  if (canary) *(uintptr_t*)(b + pad) = mi_mask_canary(k1, mi_keys_mask(k0, k1, b));
  uintptr_t head[2] = { (uintptr_t)b, (uintptr_t)rest };
  size_t left = n - 1;
  while (left > 0) {
    uint64_t bits = _mi_random_next(tld->rnd);
    size_t m = (left < 64 ? left : 64);
    left -= m;
    for (; m > 0; m--, bits >>= 1) {
      b += bsize;
      if (b == end) b = start;
      const uintptr_t mask = mi_keys_mask(k0, k1, b);
      if (canary) *(uintptr_t*)(b + pad) = mi_mask_canary(k1, mask);
      mi_track_open_link_w(b);
      *(uintptr_t*)b = head[bits & 1] ^ mask;
      mi_track_close_link(b);
      head[bits & 1] = (uintptr_t)b;
    }
  }
  mi_track_open_link_w(tail0);
  *(uintptr_t*)tail0 = head[1] ^ mi_keys_mask(k0, k1, tail0);   /* chain 0 goes on with chain 1 */
  mi_track_close_link(tail0);
  page->free = (mi_block_t*)head[0];
}
#endif

/* Padded builds: blocks the inline malloc hands out (direct-table sizes)
   get their canary when they are threaded into the page; larger ones when
   _mi_page_malloc pops them, so the end of a block nobody allocated yet is
   not touched. */
static inline bool page_canary_at_thread(size_t bsize) {
  return (MI_PADDING && bsize <= MI_SMALL_SIZE_MAX_);
}

/* Thread blocks [capacity, capacity+n) into the (empty) free list, n at
   most `limit` (0: the usual 4 KiB or MI_MIN_EXTEND blocks), followed by
   the list `rest` (NULL or blocks taken off the free list). */
static void page_extend(mi_page_t* page, mi_tld_t* tld, size_t limit, mi_block_t* rest) {
  mi_assert_internal(page->free == NULL);
  const size_t bsize = page->block_size;
  size_t n = page->reserved - page->capacity;
  size_t max = (bsize < MI_MAX_EXTEND_SIZE ? (uint32_t)MI_MAX_EXTEND_SIZE / (uint32_t)bsize : 0);   /* a 32-bit divide: a 64-bit one costs tens of cycles */
  if (max < MI_MIN_EXTEND) max = MI_MIN_EXTEND;   /* touches at most MI_MIN_EXTEND blocks' first (and, padded, last) words */
  if (limit != 0) max = limit;
  if (n > max) n = max;
  if (n == 0) return;
  uint8_t* start = page->page_start + (size_t)page->capacity * bsize;
  const bool canary = page_canary_at_thread(bsize);
#if MI_SECURE > 0
#if MI_SECURE_WAF
  if (!page->free_is_zero) _mi_waf_fresh(page, start, n);   /* fresh blocks pass the reuse check */
#endif
  if (canary) page_thread_random(page, tld, start, n, rest, true);
  else page_thread_random(page, tld, start, n, rest, false);
#else
  (void)tld;
  mi_block_t* b = (mi_block_t*)start;
  for (size_t i = 1; i < n; i++) {
    mi_block_t* next = (mi_block_t*)((uint8_t*)b + bsize);
    if (canary) mi_block_set_canary(page, b);
    mi_block_set_nextx(page, b, next);
    b = next;
  }
  if (canary) mi_block_set_canary(page, b);
  mi_block_set_nextx(page, b, rest);
  page->free = (mi_block_t*)start;
#endif
  mi_track_noaccess(start, n * bsize);   /* fresh blocks are inaccessible until allocated */
  page->capacity += (uint32_t)n;
  page->used += (uint32_t)n;
  mi_counter_add(&tld->stats, MI_CTR_PAGES_EXTENDED, 1);
}

/* Move remote frees into `local_free`; returns the number of blocks taken. */
static size_t page_collect_thread_free(mi_page_t* page) {
  uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
  if ((tf & ~MI_NOTIFY_MASK) == 0) return 0;
  while (!mi_atomic_cas_acquire(&page->xthread_free, &tf, tf & MI_NOTIFY_MASK)) { }
  mi_block_t* head = (mi_block_t*)(tf & ~MI_NOTIFY_MASK);
  if (head == NULL) return 0;
  size_t count = 1;
  mi_block_t* tail = head;
  mi_block_t* next;
  const size_t max = page->capacity;
  bool bad = !mi_page_contains(page, head);
  while (!bad && (next = mi_block_nextx(page, tail)) != NULL && count <= max) {
    if (!mi_page_contains(page, next)) { bad = true; break; }   /* never follow a link out of the page */
    tail = next;
    count++;
  }
  if (bad || count > max || count > page->used) {
    _mi_error_message(EFAULT, "error: free: corrupted free list of page %p (block %zu B): remote frees link out of the page\n",
                      (void*)page, page->block_size);
    return 0;   /* leak the list rather than corrupt the page */
  }
  mi_block_set_nextx(page, tail, page->local_free);
  page->local_free = head;
  page->used -= (uint32_t)count;
  return count;
}

/* Blocks in `free` (bounded by the capacity: a corrupted list cannot loop). */
static size_t page_free_count(const mi_page_t* page) {
  size_t n = 0;
  for (const mi_block_t* b = page->free; b != NULL && n <= page->capacity; b = mi_block_nextx(page, b)) n++;
  return n;
}

/* No block allocated: after collecting remote frees, `used` counts just `free`. */
static bool page_is_empty(mi_page_t* page) {
  page_collect_thread_free(page);
  return page->used == 0 || page->used == page_free_count(page);
}

void _mi_page_collect(mi_page_t* page) {
  page_collect_thread_free(page);
  if (page->free == NULL && page->local_free != NULL) {
    page->free = page->local_free;
    page->local_free = NULL;
    page->used = page->capacity;
    page->free_is_zero = false;
  }
}

/* Pop a block (page->free is not empty) and apply the build's bookkeeping. */
void* _mi_page_malloc(mi_heap_t* heap, mi_page_t* page, size_t size, bool zero) {
  (void)heap; (void)size;
  mi_block_t* b = page->free;
  mi_assert_internal(b != NULL);
  mi_block_t* next = mi_block_nextx(page, b);
#if MI_ENCODE_FREELIST
  if (next != NULL && (uintptr_t)next - (uintptr_t)page->page_start > page->last) {   /* not a block of the page */
    _mi_error_message(EFAULT, "error: malloc: corrupted free list of page %p (block %zu B): %p links to %p outside the page\n",
                      (void*)page, page->block_size, (void*)b, (void*)next);
    next = NULL;   /* drop the rest of the list, never follow it */
  }
#endif
#if MI_SECURE_WAF
  if (page->kind <= MI_PAGE_MEDIUM && !mi_block_waf_ok(page, b, mi_page_mask(page, b))) _mi_waf_report(page, b, "malloc");
#endif
  page->free = next;
  mi_track_malloc(b, _mi_page_block_usable(page), zero && page->free_is_zero);
  if (zero) {
    if (page->free_is_zero) b->next = 0;
    else memset(b, 0, _mi_page_block_usable(page));
  }
  else {
#if MI_SECURE > 0
    b->next = 0;   /* do not leak an encoded pointer */
#endif
#if MI_DEBUG > 1
    memset(b, 0xD0, _mi_page_block_usable(page));
#endif
  }
#if MI_PADDING
  /* a block threaded with its canary keeps it (an overflow leaves the
     block allocated); the others get it at each allocation */
  if (!page_canary_at_thread(page->block_size)) mi_block_set_canary(page, b);
#endif
  return b;
}

/* ------------------------------------------------------------------------
   Full pages
------------------------------------------------------------------------ */
static bool page_to_full(mi_heap_t* heap, mi_page_t* page) {
  if (!page_arm(page)) return false;
  queue_remove(heap, &heap->pages[page->bin], page);
  mi_page_flag_set(page, MI_PAGE_IN_FULL);
  queue_push_back(heap, &heap->pages[MI_BIN_FULL], page);
  return true;
}

void _mi_page_unfull(mi_page_t* page) {
  mi_heap_t* heap = page->heap;
  if (!page_in_full(page)) return;
  queue_remove(heap, &heap->pages[MI_BIN_FULL], page);
  mi_page_flag_clear(page, MI_PAGE_IN_FULL);
  _mi_page_disarm(page);   /* if it is on the notify stack, the drain will see it is no longer full */
  queue_push_back(heap, &heap->pages[page->bin], page);
}

/* ------------------------------------------------------------------------
   Freeing and retiring pages
------------------------------------------------------------------------ */
void _mi_page_free(mi_page_t* page, bool force) {
  if (!force && page_on_notify_stack(page)) return;   /* freed when the stack is drained */
  mi_heap_t* heap = page->heap;
#if MI_SECURE_WAF
  if (page->kind <= MI_PAGE_MEDIUM) _mi_waf_check_lists(page);   /* writes after free into blocks never reused */
#endif
  page->retired = 0;
  mi_tld_t* tld = heap->tld;
#if MI_SECURE_LARGE_PROTECT
  if (tld->large_held == page) tld->large_held = NULL;
#endif
  queue_remove(heap, page_queue_of(heap, page), page);
  heap->page_count--;
  mi_stat_add(&tld->stats, MI_STAT_PAGES, -1);
  tld->stats.page_bins[page->bin]--;
  if (page->kind == MI_PAGE_LARGE) mi_stat_add(&tld->stats, MI_STAT_LARGE, -(int64_t)page->block_size);
  else if (page->kind == MI_PAGE_HUGE) mi_stat_add(&tld->stats, MI_STAT_HUGE, -(int64_t)page->block_size);
  else mi_stat_add(&tld->stats, MI_STAT_NORMAL, -(int64_t)_mi_page_size(page));
  _mi_segment_page_free(tld, page);
}

/* An empty small or medium page is retired: kept at the back of its queue
   (where a later search finds it, its blocks already threaded) until the
   heap has gone through more slow paths than twice its page count without
   reusing it, or a fresh page of its kind is needed (heap_evict_retired),
   so a program that frees a batch and allocates again does not
   re-initialise pages, and retired pages never cost memory that new sizes
   need.  Counting slow paths (not time) keeps the sequence of slow paths --
   and the heartbeat -- deterministic.  A thread that stops allocating keeps
   its retired pages until mi_collect or its exit.  Large pages go back to
   their segment at once (its purge delay keeps them resident for reuse). */
static void page_release_empty(mi_page_t* page) {
  mi_heap_t* heap = page->heap;
  const long delay = _mi_option_get_fast(mi_option_purge_delay);
  if (page->kind <= MI_PAGE_MEDIUM && !page_in_full(page) && delay != 0) {
    mi_page_queue_t* pq = &heap->pages[page->bin];
    page->retired = 1;
    page->retire_gen = (uint32_t)heap->tld->generic_count;
    if (pq->first != page && pq->last != page) {   /* the current page stays current */
      queue_remove(heap, pq, page);
      queue_push_back(heap, pq, page);
    }
    if (heap->retired_min > page->bin || heap->retired_max == 0) heap->retired_min = page->bin;
    if (heap->retired_max < page->bin) heap->retired_max = page->bin;
    return;
  }
#if MI_SECURE_LARGE_PROTECT && MI_SECURE_LARGE_HOLD
  if (page->kind == MI_PAGE_LARGE) {
    page = _mi_large_hold(heap->tld, page);   /* kept inaccessible until the next large page is freed */
    if (page == NULL) return;
  }
#endif
  mi_counter_add(&heap->tld->stats, MI_CTR_PAGES_RETIRED, 1);
  _mi_page_free(page, false);
}

/* The owner freed the last allocated block. */
void _mi_page_retire(mi_page_t* page) {
  mi_tld_t* tld = page->heap->tld;
  page_release_empty(page);
  /* a thread that only frees must still purge now and then (a safe point:
     nothing is iterating segments here) */
  if (tld->purge_due != 0 && (tld->page_frees & 15) == 15) _mi_segments_purge(tld, false, true);
}

/* Free retired pages that stayed unused (all of them if `force`).  Retired
   pages sit at the back of their queue. */
void _mi_heap_collect_retired(mi_heap_t* heap, bool force) {
  if (heap->retired_max == 0) return;
  size_t lo = MI_BIN_COUNT, hi = 0;
  const uint32_t gen = (uint32_t)heap->tld->generic_count;
  const uint32_t min_gens = 16 + 2 * (uint32_t)heap->page_count;   /* a full cycle through the heap's pages */
  for (size_t bin = heap->retired_min; bin <= heap->retired_max; bin++) {
    mi_page_t* page = heap->pages[bin].last;
    while (page != NULL && page->retired) {
      /* a retired page has no live block (reuse clears the flag first) */
      mi_page_t* prev = page->prev;
      if (force || gen - page->retire_gen >= min_gens) {
        mi_counter_add(&heap->tld->stats, MI_CTR_PAGES_RETIRED, 1);
        _mi_page_free(page, false);
      }
      else {
        if (bin < lo) lo = bin;
        if (bin > hi) hi = bin;
      }
      page = prev;
    }
  }
  heap->retired_min = (hi == 0 ? 0 : lo);
  heap->retired_max = hi;
}

/* ------------------------------------------------------------------------
   Notifications from remote frees
------------------------------------------------------------------------ */
void _mi_tld_process_notify(mi_tld_t* tld) {
  uintptr_t list = mi_atomic_exchange_acq_rel(&tld->xnotify, 0);
  mi_counter_add(&tld->stats, MI_CTR_NOTIFICATIONS, 1);
  while (list != 0) {
    mi_page_t* page = (mi_page_t*)list;
    list = (uintptr_t)page->notify_next;
    page->notify_next = NULL;
    uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
    while (!mi_atomic_cas_acq_rel(&page->xthread_free, &tf, tf & ~MI_NOTIFY_MASK)) { }
    if (page->heap == NULL) continue;   /* being destroyed */
    _mi_page_unfull(page);
    if (page_is_empty(page)) page_release_empty(page);
  }
}

/* ------------------------------------------------------------------------
   Finding a page with a free block
------------------------------------------------------------------------ */
/* Inverse modulo 2^32 of the odd part of `bsize` (Newton's iteration: each
   step doubles the correct low bits, 3 -> 6 -> 12 -> 24 -> 48). */
static uint32_t page_odd_inverse(size_t bsize) {
  const uint32_t odd = (uint32_t)(bsize >> __builtin_ctzl(bsize));
  uint32_t x = odd;
  for (int i = 0; i < 4; i++) x *= 2u - odd * x;
  return x;
}

static void page_init(mi_heap_t* heap, mi_page_t* page, size_t bsize, size_t bin, mi_page_kind_t kind, bool is_zero) {
  mi_tld_t* tld = heap->tld;
  page->block_size = bsize;
  page->block_inv = page_odd_inverse(bsize);
  page->bin = (uint8_t)bin;
  page->kind = (uint8_t)kind;
  page->heap = heap;
  page->tag = (uint8_t)heap->tag;
  page->free = page->local_free = NULL;
  page->capacity = 0;
  page->used = 0;
  page->retired = 0;
  page->free_is_zero = is_zero;
  page->notify_next = NULL;
  mi_atomic_store_relaxed(&page->xthread_free, 0);
  if (kind == MI_PAGE_LARGE || kind == MI_PAGE_HUGE) page->reserved = 1;
  else page->reserved = (uint32_t)(((size_t)page->slice_count * MI_SLICE_SIZE - MI_PAGE_GUARD_SIZE) / bsize);
  page->last = (uint32_t)((size_t)(page->reserved - 1) * bsize);   /* < 512 KiB: one block in large and huge pages */
#if MI_ENCODE_FREELIST || MI_PADDING
  page->keys[0] = (uintptr_t)_mi_random_next(tld->rnd) | 1;
  page->keys[1] = (uintptr_t)_mi_random_next(tld->rnd);
#endif
  /* huge pages take the checked path on every free (remote frees purge them) */
  mi_page_set_xowner(page, tld->tid | MI_PAGE_INIT_FLAGS | (kind == MI_PAGE_HUGE ? MI_PAGE_CHECKED : 0));
  heap->page_count++;
  mi_stat_add(&tld->stats, MI_STAT_PAGES, 1);
  tld->stats.page_bins[bin]++;
  /* blocks of 1-8 KiB in a small page of resident memory: the whole page
     at once (8-64 blocks), not a slow path every 4 blocks.  Clean memory
     is threaded 4 KiB or 4 blocks at a time: each OS page touched is a
     page fault, and one malloc must not take 16 of them. */
  const bool whole = (!is_zero && kind == MI_PAGE_SMALL && bsize >= MI_SMALL_EXTEND_WHOLE);
  page_extend(page, tld, whole ? page->reserved : 0, NULL);
}

/* A span of `slices` for a page of `heap`.  Resident memory comes before
   clean memory wherever it is (a page fault and a zeroed page saved each
   time, and no RSS growth): the thread's own resident free slices; then an
   abandoned segment (the memory of an exited thread, adopted: its live
   blocks join the backing heap) with such a span; then an empty cached
   segment with resident memory.  Only then clean memory: the thread's own
   free slices, any abandoned segment, and last a new segment.  A thread
   adopts only segments it can use at once, so the resident memory of
   exited threads is spread over the threads that need it.  `own_done`:
   the thread's own resident slices were looked at already. */
static mi_page_t* heap_page_span(mi_heap_t* heap, size_t slices, size_t align, bool own_done, bool* is_zero) {
  mi_tld_t* tld = heap->tld;
  mi_page_t* page = NULL;
  if (!own_done) page = _mi_segment_page_alloc(tld, slices, align, heap->arena_id, MI_SPAN_RESIDENT, is_zero);
  const bool reclaim = !heap->no_reclaim && _mi_segment_abandoned_count() > 0;
  if (page == NULL && reclaim) {
    const mi_reclaim_want_t want = { 0, slices, align };
    if (_mi_heap_reclaim(heap, &want)) page = _mi_segment_page_alloc(tld, slices, align, heap->arena_id, MI_SPAN_RESIDENT, is_zero);
  }
  if (page == NULL) page = _mi_segment_page_alloc(tld, slices, align, heap->arena_id, MI_SPAN_CACHED, is_zero);
  if (page == NULL) page = _mi_segment_page_alloc(tld, slices, align, heap->arena_id, MI_SPAN_ANY, is_zero);
  if (page == NULL && reclaim && _mi_heap_reclaim(heap, NULL)) {
    page = _mi_segment_page_alloc(tld, slices, align, heap->arena_id, MI_SPAN_ANY, is_zero);
  }
  if (page == NULL) page = _mi_segment_page_alloc(tld, slices, align, heap->arena_id, MI_SPAN_NEW, is_zero);
  return page;
}

bool _mi_heap_reclaim(mi_heap_t* heap, const mi_reclaim_want_t* want) {
  mi_segment_t* seg = _mi_segment_reclaim_take(heap->tld, want);
  if (seg == NULL) return false;
  _mi_page_adopt_segment(heap->tld->heap_backing, seg);
  return true;
}

/* Adopt an abandoned segment with a page of `bin` that has room (into the
   backing heap); false if none was found among the newest ones. */
static bool heap_reclaim(mi_heap_t* heap, size_t bin) {
  if (heap->no_reclaim || _mi_segment_abandoned_count() == 0) return false;
  const mi_reclaim_want_t want = { bin, 0, 0 };
  return _mi_heap_reclaim(heap, &want);
}

static mi_page_t* queue_find_free(mi_heap_t* heap, mi_page_queue_t* pq) {
  mi_page_t* page = pq->first;
  size_t searched = 0;
  while (page != NULL) {
    mi_page_t* next = page->next;
    searched++;
#if MI_SECURE > 0
    const bool had_free = (page->free != NULL);
#endif
    _mi_page_collect(page);
#if MI_SECURE > 0
    /* when freed blocks were just collected, half of the time a few fresh
       blocks (1-4) come before them: which kind the next allocation gets
       cannot be predicted, the page does not grow faster than its use, and
       no extra slow path is taken */
    if (!had_free && page->free != NULL && page->capacity < page->reserved && page->kind == MI_PAGE_SMALL) {
      const uint64_t r = _mi_random_next(heap->tld->rnd);
      if (r & 1) {
        mi_block_t* rest = page->free;
        page->free = NULL;
        page_extend(page, heap->tld, 1 + ((r >> 1) & 3), rest);
      }
    }
#endif
    if (page->free == NULL && page->capacity < page->reserved) page_extend(page, heap->tld, 0, NULL);
    if (page->free != NULL) {
      page->retired = 0;
      if (page != pq->first) {
        queue_remove(heap, pq, page);
        queue_push_front(heap, pq, page);
      }
      mi_counter_add(&heap->tld->stats, MI_CTR_PAGE_SEARCHES, (int64_t)searched);
      return page;
    }
    if (!page_to_full(heap, page)) continue;   /* remote frees arrived meanwhile: look again */
    page = next;
  }
  mi_counter_add(&heap->tld->stats, MI_CTR_PAGE_SEARCHES, (int64_t)searched);
  return NULL;
}

/* Before a fresh page of `kind` is made, the retired page of that kind
   whose bin went longest without retiring another is freed: retired pages
   then cost no memory a program's new sizes need. */
static void heap_evict_retired(mi_heap_t* heap, mi_page_kind_t kind) {
  if (heap->retired_max == 0) return;
  const uint32_t gen = (uint32_t)heap->tld->generic_count;
  mi_page_t* victim = NULL;
  uint32_t age = 0;
  for (size_t bin = heap->retired_min; bin <= heap->retired_max; bin++) {
    mi_page_t* page = heap->pages[bin].last;
    if (page != NULL && page->retired && page->kind == kind && (victim == NULL || gen - page->retire_gen > age)) {
      victim = page;
      age = gen - page->retire_gen;
    }
  }
  if (victim != NULL) {
    mi_counter_add(&heap->tld->stats, MI_CTR_PAGES_RETIRED, 1);
    _mi_page_free(victim, false);
  }
}

/* A fresh page for `bin`: with `own_only` from the thread's own resident
   free slices only (NULL if there are none), else from anywhere but there. */
static mi_page_t* page_fresh_small(mi_heap_t* heap, size_t bin, bool own_only) {
  const size_t bsize = _mi_bin_size(bin);
  const bool small = (bsize <= MI_SMALL_OBJ_SIZE_MAX);
  const size_t slices = (small ? MI_SMALL_PAGE_SLICES : MI_MEDIUM_PAGE_SLICES);
  const size_t align = (small ? 1 : MI_MEDIUM_PAGE_SLICES);
  bool is_zero;
  mi_page_t* page;
  if (own_only) {
    heap_evict_retired(heap, small ? MI_PAGE_SMALL : MI_PAGE_MEDIUM);
    page = _mi_segment_page_alloc(heap->tld, slices, align, heap->arena_id, MI_SPAN_RESIDENT, &is_zero);
  }
  else {
    page = heap_page_span(heap, slices, align, true, &is_zero);
  }
  if (page == NULL) return NULL;
  page_init(heap, page, bsize, bin, small ? MI_PAGE_SMALL : MI_PAGE_MEDIUM, is_zero);
  mi_stat_add(&heap->tld->stats, MI_STAT_NORMAL, (int64_t)_mi_page_size(page));
  queue_push_front(heap, &heap->pages[bin], page);
  return page;
}

/* A single-block page for a large or huge request; it lives in the full
   queue (armed) while its block is allocated. */
static mi_page_t* page_fresh_single(mi_heap_t* heap, size_t size, size_t alignment) {
  mi_tld_t* tld = heap->tld;
  bool is_zero;
  mi_page_t* page;
  mi_page_kind_t kind;
  if (size <= MI_LARGE_OBJ_SIZE_MAX && alignment <= MI_MAX_ALIGN_SIZE) {
    const size_t slices = (size + MI_PAGE_GUARD_SIZE + MI_SLICE_SIZE - 1) >> MI_SLICE_SHIFT;
    page = heap_page_span(heap, slices, 1, false, &is_zero);
    kind = MI_PAGE_LARGE;
    if (page == NULL) return NULL;
    size_t bsize = slices * MI_SLICE_SIZE - MI_PAGE_GUARD_SIZE;
#if MI_SECURE > 0
    /* end the block on the guard page: an overflow faults at once */
    const size_t used = mi_align_up(size, MI_MAX_ALIGN_SIZE);
    page->page_start += bsize - used;
    bsize = used;
#endif
    page_init(heap, page, bsize, MI_BIN_LARGE, kind, is_zero);
    mi_stat_add(&tld->stats, MI_STAT_LARGE, (int64_t)page->block_size);
    mi_counter_add(&tld->stats, MI_CTR_LARGE_ALLOCS, 1);
  }
  else {
    page = _mi_segment_huge_page_alloc(tld, size, alignment, heap->arena_id, &is_zero);
    kind = MI_PAGE_HUGE;
    if (page == NULL) return NULL;
    mi_segment_t* seg = _mi_page_segment(page);
    const size_t bsize = (size_t)((uint8_t*)seg + seg->segment_size - MI_PAGE_GUARD_SIZE - page->page_start);
    page_init(heap, page, bsize, MI_BIN_LARGE, kind, is_zero);
    mi_stat_add(&tld->stats, MI_STAT_HUGE, (int64_t)page->block_size);
    mi_counter_add(&tld->stats, MI_CTR_HUGE_ALLOCS, 1);
  }
  page_arm(page);
  mi_page_flag_set(page, MI_PAGE_IN_FULL);
  queue_push_back(heap, &heap->pages[MI_BIN_FULL], page);
  return page;
}

mi_page_t* _mi_heap_find_page(mi_heap_t* heap, size_t size, size_t alignment) {
  const size_t need = size + MI_PADDING_SIZE;
  if (need < size) return NULL;
  if (need > MI_MEDIUM_OBJ_SIZE_MAX || alignment > MI_MAX_ALIGN_SIZE) {
    return page_fresh_single(heap, need, alignment);
  }
  const size_t bin = _mi_bin(need);
  mi_page_queue_t* pq = &heap->pages[bin];
  /* a page with free blocks; else a fresh one in the thread's resident
     memory; else an abandoned page with room; else a fresh one elsewhere */
  for (int attempt = 0; attempt < 4; attempt++) {
    mi_page_t* page = queue_find_free(heap, pq);
    if (page != NULL) return page;
    if (attempt == 0 && (page = page_fresh_small(heap, bin, true)) != NULL) return page;
    if (!heap_reclaim(heap, bin)) break;
  }
  return page_fresh_small(heap, bin, false);
}

/* ------------------------------------------------------------------------
   Whole-heap page operations
------------------------------------------------------------------------ */
void _mi_heap_collect_pages(mi_heap_t* heap, bool force) {
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    mi_page_t* page = heap->pages[bin].first;
    while (page != NULL) {
      mi_page_t* next = page->next;
      if (bin == MI_BIN_FULL) {
        if (force && (mi_atomic_load_relaxed(&page->xthread_free) & ~MI_NOTIFY_MASK) != 0) {
          _mi_page_unfull(page);
          if (page_is_empty(page)) _mi_page_free(page, false);
        }
      }
      else if (page_is_empty(page)) {
        _mi_page_free(page, false);
      }
      page = next;
    }
  }
  heap->retired_min = heap->retired_max = 0;
}

/* Visit every page of the heap. */
static void heap_pages_foreach(mi_heap_t* heap, void (*fun)(mi_heap_t*, mi_page_t*, void*), void* arg) {
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    mi_page_t* page = heap->pages[bin].first;
    while (page != NULL) {
      mi_page_t* next = page->next;
      fun(heap, page, arg);
      page = next;
    }
  }
}

static void page_disarm_visitor(mi_heap_t* heap, mi_page_t* page, void* arg) {
  (void)heap; (void)arg;
  _mi_page_disarm(page);
}

/* Clear every notification of the thread: after this no page of `heap` is
   on the notify stack and no remote freer will push one. */
static void heap_quiesce_notify(mi_heap_t* heap) {
  mi_tld_t* tld = heap->tld;
  heap_pages_foreach(heap, &page_disarm_visitor, NULL);
  /* pages in state DONE are on the stack; drain it, handling other heaps' pages normally */
  uintptr_t list = mi_atomic_exchange_acq_rel(&tld->xnotify, 0);
  while (list != 0) {
    mi_page_t* page = (mi_page_t*)list;
    list = (uintptr_t)page->notify_next;
    page->notify_next = NULL;
    uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
    while (!mi_atomic_cas_acq_rel(&page->xthread_free, &tf, tf & ~MI_NOTIFY_MASK)) { }
    if (page->heap != heap && page->heap != NULL) {
      _mi_page_unfull(page);
      _mi_page_collect(page);
      if (page->used == 0 && page->free == NULL) _mi_page_retire(page);
    }
  }
}

static void page_abandon_visitor(mi_heap_t* heap, mi_page_t* page, void* arg) {
  (void)arg;
  if (page_is_empty(page)) { _mi_page_free(page, true); return; }
  queue_remove(heap, page_queue_of(heap, page), page);
  /* tid 0, flagged: every free takes the slow remote path (which tidies abandoned segments) */
  mi_page_set_xowner(page, (mi_page_xowner(page) & MI_PAGE_HAS_ALIGNED) | MI_PAGE_CHECKED);
  page->heap = NULL;
  page->retired = 0;
  heap->page_count--;
  mi_stat_add(&heap->tld->stats, MI_STAT_PAGES_ABANDONED, 1);
}

void _mi_heap_pages_abandon(mi_heap_t* heap) {
  heap_quiesce_notify(heap);
  heap_pages_foreach(heap, &page_abandon_visitor, NULL);
  _mi_heap_queues_init(heap);
  heap->page_count = 0;
  heap->retired_min = heap->retired_max = 0;
}

static void page_destroy_visitor(mi_heap_t* heap, mi_page_t* page, void* arg) {
  (void)heap; (void)arg;
  _mi_page_free(page, true);
}

void _mi_heap_pages_destroy(mi_heap_t* heap) {
  heap_quiesce_notify(heap);
  heap_pages_foreach(heap, &page_destroy_visitor, NULL);
  _mi_heap_queues_init(heap);
  heap->page_count = 0;
  heap->retired_min = heap->retired_max = 0;
}

void _mi_heap_pages_move(mi_heap_t* from, mi_heap_t* to) {
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    mi_page_queue_t* pq = &from->pages[bin];
    mi_page_t* page = pq->first;
    while (page != NULL) {
      mi_page_t* next = page->next;
      page->heap = to;
      page->retired = 0;
      page->next = page->prev = NULL;
      queue_push_back(to, &to->pages[bin], page);
      page = next;
    }
  }
  to->page_count += from->page_count;
  _mi_heap_queues_init(from);
  from->page_count = 0;
  from->retired_min = from->retired_max = 0;
}

/* ------------------------------------------------------------------------
   Adopting an abandoned segment
------------------------------------------------------------------------ */
static void page_adopt(mi_heap_t* heap, mi_page_t* page) {
  mi_tld_t* tld = heap->tld;
  page->heap = heap;
  page->tag = (uint8_t)heap->tag;
  page->retired = 0;
  page->next = page->prev = NULL;
  mi_page_set_xowner(page, tld->tid | (mi_page_xowner(page) & MI_PAGE_HAS_ALIGNED) | MI_PAGE_INIT_FLAGS |
                           (page->kind == MI_PAGE_HUGE ? MI_PAGE_CHECKED : 0));
  heap->page_count++;
  mi_stat_add(&tld->stats, MI_STAT_PAGES_ABANDONED, -1);
  mi_counter_add(&tld->stats, MI_CTR_PAGES_RECLAIMED, 1);
  if (page_is_empty(page)) {
    mi_page_flag_clear(page, MI_PAGE_IN_FULL);
    queue_push_back(heap, &heap->pages[page->bin], page);
    _mi_page_free(page, true);
    return;
  }
  _mi_page_collect(page);
  if (page->kind == MI_PAGE_LARGE || page->kind == MI_PAGE_HUGE ||
      (page->free == NULL && page->capacity == page->reserved)) {
    if (page_arm(page)) {
      mi_page_flag_set(page, MI_PAGE_IN_FULL);
      queue_push_back(heap, &heap->pages[MI_BIN_FULL], page);
      return;
    }
    _mi_page_collect(page);   /* remote frees arrived: it is not full */
  }
  queue_push_back(heap, &heap->pages[page->bin], page);
}

void _mi_page_adopt_segment(mi_heap_t* heap, mi_segment_t* seg) {
  if (seg->kind == MI_SEGMENT_HUGE) {
    mi_page_t* page = _mi_segment_slice(seg, MI_SEGMENT_FIRST_SLICE);
    if (page->block_size != 0) page_adopt(heap, page);   /* an empty huge page takes its segment with it */
    else _mi_segment_free_if_empty(seg, heap->tld);
    return;
  }
  else {
    size_t idx = MI_SEGMENT_FIRST_SLICE;
    while (idx < MI_SLICE_COUNT) {
      mi_page_t* page = _mi_segment_slice(seg, idx);
      if (page->block_size == 0 || mi_page_is_cont(page)) { idx++; continue; }
      const size_t n = page->slice_count;
      page_adopt(heap, page);
      idx += n;
    }
  }
  _mi_segment_free_if_empty(seg, heap->tld);
}

/* A thread freeing into an abandoned segment (possibly one that never
   allocates) tidies it: empty pages are released, an empty segment goes
   back, and the rest stays abandoned for allocating threads to reclaim (it
   is not adopted: that would hand a freeing thread memory it never reuses).
   With the option abandoned_reclaim_on_free the freeing thread adopts it.
   Returns true if the segment was inspected. */
bool _mi_page_reclaim_for_free(mi_segment_t* seg) {
  if (mi_option_is_enabled(mi_option_abandoned_reclaim_on_free)) {
    mi_heap_t* heap = mi_heap_get_default_inline();
    if (mi_heap_is_initialized(heap) && !heap->no_reclaim) {
      if (!_mi_segment_take_abandoned(seg, heap->tld)) return false;
      _mi_page_adopt_segment(heap->tld->heap_backing, seg);
      return true;
    }
  }
  if (!_mi_segment_take_abandoned(seg, NULL)) return false;
  if (seg->kind == MI_SEGMENT_HUGE) {
    mi_page_t* page = _mi_segment_slice(seg, MI_SEGMENT_FIRST_SLICE);
    if (page_is_empty(page)) {
      memset(page, 0, sizeof(*page));
      _mi_stats_process_add(MI_STAT_PAGES_ABANDONED, -1);
      seg->used_pages = 0;
    }
  }
  else {
    for (size_t idx = MI_SEGMENT_FIRST_SLICE; idx < MI_SLICE_COUNT; ) {
      mi_page_t* page = _mi_segment_slice(seg, idx);
      if (page->block_size == 0 || mi_page_is_cont(page)) { idx++; continue; }
      const size_t n = page->slice_count;
      if (page_is_empty(page) && !page_on_notify_stack(page)) {
        _mi_segment_page_release_unowned(page);
        _mi_stats_process_add(MI_STAT_PAGES_ABANDONED, -1);
      }
      idx += n;
    }
  }
  _mi_segment_release_abandoned(seg);
  return true;
}

/* ------------------------------------------------------------------------
   Live blocks of the thread's own heap (statistics)
------------------------------------------------------------------------ */
/* The owner counts its heap: remote frees are collected first. */
void _mi_heap_live_count(mi_heap_t* heap, mi_live_t* live) {
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    for (mi_page_t* page = heap->pages[bin].first; page != NULL; page = page->next) {
      page_collect_thread_free(page);
      const size_t nfree = _mi_page_list_count(page, page->free);
      if (page->used > nfree) _mi_live_add(live, page, page->used - nfree);
    }
  }
}

