/* SPDX-License-Identifier: MIT
 * segment.c -- segments: 32 MiB aligned reservations cut into 64 KiB slices.
 *
 * A thread owns its segments.  Pages are spans of free slices found with the
 * segment's free bitmap; freed spans become "dirty" (memory still resident)
 * and are purged when purge.c's policy says so, so memory freed and reused
 * soon is never faulted in twice while RSS still drops after a program has
 * stopped using it.  Empty segments go to a process-wide cache (keeping
 * their resident memory until it is due) and are reused before new address
 * space is mapped.  A thread that exits with live
 * blocks abandons its segments to a process-wide list; other threads reclaim
 * them.  The segment map (one byte per 32 MiB of address space) tells the
 * free path in one load whether a pointer is ours.
 */
#include "internal.h"
#include "slices.h"
#include <pthread.h>

uint8_t _mi_segment_map[MI_SEGMAP_ENTRIES];
uintptr_t _mi_process_cookie;


static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static mi_segment_t* cache_list;
static size_t cache_count;
static mi_atomic_t cache_nonempty;   /* peeked without the lock */
static mi_atomic_t cache_purge_due;  /* earliest purge deadline among cached segments (0: none) */
#define MI_SEGMENT_CACHE_MAX  64

/* ------------------------------------------------------------------------
   Segment map
------------------------------------------------------------------------ */
static void segmap_set(mi_segment_t* seg, bool on) {
  const uintptr_t start = (uintptr_t)seg >> MI_SEGMENT_SHIFT;
  const size_t chunks = (seg->segment_size + MI_SEGMENT_SIZE - 1) >> MI_SEGMENT_SHIFT;
  if (start + chunks > MI_SEGMAP_ENTRIES) return;
  for (size_t i = 0; i < chunks; i++) {
    uint8_t v = (on ? (i == 0 ? MI_SEGMAP_START : MI_SEGMAP_CONT) : MI_SEGMAP_NONE);
    __atomic_store_n(&_mi_segment_map[start + i], v, __ATOMIC_RELEASE);
  }
}

/* The segment holding `p`, or NULL; follows huge segments back to their start. */
static mi_segment_t* segment_of(const void* p) {
  uintptr_t idx = (uintptr_t)p >> MI_SEGMENT_SHIFT;
  if (idx >= MI_SEGMAP_ENTRIES) return NULL;
  uint8_t v = __atomic_load_n(&_mi_segment_map[idx], __ATOMIC_ACQUIRE);
  size_t steps = 0;
  while (v == MI_SEGMAP_CONT && idx > 0 && steps < (1u << 16)) {
    idx--; steps++;
    v = __atomic_load_n(&_mi_segment_map[idx], __ATOMIC_ACQUIRE);
  }
  if (v != MI_SEGMAP_START) return NULL;
  mi_segment_t* seg = (mi_segment_t*)(idx << MI_SEGMENT_SHIFT);
  if (!_mi_segment_is_valid_header(seg)) return NULL;
  if ((uintptr_t)p >= (uintptr_t)seg + seg->segment_size) return NULL;
  return seg;
}

mi_page_t* _mi_segment_page_of_checked(const void* p) {
  mi_segment_t* seg = segment_of(p);
  if (seg == NULL) return NULL;
  mi_page_t* page;
  if (seg->kind == MI_SEGMENT_HUGE) {
    page = _mi_segment_slice(seg, MI_SEGMENT_FIRST_SLICE);
  }
  else {
    const size_t idx = ((uintptr_t)p - (uintptr_t)seg) >> MI_SLICE_SHIFT;
    if (idx < MI_SEGMENT_FIRST_SLICE) return NULL;
    page = _mi_segment_slice(seg, idx);
    if (mi_page_is_cont(page)) page = (mi_page_t*)((uint8_t*)page - page->back);
  }
  if (page->block_size == 0) return NULL;
  if ((uint8_t*)p < page->page_start || (uint8_t*)p >= page->page_start + _mi_page_size(page)) return NULL;
  return page;
}

/* ------------------------------------------------------------------------
   Owner list of a thread
------------------------------------------------------------------------ */
void _mi_segment_tld_push(mi_tld_t* tld, mi_segment_t* seg) {
  seg->tld = tld;
  seg->subproc = tld->subproc;
  if (seg->purge_expire != 0 && (tld->purge_due == 0 || seg->purge_expire < tld->purge_due)) tld->purge_due = seg->purge_expire;
  seg->prev = NULL;
  seg->next = tld->segments;
  if (tld->segments != NULL) tld->segments->prev = seg;
  tld->segments = seg;
  tld->segment_count++;
  mi_stat_add(&tld->stats, MI_STAT_SEGMENTS, 1);
}

void _mi_segment_tld_remove(mi_tld_t* tld, mi_segment_t* seg) {
  if (seg->prev != NULL) seg->prev->next = seg->next; else tld->segments = seg->next;
  if (seg->next != NULL) seg->next->prev = seg->prev;
  seg->next = seg->prev = NULL;
  tld->segment_count--;
  mi_stat_add(&tld->stats, MI_STAT_SEGMENTS, -1);
}

/* ------------------------------------------------------------------------
   Purging (the policy -- deadlines, budget, adaptive delay, pass limit --
   is purge.c's; this is the mechanism over the slice maps)
------------------------------------------------------------------------ */
static void purge_count(mi_stats_internal_t* st, size_t bytes) {
  if (st != NULL) {
    mi_counter_add(st, MI_CTR_PURGE_CALLS, 1);
    mi_counter_add(st, MI_CTR_PURGED_BYTES, (int64_t)bytes);
  }
  else {
    _mi_stats_process_counter(MI_CTR_PURGE_CALLS, 1);
    _mi_stats_process_counter(MI_CTR_PURGED_BYTES, (int64_t)bytes);
  }
}

/* Purge the dirty free slices the pass allows (purge.c decides from each
   slice's deadline, kept in its otherwise unused descriptor); contiguous
   ones go back with one call.  Returns the earliest time to look again (0:
   nothing left to purge). */
static uint64_t segment_purge(mi_segment_t* seg, mi_purge_pass_t* pass, mi_stats_internal_t* st) {
  if (seg->kind == MI_SEGMENT_HUGE) { seg->purge_expire = 0; return 0; }
  const bool decommit = (mi_option_get(mi_option_purge_decommits) != 0);
  uint64_t next = 0;
  size_t i = MI_SEGMENT_FIRST_SLICE;
  while (i < MI_SLICE_COUNT) {
    const uint64_t dw = seg->dirty_map[i >> 6] & seg->free_map[i >> 6];
    if ((i & 63) == 0 && dw == 0) { i += 64; continue; }
    if (!bit_get(seg->dirty_map, i) || !bit_get(seg->free_map, i)) { i++; continue; }
    const uint64_t due = _mi_segment_slice(seg, i)->purge_due;
    if (due == UINT64_MAX) { i++; continue; }   /* never purged, or reset (MADV_FREE) already */
    uint64_t when = _mi_purge_when(pass, due);
    if (when == 0 && pass->left < MI_SLICE_SIZE) when = pass->now + 1;   /* this pass is spent: the next one */
    if (when != 0) {
      if (next == 0 || when < next) next = when;
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < MI_SLICE_COUNT && (j - i + 1) * MI_SLICE_SIZE <= pass->left &&
           bit_get(seg->dirty_map, j) && bit_get(seg->free_map, j)) {
      const uint64_t d = _mi_segment_slice(seg, j)->purge_due;
      if (d == UINT64_MAX || _mi_purge_when(pass, d) != 0) break;
      j++;
    }
    uint8_t* start = (uint8_t*)seg + i * MI_SLICE_SIZE;
    const size_t bytes = (j - i) * MI_SLICE_SIZE;
#if MI_SECURE > 0
    /* purged memory is inaccessible: one system call for memory mapped from the OS */
    if (decommit && seg->arena_id < 0) _mi_os_purge_protect(start, bytes);
    else if (decommit) {
      _mi_os_purge(start, bytes, true);
      _mi_os_protect(start, bytes);
    }
    else _mi_os_purge(start, bytes, false);
#else
    _mi_os_purge(start, bytes, decommit);
#endif
    for (size_t k = i; k < j; k++) {
      mi_page_t* d = _mi_segment_slice(seg, k);
      if (decommit) {
        d->purge_due = 0;
        d->purged_at = pass->now;    /* a claim soon after tells purge.c the purge was wasted */
#if MI_SECURE > 0
        d->guarded = 0;
#endif
      }
      else {
        /* MADV_FREE keeps the contents until the kernel reclaims them: the
           slices stay "dirty" (not known to be zero) and are not reset again */
        d->purge_due = UINT64_MAX;
      }
    }
    if (decommit) {
      bits_set(seg->dirty_map, i, j - i, false);                 /* zero again */
      _mi_stats_committed_add(-(int64_t)bytes);
    }
    _mi_purge_pass_took(pass, bytes, decommit);
    purge_count(st, bytes);
    i = j;
  }
  seg->purge_expire = next;
  return next;
}

/* Slices [idx, idx+n) were just freed: stamp their purge deadline. */
static void segment_schedule_purge(mi_tld_t* tld, mi_segment_t* seg, size_t idx, size_t n, bool large) {
  if (tld->now_ms == 0) tld->now_ms = _mi_os_clock_ms();
  const uint64_t due = _mi_purge_deadline(tld->now_ms, large);
  for (size_t k = 0; k < n; k++) _mi_segment_slice(seg, idx + k)->purge_due = due;
  if (due == UINT64_MAX) return;                  /* never purge */
  if (due == 0) {                                 /* purge at once (delay 0): just these */
    mi_purge_pass_t pass;
    _mi_purge_pass_begin(&pass, _mi_os_clock_ms(), false, false);
    segment_purge(seg, &pass, &tld->stats);
    if (seg->purge_expire != 0 && (tld->purge_due == 0 || seg->purge_expire < tld->purge_due)) tld->purge_due = seg->purge_expire;
    return;
  }
  if (seg->purge_expire == 0 || due < seg->purge_expire) seg->purge_expire = due;
  if (tld->purge_due == 0 || seg->purge_expire < tld->purge_due) tld->purge_due = seg->purge_expire;
}

static void segment_cache_push(mi_segment_t* seg);
static void segment_os_free(mi_segment_t* seg);

void _mi_segment_due_note(mi_atomic_t* due_at, uint64_t expire) {
  if (expire == 0) return;
  uintptr_t cur = mi_atomic_load_relaxed(due_at);
  while ((cur == 0 || expire < cur) && !mi_atomic_cas_acq_rel(due_at, &cur, expire)) { }
}

void _mi_segment_list_purge(pthread_mutex_t* lock, mi_segment_t* const* list, mi_atomic_t* due_at, mi_purge_pass_t* pass) {
  const uintptr_t due = mi_atomic_load_relaxed(due_at);
  if (due == 0 || (!pass->force && due > pass->now)) return;
  if (pthread_mutex_trylock(lock) != 0) return;
  uint64_t next = 0;
  for (mi_segment_t* seg = *list; seg != NULL; seg = seg->next) {
    if (seg->purge_expire != 0 && (pass->force || seg->purge_expire <= pass->now)) segment_purge(seg, pass, NULL);
    if (seg->purge_expire != 0 && (next == 0 || seg->purge_expire < next)) next = seg->purge_expire;
  }
  mi_atomic_store_relaxed(due_at, next);
  pthread_mutex_unlock(lock);
}

void _mi_segments_purge_cached(mi_purge_pass_t* pass) {
  _mi_segment_list_purge(&cache_lock, &cache_list, &cache_purge_due, pass);
}

void _mi_segments_purge_owned(mi_tld_t* tld, mi_purge_pass_t* pass) {
  if (tld->purge_due == 0 && !pass->force) return;
  if (!pass->force && pass->now < tld->purge_due) return;
  uint64_t next_due = 0;
  size_t empty_kept = 0;
  mi_segment_t* seg = tld->segments;
  while (seg != NULL) {
    mi_segment_t* next = seg->next;
    if (seg->purge_expire != 0) {
      if (pass->force || seg->purge_expire <= pass->now) segment_purge(seg, pass, &tld->stats);
      if (seg->purge_expire != 0 && (next_due == 0 || seg->purge_expire < next_due)) next_due = seg->purge_expire;
    }
    if (seg->used_pages == 0 && seg->kind == MI_SEGMENT_NORMAL && (seg->purge_expire == 0 || pass->force)) {
      /* empty and clean: keep one per thread, give the rest to the cache */
      if (empty_kept++ > 0 || pass->force) {
        _mi_segment_tld_remove(tld, seg);
        segment_cache_push(seg);
      }
    }
    seg = next;
  }
  tld->purge_due = next_due;
}

/* ------------------------------------------------------------------------
   Allocating and freeing whole segments
------------------------------------------------------------------------ */
static void segment_init_header(mi_segment_t* seg, size_t size, mi_segment_kind_t kind, int arena_id) {
  seg->kind = (uint32_t)kind;
  seg->used_pages = 0;
  seg->segment_size = size;
  seg->cookie = (uintptr_t)seg ^ _mi_process_cookie;
  seg->tld = NULL;
  seg->next = seg->prev = NULL;
  seg->purge_expire = 0;
  seg->arena_id = arena_id;
  memset(seg->free_map, 0, sizeof(seg->free_map));
  memset(seg->dirty_map, 0, sizeof(seg->dirty_map));
  if (kind == MI_SEGMENT_NORMAL) bits_set(seg->free_map, MI_SEGMENT_FIRST_SLICE, MI_SLICE_COUNT - MI_SEGMENT_FIRST_SLICE, true);
#if MI_SECURE > 0
  /* slice 1 is a guard: an underflow from the first page hits it before the
     metadata, and an overflow never reaches metadata (pages come after it) */
  _mi_os_protect((uint8_t*)seg + MI_SLICE_SIZE, MI_SLICE_SIZE);
#endif
}

#if MI_SECURE > 0
/* Secure builds keep free clean slices inaccessible: fresh usable memory is
   protected, a claim opens it, a purge closes it again. */
static void segment_protect_fresh(mi_segment_t* seg) {
  _mi_os_protect((uint8_t*)seg + MI_SEGMENT_FIRST_SLICE * MI_SLICE_SIZE,
                 (MI_SLICE_COUNT - MI_SEGMENT_FIRST_SLICE) * MI_SLICE_SIZE);
}
#endif

/* The newest cached segment (with `resident_only`, the newest one holding
   resident memory), unlinked; NULL if none. */
static mi_segment_t* segment_cache_pop(bool resident_only) {
  if (mi_atomic_load_relaxed(&cache_nonempty) == 0) return NULL;
  pthread_mutex_lock(&cache_lock);
  mi_segment_t* prev = NULL;
  mi_segment_t* seg = cache_list;
  while (resident_only && seg != NULL && !bits_any(seg->dirty_map, 0, MI_SLICE_COUNT)) { prev = seg; seg = seg->next; }
  if (seg != NULL) {
    if (prev != NULL) prev->next = seg->next; else cache_list = seg->next;
    cache_count--;
  }
  mi_atomic_store_relaxed(&cache_nonempty, cache_count);
  pthread_mutex_unlock(&cache_lock);
  return seg;
}

/* An empty, unowned segment: its slice maps and purge deadlines stay as
   they are (resident memory is reused first, and purged when due); the
   segment map still says "ours". */
static void segment_cache_push(mi_segment_t* seg) {
  seg->tld = NULL;
  const uint64_t expire = seg->purge_expire;   /* its slices keep their deadlines */
  pthread_mutex_lock(&cache_lock);
  if (cache_count < MI_SEGMENT_CACHE_MAX) {
    seg->next = cache_list;
    cache_list = seg;
    cache_count++;
    mi_atomic_store_relaxed(&cache_nonempty, cache_count);
    seg = NULL;
  }
  pthread_mutex_unlock(&cache_lock);
  if (seg != NULL) { segment_os_free(seg); return; }
  _mi_stats_process_counter(MI_CTR_SEGMENTS_CACHED, 1);
  _mi_segment_due_note(&cache_purge_due, expire);
}

void _mi_segment_cache_collect(bool force) {
  if (!force) return;
  pthread_mutex_lock(&cache_lock);
  mi_segment_t* list = cache_list;
  cache_list = NULL;
  cache_count = 0;
  mi_atomic_store_relaxed(&cache_nonempty, 0);
  mi_atomic_store_relaxed(&cache_purge_due, 0);
  pthread_mutex_unlock(&cache_lock);
  while (list != NULL) {
    mi_segment_t* next = list->next;
    segment_os_free(list);
    list = next;
  }
}

static void segment_os_free(mi_segment_t* seg) {
  const size_t size = seg->segment_size;
  if (seg->kind == MI_SEGMENT_NORMAL) {
    /* resident free slices leave with it */
    const size_t dirty = bits_count(seg->dirty_map, seg->free_map, MI_SEGMENT_FIRST_SLICE, MI_SLICE_COUNT - MI_SEGMENT_FIRST_SLICE) * MI_SLICE_SIZE;
    _mi_stats_committed_add(-(int64_t)dirty);
    _mi_purge_unused_add(-(intptr_t)dirty);
  }
  const int arena_id = seg->arena_id;
  segmap_set(seg, false);
  seg->cookie = 0;
  _mi_stats_process_add(MI_STAT_RESERVED, -(int64_t)size);
  if (arena_id < 0 || !_mi_arena_free_segment(seg, size, arena_id)) _mi_os_free(seg, size);
}

/* Map a new segment of `size` bytes (MI_SEGMENT_SIZE or more), aligned to `alignment`. */
static mi_segment_t* segment_map_new(mi_tld_t* tld, size_t size, size_t alignment, int arena_id, bool* is_zero) {
  int got_arena = -1;
  bool zero = true;
  void* p = NULL;
  if (alignment == MI_SEGMENT_SIZE) {
    p = _mi_arena_alloc_segment(size, arena_id, false, &got_arena, &zero);
  }
  if (p == NULL && arena_id > 0 && _mi_arena_is_exclusive(arena_id)) { errno = ENOMEM; return NULL; }
  if (p == NULL) {
    if (mi_option_is_enabled(mi_option_disallow_os_alloc)) { errno = ENOMEM; return NULL; }
    p = _mi_os_alloc_aligned(size, alignment, &zero);
    got_arena = -1;
    if (p == NULL) return NULL;
    /* allow_large_os_pages: transparent 2 MiB pages for the segment (one
       fault and one TLB entry per 2 MiB of densely used memory) */
    if (mi_option_is_enabled(mi_option_allow_large_os_pages)) _mi_os_hugepage_advise(p, size, true);
    mi_counter_add(&tld->stats, MI_CTR_MMAP_CALLS, 1);
  }
  if (((uintptr_t)p >> MI_SEGMENT_SHIFT) + ((size + MI_SEGMENT_MASK) >> MI_SEGMENT_SHIFT) > MI_SEGMAP_ENTRIES) {
    /* outside the range the segment map covers (MI_SEGMAP_BITS; never with default mmap) */
    if (got_arena < 0) _mi_os_free(p, size); else _mi_arena_free_segment(p, size, got_arena);
    errno = ENOMEM;
    return NULL;
  }
  _mi_stats_process_add(MI_STAT_RESERVED, (int64_t)size);
  mi_segment_t* seg = (mi_segment_t*)p;
  *is_zero = zero;
  seg->arena_id = got_arena;
  return seg;
}

/* A segment for the thread: a cached one (with `resident_only`, one holding
   resident memory, else NULL), or a newly mapped one. */
static mi_segment_t* segment_alloc_normal(mi_tld_t* tld, int arena_id, bool resident_only) {
  mi_segment_t* seg = (arena_id <= 0 ? segment_cache_pop(resident_only) : NULL);
  bool is_zero = true;
  if (seg == NULL) {
    if (resident_only) return NULL;
    seg = segment_map_new(tld, MI_SEGMENT_SIZE, MI_SEGMENT_SIZE, arena_id, &is_zero);
    if (seg == NULL) return NULL;
    segment_init_header(seg, MI_SEGMENT_SIZE, MI_SEGMENT_NORMAL, seg->arena_id);
#if MI_SECURE > 0
    segment_protect_fresh(seg);
#endif
    segmap_set(seg, true);
  }
  else {
    /* from the cache: every slice is free; the dirty map and the purge
       deadlines (in the free slices' descriptors) carry over */
    seg->used_pages = 0;
    seg->next = seg->prev = NULL;
  }
  _mi_segment_tld_push(tld, seg);
  return seg;
}

/* ------------------------------------------------------------------------
   Pages: spans of slices
------------------------------------------------------------------------ */
#if MI_SECURE > 0
static void segment_span_release(mi_tld_t* tld, mi_segment_t* seg, size_t idx, size_t n, bool was_zero) {
  bits_set(seg->free_map, idx, n, true);
  if (!was_zero) bits_set(seg->dirty_map, idx, n, true);
  else _mi_stats_committed_add(-(int64_t)(n * MI_SLICE_SIZE));
  _mi_purge_span_freed(n * MI_SLICE_SIZE, !was_zero);
  seg->used_pages--;
}
#endif

static mi_page_t* segment_span_claim(mi_tld_t* tld, mi_segment_t* seg, size_t idx, size_t n, bool* is_zero) {
  const size_t resident = bits_count(seg->dirty_map, NULL, idx, n);
  *is_zero = (resident == 0);
  if (resident < n) {
    /* clean slices purged not long ago: was that purge wasted? */
    uint64_t purged_at = 0;
    for (size_t k = 0; k < n; k++) {
      const mi_page_t* d = _mi_segment_slice(seg, idx + k);
      if (!bit_get(seg->dirty_map, idx + k) && d->purged_at > purged_at) purged_at = d->purged_at;
    }
    if (purged_at != 0) _mi_purge_refault(purged_at, _mi_os_clock_ms());
  }
  _mi_purge_span_claimed(n * MI_SLICE_SIZE, resident * MI_SLICE_SIZE);
#if MI_SECURE > 0
  const bool all_dirty = bits_all(seg->dirty_map, idx, n);
  const bool last_dirty = bit_get(seg->dirty_map, idx + n - 1);
#endif
  bits_set(seg->free_map, idx, n, false);
  if (!*is_zero) bits_set(seg->dirty_map, idx, n, false);
  _mi_stats_committed_add((int64_t)((n - resident) * MI_SLICE_SIZE));
  seg->used_pages++;
  uint8_t* start = (uint8_t*)seg + idx * MI_SLICE_SIZE;
#if MI_SECURE > 0
  /* open the span and close its last OS page, with as few system calls as
     the slices' states allow: a clean slice is inaccessible as a whole, a
     dirty one is open except its last OS page when `guarded` (kept when
     its page was freed).  The span's last OS page may stay as it is when it
     is closed already; everything before it must be open.  Re-claiming a
     freed page's span takes no system call, a clean span one.  A failure
     (e.g. the mapping-count limit) fails the allocation. */
  const size_t bytes = n * MI_SLICE_SIZE;
  const bool last_closed = _mi_segment_slice(seg, idx + n - 1)->guarded || !last_dirty;
  bool open = !all_dirty || _mi_segment_slice(seg, idx + n - 1)->guarded == 2;   /* 2: closed whole (a freed large page) */
  for (size_t k = 0; k + 1 < n && !open; k++) open = _mi_segment_slice(seg, idx + k)->guarded;
  bool ok = true;
  if (open) ok = _mi_os_unprotect(start, bytes - MI_PAGE_GUARD_SIZE);
  if (ok && !last_closed) ok = _mi_os_protect(start + bytes - MI_PAGE_GUARD_SIZE, MI_PAGE_GUARD_SIZE);
  for (size_t k = 0; k < n; k++) _mi_segment_slice(seg, idx + k)->guarded = 0;
  if (!ok) {
    /* protection state unknown now: the next claim opens the whole span */
    for (size_t k = 0; k < n; k++) _mi_segment_slice(seg, idx + k)->guarded = 1;
    segment_span_release(tld, seg, idx, n, *is_zero);
    errno = ENOMEM;
    return NULL;
  }
#endif
  mi_page_t* page = _mi_segment_slice(seg, idx);
  page->slice_count = (uint16_t)n;
  page->page_start = start;
  for (size_t i = 1; i < n; i++) {
    mi_page_t* cont = _mi_segment_slice(seg, idx + i);
    mi_page_set_xowner(cont, MI_XOWNER_CONT);
    cont->back = (uint32_t)(i << MI_PAGE_DESC_SHIFT);
  }
  return page;
}

#if MI_SECURE > 0
/* A free dirty span shaped as a freed page of `n` slices leaves it: the last
   slice guarded, none before it, so claiming it takes no system call. */
static bool segment_find_guarded_span(const mi_segment_t* seg, size_t n, size_t align, size_t* out) {
  if (seg->used_pages >= MI_SLICE_COUNT) return false;
  size_t run = 0;   /* free, dirty, unguarded slices just before i */
  for (size_t i = MI_SEGMENT_FIRST_SLICE; i < MI_SLICE_COUNT; i++) {
    const uint64_t w = seg->free_map[i >> 6] & seg->dirty_map[i >> 6];
    if ((w >> (i & 63)) == 0) { i |= 63; run = 0; continue; }   /* nothing more in this word */
    if (((w >> (i & 63)) & 1) == 0) { run = 0; continue; }
    if (!_mi_segment_slice(seg, i)->guarded) { run++; continue; }
#if MI_SECURE_LARGE_PROTECT
    if (_mi_segment_slice(seg, i)->guarded == 2) { run = 0; continue; }   /* a freed large page: reopening it costs a call */
#endif
    if (run + 1 >= n && (i + 1 - n) % align == 0) { *out = i + 1 - n; return true; }
    run = 0;
  }
  return false;
}
#endif

static bool segment_usable_by(const mi_segment_t* seg, int arena_id) {
  if (seg->kind != MI_SEGMENT_NORMAL) return false;
  if (arena_id > 0) return seg->arena_id == arena_id;
  return !(seg->arena_id > 0 && _mi_arena_is_exclusive(seg->arena_id));
}

bool _mi_segment_has_resident_span(const mi_segment_t* seg, size_t slices, size_t align_slices) {
  size_t idx;
  return seg->kind == MI_SEGMENT_NORMAL && segment_find_span(seg, slices, align_slices, true, &idx);
}

/* A span for a page, from where `mode` says (page.c orders the modes so
   resident memory anywhere -- the thread's, abandoned, cached -- comes
   before clean memory); NULL with errno 0 when there is none there. */
mi_page_t* _mi_segment_page_alloc(mi_tld_t* tld, size_t slices, size_t align_slices, int arena_id, mi_span_mode_t mode, bool* is_zero) {
  mi_assert_internal(slices >= 1 && slices <= MI_SLICE_COUNT - MI_SEGMENT_FIRST_SLICE);
  size_t idx;
  if (mode == MI_SPAN_RESIDENT || mode == MI_SPAN_ANY) {
#if MI_SECURE > 0
    /* first the span of a freed page of the same size: no system call */
    if (slices > 1 && mode == MI_SPAN_RESIDENT) {
      for (mi_segment_t* seg = tld->segments; seg != NULL; seg = seg->next) {
        if (segment_usable_by(seg, arena_id) && segment_find_guarded_span(seg, slices, align_slices, &idx)) {
          return segment_span_claim(tld, seg, idx, slices, is_zero);
        }
      }
    }
#endif
    if (mode == MI_SPAN_ANY && slices > 1) {
      /* no wholly resident span: the one with the most resident slices */
      mi_segment_t* best = NULL;
      size_t best_idx = 0, best_dirty = 0, dirty = 0;
      for (mi_segment_t* seg = tld->segments; seg != NULL; seg = seg->next) {
        if (!segment_usable_by(seg, arena_id) || !segment_find_span_best(seg, slices, align_slices, &idx, &dirty)) continue;
        if (best == NULL || dirty > best_dirty) { best = seg; best_idx = idx; best_dirty = dirty; }
      }
      return (best == NULL ? NULL : segment_span_claim(tld, best, best_idx, slices, is_zero));
    }
    for (mi_segment_t* seg = tld->segments; seg != NULL; seg = seg->next) {
      if (!segment_usable_by(seg, arena_id)) continue;
      if (segment_find_span(seg, slices, align_slices, mode == MI_SPAN_RESIDENT, &idx)) {
        return segment_span_claim(tld, seg, idx, slices, is_zero);
      }
    }
    return NULL;
  }
  const bool cached = (mode == MI_SPAN_CACHED);
  mi_segment_t* seg = segment_alloc_normal(tld, arena_id, cached);
  if (seg == NULL) return NULL;
  if (!(cached && segment_find_span(seg, slices, align_slices, true, &idx)) &&
      !segment_find_span(seg, slices, align_slices, false, &idx)) return NULL;
  return segment_span_claim(tld, seg, idx, slices, is_zero);   /* NULL: errno set */
}

/* A huge block gets a segment of its own: header slice, gap slice, then the
   block at the first `alignment` boundary.  The block may start beyond the
   first 32 MiB (huge alignments); the segment map's continuation entries
   lead the free path back to the header. */
mi_page_t* _mi_segment_huge_page_alloc(mi_tld_t* tld, size_t size, size_t alignment, int arena_id, bool* is_zero) {
  const size_t header = MI_SEGMENT_FIRST_SLICE * MI_SLICE_SIZE;
  if (alignment < MI_MAX_ALIGN_SIZE) alignment = MI_MAX_ALIGN_SIZE;
  const size_t extra = (alignment > header ? alignment - header : 0);
  size_t total;
  if (__builtin_add_overflow(header + extra + MI_PAGE_GUARD_SIZE, size, &total)) { errno = ENOMEM; return NULL; }
  total = mi_align_up(total, _mi_os_page_size());
  if (total < size) { errno = ENOMEM; return NULL; }
  bool zero = true;
  mi_segment_t* seg = segment_map_new(tld, total, MI_SEGMENT_SIZE, arena_id, &zero);
  if (seg == NULL) return NULL;
  segment_init_header(seg, total, MI_SEGMENT_HUGE, seg->arena_id);
  seg->is_zero = zero;
  segmap_set(seg, true);
  _mi_segment_tld_push(tld, seg);
  _mi_stats_committed_add((int64_t)total);
  seg->used_pages = 1;
  uint8_t* start = (uint8_t*)mi_align_up((uintptr_t)seg + header, alignment);
#if MI_SECURE > 0
  uint8_t* guard = (uint8_t*)seg + total - MI_PAGE_GUARD_SIZE;
  _mi_os_protect(guard, MI_PAGE_GUARD_SIZE);
  if (alignment <= MI_MAX_ALIGN_SIZE) start = guard - mi_align_up(size, MI_MAX_ALIGN_SIZE);   /* end on the guard */
#endif
  mi_page_t* page = _mi_segment_slice(seg, MI_SEGMENT_FIRST_SLICE);
  page->slice_count = 1;
  page->page_start = start;
  *is_zero = zero;
  return page;
}

void _mi_segment_page_free(mi_tld_t* tld, mi_page_t* page) {
  mi_segment_t* seg = _mi_page_segment(page);
  mi_assert_internal(seg->used_pages > 0);
  if (seg->kind == MI_SEGMENT_HUGE) {
    _mi_segment_tld_remove(tld, seg);
    _mi_stats_committed_add(-(int64_t)seg->segment_size);
    memset(page, 0, sizeof(*page));
    seg->used_pages = 0;
    segment_os_free(seg);
    return;
  }
  const size_t idx = _mi_segment_slice_index(seg, page);
  const size_t n = page->slice_count;
  const bool large = (page->kind == MI_PAGE_LARGE);

  for (size_t i = 1; i < n; i++) {
    mi_page_t* cont = _mi_segment_slice(seg, idx + i);
    mi_page_set_xowner(cont, 0);
    cont->back = 0;
  }
#if MI_SECURE_LARGE_PROTECT
  /* a freed large block is inaccessible until its slices are claimed again
     (segment_span_claim reopens them) or purged */
  const bool held = (large && page->capacity == 0);   /* closed already while it was held (secure.c _mi_large_hold) */
  const bool closed = held || (large && _mi_os_protect((uint8_t*)seg + idx * MI_SLICE_SIZE, n * MI_SLICE_SIZE - MI_PAGE_GUARD_SIZE));
#endif
  memset(page, 0, sizeof(*page));
#if MI_SECURE > 0
  _mi_segment_slice(seg, idx + n - 1)->guarded = 1;   /* the page's guard stays protected while the slices are free */
#endif
#if MI_SECURE_LARGE_PROTECT
  if (closed) for (size_t k = 0; k < n; k++) _mi_segment_slice(seg, idx + k)->guarded = 2;
#endif
  bits_set(seg->free_map, idx, n, true);
  bits_set(seg->dirty_map, idx, n, true);
  seg->used_pages--;
  _mi_purge_span_freed(n * MI_SLICE_SIZE, true);
  segment_schedule_purge(tld, seg, idx, n, large);
  tld->page_frees++;
  /* no purge pass here: callers may be iterating this segment's pages */
}

/* An empty page of a segment nobody owns: slices back with their deadline
   (the abandoned list's purge pass, or a reclaiming thread, sees it). */
void _mi_segment_page_release_unowned(mi_page_t* page) {
  mi_segment_t* seg = _mi_page_segment(page);
  const size_t idx = _mi_segment_slice_index(seg, page);
  const size_t n = page->slice_count;

  const bool large = (_mi_segment_slice(seg, idx)->kind == MI_PAGE_LARGE);
#if MI_SECURE_LARGE_PROTECT
  const bool closed = large && _mi_os_protect((uint8_t*)seg + idx * MI_SLICE_SIZE, n * MI_SLICE_SIZE - MI_PAGE_GUARD_SIZE);
#endif
  const uint64_t due = _mi_purge_deadline(_mi_os_clock_ms(), large);
  for (size_t i = 0; i < n; i++) {
    mi_page_t* d = _mi_segment_slice(seg, idx + i);
    memset(d, 0, sizeof(mi_page_t));
    d->purge_due = due;
  }
#if MI_SECURE > 0
  _mi_segment_slice(seg, idx + n - 1)->guarded = 1;
#endif
#if MI_SECURE_LARGE_PROTECT
  if (closed) for (size_t k = 0; k < n; k++) _mi_segment_slice(seg, idx + k)->guarded = 2;
#endif
  bits_set(seg->free_map, idx, n, true);
  bits_set(seg->dirty_map, idx, n, true);
  seg->used_pages--;
  _mi_purge_span_freed(n * MI_SLICE_SIZE, true);
  if (due != UINT64_MAX && (seg->purge_expire == 0 || due < seg->purge_expire)) seg->purge_expire = (due == 0 ? 1 : due);
}

/* ------------------------------------------------------------------------
   Huge blocks freed by another thread: give the memory back right away
   (the owner frees the segment when it next looks at its notifications).
------------------------------------------------------------------------ */
void _mi_segment_huge_purge_block(mi_page_t* page) {
  const size_t ps = _mi_os_page_size();
  uint8_t* start = (uint8_t*)mi_align_up((uintptr_t)page->page_start + sizeof(mi_block_t), ps);
  uint8_t* end = (uint8_t*)mi_align_down((uintptr_t)page->page_start + page->block_size, ps);
  if (end > start) _mi_os_purge(start, (size_t)(end - start), true);
}

/* Grow or shrink a huge block's mapping in place (realloc). */
bool _mi_segment_huge_resize(mi_page_t* page, size_t newsize) {
#if MI_SECURE > 0
  (void)page; (void)newsize;
  return false;   /* the guard page sits at the end of the mapping */
#endif
  mi_segment_t* seg = _mi_page_segment(page);
  if (seg->kind != MI_SEGMENT_HUGE || seg->arena_id >= 0) return false;
  const size_t head = (size_t)(page->page_start - (uint8_t*)seg);
  size_t total;
  if (__builtin_add_overflow(head, newsize, &total)) return false;
  total = mi_align_up(total, _mi_os_page_size());
  const size_t old_chunks = (seg->segment_size + MI_SEGMENT_MASK) >> MI_SEGMENT_SHIFT;
  const size_t new_chunks = (total + MI_SEGMENT_MASK) >> MI_SEGMENT_SHIFT;
  const uintptr_t first = (uintptr_t)seg >> MI_SEGMENT_SHIFT;
  if (first + new_chunks > MI_SEGMAP_ENTRIES) return false;
  for (size_t i = old_chunks; i < new_chunks; i++) {
    if (__atomic_load_n(&_mi_segment_map[first + i], __ATOMIC_ACQUIRE) != MI_SEGMAP_NONE) return false;
  }
  if (!_mi_os_remap(seg, seg->segment_size, total)) return false;
  _mi_stats_committed_add((int64_t)total - (int64_t)seg->segment_size);
  _mi_stats_process_add(MI_STAT_RESERVED, (int64_t)total - (int64_t)seg->segment_size);
  if (new_chunks < old_chunks) {
    for (size_t i = new_chunks; i < old_chunks; i++) __atomic_store_n(&_mi_segment_map[first + i], MI_SEGMAP_NONE, __ATOMIC_RELEASE);
  }
  seg->segment_size = total;
  if (new_chunks > old_chunks) {
    for (size_t i = old_chunks; i < new_chunks; i++) __atomic_store_n(&_mi_segment_map[first + i], MI_SEGMAP_CONT, __ATOMIC_RELEASE);
  }
  page->block_size = total - head;
  return true;
}

/* ------------------------------------------------------------------------
   Empty segments
------------------------------------------------------------------------ */
void _mi_segment_free_if_empty(mi_segment_t* seg, mi_tld_t* tld) {
  if (seg->used_pages != 0) return;
  if (tld != NULL) {
    _mi_segment_tld_remove(tld, seg);
  }
  _mi_segment_release_empty(seg);
}

/* An unowned empty segment goes to the cache (huge ones to the OS). */
void _mi_segment_release_empty(mi_segment_t* seg) {
  if (seg->kind == MI_SEGMENT_HUGE) segment_os_free(seg); else segment_cache_push(seg);
}

/* ------------------------------------------------------------------------
   fork
------------------------------------------------------------------------ */
void _mi_segments_lock_prefork(bool lock) {
  if (lock) pthread_mutex_lock(&cache_lock);
  else pthread_mutex_unlock(&cache_lock);
}

void _mi_segments_reinit_child(void) {
  pthread_mutex_init(&cache_lock, NULL);
}

/* ------------------------------------------------------------------------
   Consistency check of the calling thread's segments: slice maps agree with
   the descriptors, page spans do not overlap, used_pages is exact.
------------------------------------------------------------------------ */
bool _mi_segments_check(const mi_tld_t* tld) {
  size_t count = 0;
  for (const mi_segment_t* seg = tld->segments; seg != NULL; seg = seg->next) {
    const char* why = NULL;
    size_t pages = 0;
    if (!_mi_segment_is_valid_header(seg) || seg->tld != tld) why = "bad header or owner";
    else if (seg->kind == MI_SEGMENT_HUGE) pages = (_mi_segment_slice(seg, MI_SEGMENT_FIRST_SLICE)->block_size != 0);
    else {
      for (size_t i = MI_SEGMENT_FIRST_SLICE; i < MI_SLICE_COUNT && why == NULL; ) {
        const mi_page_t* d = _mi_segment_slice(seg, i);
        if (bit_get(seg->free_map, i)) {
          if (d->block_size != 0 || mi_page_is_cont(d)) why = "a free slice has a page descriptor";
          i++;
          continue;
        }
        if (d->block_size == 0 || mi_page_is_cont(d) || d->slice_count == 0 || i + d->slice_count > MI_SLICE_COUNT) { why = "a used slice starts no page"; break; }
        if (bit_get(seg->dirty_map, i)) { why = "a used slice is marked dirty"; break; }
        for (size_t k = 1; k < d->slice_count; k++) {
          const mi_page_t* c = _mi_segment_slice(seg, i + k);
          if (bit_get(seg->free_map, i + k) || !mi_page_is_cont(c) || c->back != (k << MI_PAGE_DESC_SHIFT)) { why = "a page span is broken"; break; }
        }
        pages++;
        i += d->slice_count;
      }
    }
    if (why == NULL && pages != seg->used_pages) why = "used_pages is wrong";
    if (why != NULL) {
      _mi_error_message(EFAULT, "error: check: corrupted metadata of segment %p: %s\n", (const void*)seg, why);
      return false;
    }
    count++;
  }
  if (count != tld->segment_count) {
    _mi_error_message(EFAULT, "error: check: corrupted metadata: %zu segments listed, %zu counted\n", count, tld->segment_count);
    return false;
  }
  return true;
}
