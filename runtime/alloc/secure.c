/* SPDX-License-Identifier: MIT
 * secure.c -- secure-mode checks beyond the free path's: write after free
 * of small and medium blocks (the zeroed words of a free block are checked
 * when it is handed out again and when its page is freed), the inaccessible
 * region that zero-size allocations come from, and the sized-free check.
 * Compiled in every build; empty unless MI_SECURE (each part has its own
 * MI_SECURE_* switch in types.h, to measure what it costs).
 */
#include "internal.h"

/* ------------------------------------------------------------------------
   Write after free (the inline helpers are in internal.h)
------------------------------------------------------------------------ */
#if MI_SECURE_WAF
void _mi_waf_report(const mi_page_t* page, const void* b, const char* op) {
  _mi_error_message(EFAULT, "error: %s: write after free of %p (block %zu B, page %p)\n",
                    op, b, page->block_size, (const void*)page);
}

/* Fresh blocks on memory that may hold old contents: zero what the reuse
   check reads (the link and, for blocks up to MI_SMALL_SIZE_MAX_, the canary
   are written when the blocks are threaded). */
void _mi_waf_fresh(const mi_page_t* page, uint8_t* start, size_t n) {
  const size_t bsize = page->block_size;
  for (size_t i = 0; i < n; i++) {
    uint8_t* b = start + i * bsize;
    mi_block_waf_fill(page, (mi_block_t*)b);
    if (bsize > MI_SMALL_SIZE_MAX_) *mi_block_pad(page, b) = 0;
  }
}

static void waf_check_list(const mi_page_t* page, const mi_block_t* b) {
  size_t guard = 0;
  while (b != NULL && guard++ <= page->capacity && mi_page_contains(page, b)) {
    const uintptr_t mask = mi_page_mask(page, b);
    if (!mi_block_waf_ok(page, b, mask)) {
      _mi_waf_report(page, b, "free");
      return;   /* one report per list (the hook may go on) */
    }
    b = (const mi_block_t*)(b->next ^ mask);
  }
}

void _mi_waf_check_lists(const mi_page_t* page) {
  if (_mi_zero_freed) return;   /* zero_freed frees clear whole blocks, and may skip the canary words' state */
  waf_check_list(page, page->free);
  waf_check_list(page, page->local_free);
}
#endif

/* ------------------------------------------------------------------------
   Freed large blocks: the page is made PROT_NONE at once and held back
   from its segment until the thread frees its next large page (or its
   heap is collected), so the next large allocation cannot take its place
   and a use after free faults even when a block of the same size was
   allocated in between.  Released, its slices stay closed (segment.c)
   until they are claimed again or purged.
------------------------------------------------------------------------ */
#if MI_SECURE_LARGE_PROTECT
mi_page_t* _mi_large_hold(mi_tld_t* tld, mi_page_t* page) {
  mi_segment_t* seg = _mi_page_segment(page);
  uint8_t* start = (uint8_t*)seg + _mi_segment_slice_index(seg, page) * MI_SLICE_SIZE;
  if (!_mi_os_protect(start, (size_t)page->slice_count * MI_SLICE_SIZE - MI_PAGE_GUARD_SIZE)) return page;   /* free it now */
  /* nothing may read the closed block: it leaves the lists (a page with
     no block threaded), and the flag sends every free of it to the checked
     path, which reports it (free.c block_check) without touching it */
  page->free = page->local_free = NULL;
  page->capacity = 0;
  mi_page_flag_set(page, MI_PAGE_HAS_ALIGNED);
  mi_page_t* old = tld->large_held;
  tld->large_held = page;
  return old;
}
#endif

/* ------------------------------------------------------------------------
   Zero-size allocations: one segment-aligned 32 MiB region, reserved
   PROT_NONE on the first malloc(0) and marked MI_SEGMAP_ZERO in the segment
   map; each live zero-size block is a distinct 16-byte slot of it, tracked
   by a bitmap (lock-free: a CAS per allocation and per free).  A read or
   write through the pointer faults; free, realloc and usable_size find the
   region through the segment map.  When the region cannot be reserved or
   is full, malloc(0) returns an ordinary smallest block.
------------------------------------------------------------------------ */
#if MI_SECURE_ZERO_REGION
#define MI_ZERO_SLOT        ((size_t)16)
#define MI_ZERO_SLOTS       (MI_SEGMENT_SIZE / MI_ZERO_SLOT)
#define MI_ZERO_WORDS       (MI_ZERO_SLOTS / 64)

static mi_atomic_t zero_base;                  /* the region, 0 until reserved, 1 when it failed */
static mi_atomic_t zero_map[MI_ZERO_WORDS];    /* 1 = slot allocated */
static mi_atomic_t zero_hint;                  /* word where the next search starts */

static uint8_t* zero_region(void) {
  uintptr_t base = mi_atomic_load_acquire(&zero_base);
  if (mi_likely(base > 1)) return (uint8_t*)base;
  if (base == 1) return NULL;
  bool is_zero;
  uint8_t* p = (uint8_t*)_mi_os_alloc_aligned(MI_SEGMENT_SIZE, MI_SEGMENT_SIZE, &is_zero);
  uintptr_t want = (p == NULL || !_mi_os_purge_protect(p, MI_SEGMENT_SIZE) ? 1 : (uintptr_t)p);
  if (want > 1 && ((uintptr_t)p >> MI_SEGMENT_SHIFT) >= MI_SEGMAP_ENTRIES) want = 1;
  uintptr_t expected = 0;
  if (!mi_atomic_cas_acq_rel(&zero_base, &expected, want)) {
    if (p != NULL) _mi_os_free(p, MI_SEGMENT_SIZE);   /* another thread reserved one first */
    return (expected > 1 ? (uint8_t*)expected : NULL);
  }
  if (want == 1) {
    if (p != NULL) _mi_os_free(p, MI_SEGMENT_SIZE);
    return NULL;
  }
  __atomic_store_n(&_mi_segment_map[(uintptr_t)p >> MI_SEGMENT_SHIFT], MI_SEGMAP_ZERO, __ATOMIC_RELEASE);
  return p;
}

void* _mi_zero_alloc(mi_heap_t* heap) {
  /* only a thread's backing heap (malloc's) hands out slots: a slot belongs
     to no heap, and mi_heap_destroy of another heap must free its blocks */
  if (heap->tld != NULL && heap != heap->tld->heap_backing) return _mi_malloc_generic(heap, 0, false, 0);
  uint8_t* base = zero_region();
  if (base != NULL) {
    const size_t start = mi_atomic_load_relaxed(&zero_hint) % MI_ZERO_WORDS;
    for (size_t k = 0; k < MI_ZERO_WORDS; k++) {
      const size_t w = (start + k) % MI_ZERO_WORDS;
      uintptr_t v = mi_atomic_load_relaxed(&zero_map[w]);
      while (v != ~(uintptr_t)0) {
        const size_t bit = (size_t)__builtin_ctzll(~(unsigned long long)v);
        if (mi_atomic_cas_acq_rel(&zero_map[w], &v, v | ((uintptr_t)1 << bit))) {
          if (w != start) mi_atomic_store_relaxed(&zero_hint, w);
          return base + (w * 64 + bit) * MI_ZERO_SLOT;
        }
      }
    }
  }
  return _mi_malloc_generic(heap, 0, false, 0);   /* no region: an ordinary block */
}

size_t _mi_zero_live_count(void) {
  if (mi_atomic_load_acquire(&zero_base) <= 1) return 0;
  size_t n = 0;
  for (size_t w = 0; w < MI_ZERO_WORDS; w++) n += (size_t)__builtin_popcountll((unsigned long long)mi_atomic_load_relaxed(&zero_map[w]));
  return n;
}

bool _mi_zero_is_slot(const void* p) {
  const uintptr_t base = mi_atomic_load_acquire(&zero_base);
  return base > 1 && (uintptr_t)p - base < MI_SEGMENT_SIZE;
}

/* Slot index of `p`, or MI_ZERO_SLOTS (reported) when p is not a live slot. */
static size_t zero_slot_live(const void* p, const char* op) {
  const uintptr_t ofs = (uintptr_t)p - mi_atomic_load_acquire(&zero_base);
  const size_t i = ofs / MI_ZERO_SLOT;
  if (ofs % MI_ZERO_SLOT != 0) {
    _mi_error_message(EINVAL, "error: %s: invalid pointer %p (inside the zero-size region)\n", op, p);
    return MI_ZERO_SLOTS;
  }
  if ((mi_atomic_load_acquire(&zero_map[i / 64]) & ((uintptr_t)1 << (i % 64))) == 0) {
    if (op[0] == 'f') _mi_error_message(EAGAIN, "error: %s: double free of %p (block 0 B, zero-size region)\n", op, p);
    else _mi_error_message(EINVAL, "error: %s: invalid pointer %p (a freed zero-size block)\n", op, p);
    return MI_ZERO_SLOTS;
  }
  return i;
}

bool _mi_zero_is_live_quiet(const void* p) {
  const uintptr_t ofs = (uintptr_t)p - mi_atomic_load_acquire(&zero_base);
  const size_t i = ofs / MI_ZERO_SLOT;
  return ofs % MI_ZERO_SLOT == 0 && (mi_atomic_load_acquire(&zero_map[i / 64]) & ((uintptr_t)1 << (i % 64))) != 0;
}

bool _mi_zero_is_live(const void* p, const char* op) {
  return zero_slot_live(p, op) < MI_ZERO_SLOTS;
}

void _mi_zero_free(void* p, const char* op) {
  const size_t i = zero_slot_live(p, op);
  if (i >= MI_ZERO_SLOTS) return;
  mi_atomic_t* word = &zero_map[i / 64];
  const uintptr_t bit = (uintptr_t)1 << (i % 64);
  uintptr_t v = mi_atomic_load_relaxed(word);
  while ((v & bit) != 0 && !mi_atomic_cas_acq_rel(word, &v, v & ~bit)) { }
  if ((v & bit) == 0) _mi_error_message(EAGAIN, "error: %s: double free of %p (block 0 B, zero-size region)\n", op, p);
}
#endif

/* ------------------------------------------------------------------------
   Sized frees: the size a correct program passes is the one it asked for,
   so the block is the one malloc (or realloc, which keeps a block that
   shrinks by at most half) gives for it: size <= usable size, and either
   mi_good_size(size) reaches the usable size or size is at least half of
   it.  With an alignment (aligned_alloc over-allocates by it) the bound is
   mi_good_size(size + alignment), and the pointer must be aligned.  The
   lower bound needs to know the block was not over-allocated for an
   alignment: it holds for free_sized and sized operator delete (`strict`)
   and for the aligned forms; mi_free_size (which mimalloc lets free an
   aligned block with its size) gets the upper bound only.  A bad pointer
   is left to free, which reports it.
------------------------------------------------------------------------ */
#if MI_SECURE_SIZED_CHECK
static void sized_mismatch(const void* p, size_t size, size_t alignment, size_t usable) {
  _mi_error_message(EINVAL, "error: free: sized free mismatch of %p (size %zu, alignment %zu; block of %zu usable bytes)\n",
                    p, size, alignment, usable);
}

void _mi_free_size_check(const void* p, size_t size, size_t alignment, bool strict) {
  if (p == NULL) return;
  if (alignment != 0 && (!mi_is_power_of_two(alignment) || ((uintptr_t)p & (alignment - 1)) != 0)) {
    sized_mismatch(p, size, alignment, mi_usable_size(p));
    return;
  }
#if MI_SECURE_ZERO_REGION
  if (_mi_zero_is_slot(p)) {
    if (size != 0 && size != SIZE_MAX) sized_mismatch(p, size, alignment, 0);
    return;
  }
#endif
  if (size == SIZE_MAX) return;
  const mi_page_t* page = _mi_segment_page_of_checked(p);
  if (page == NULL) return;
  const uint8_t* block = (const uint8_t*)_mi_page_block_start(page, p);
  if (block != (const uint8_t*)p && alignment == 0) return;   /* an aligned interior pointer: free decides */
  const size_t usable = _mi_page_block_usable(page) - (size_t)((const uint8_t*)p - block);
  size_t need = size;
  if (__builtin_add_overflow(size, alignment, &need)) need = SIZE_MAX;
  const bool low_ok = (!strict && alignment == 0) || size >= usable / 2 || need > MI_MAX_ALLOC_SIZE || mi_good_size(need) >= usable;
  const bool fits = (size <= usable && low_ok);
  if (!fits) sized_mismatch(p, size, alignment, usable);
}
#endif
