/* SPDX-License-Identifier: MIT
 * free.c -- free: the owner's fast path (inlined from internal.h), the
 * generic path (interior pointers, full pages, checked builds), frees from
 * other threads (one CAS, plus the full-page notification), pointers that
 * are not ours, and usable sizes.
 */
#include "internal.h"

/* ------------------------------------------------------------------------
   Looking up blocks
------------------------------------------------------------------------ */
/* Start of the block containing `p` (p may be an aligned interior pointer). */
void* _mi_page_block_start(const mi_page_t* page, const void* p) {
  if (page->reserved == 1) return page->page_start;
  const size_t ofs = (size_t)((const uint8_t*)p - page->page_start);
  const size_t bsize = page->block_size;
  return page->page_start + (ofs - ofs % bsize);
}

/* Resolve the descriptor found by masking (a continuation slice, or the
   empty slots of a huge segment) to the page itself. */
static inline mi_page_t* page_resolve(mi_page_t* slice) {
  if (mi_page_is_cont(slice)) return (mi_page_t*)((uint8_t*)slice - slice->back);
  if (slice->block_size == 0) {
    mi_segment_t* seg = _mi_page_segment(slice);
    if (_mi_segment_is_valid_header(seg) && seg->kind == MI_SEGMENT_HUGE) return _mi_segment_slice(seg, MI_SEGMENT_FIRST_SLICE);
  }
  return slice;
}

/* ------------------------------------------------------------------------
   Validating a pointer before it is freed, reallocated or measured.  The
   default build checks what is cheap (the segment map, block starts);
   checked builds (secure, debug) also find double frees and overflows.
------------------------------------------------------------------------ */
#if MI_DEBUG > 1 || MI_SECURE > 0
static bool list_contains(const mi_page_t* page, const mi_block_t* list, const mi_block_t* b) {
  size_t guard = 0;
  while (list != NULL && guard++ <= page->capacity) {
    if (list == b) return true;
    if (!mi_page_contains(page, list)) return false;   /* corrupted: never follow */
    list = mi_block_nextx(page, list);
  }
  return false;
}

/* A free block's first word decodes to a block of its page (or the end of
   its list); only then are the lists searched, so live blocks cost little. */
static bool block_is_free(const mi_page_t* page, const mi_block_t* b) {
  const mi_block_t* next = mi_block_nextx(page, b);
  if (next != NULL && !mi_page_contains(page, next)) return false;
  const bool owner = (_mi_page_tid(page) == _mi_thread_id());
  const mi_block_t* tf = (const mi_block_t*)(mi_atomic_load_acquire(&page->xthread_free) & ~MI_NOTIFY_MASK);
  return (owner && (list_contains(page, page->free, b) || list_contains(page, page->local_free, b))) ||
         list_contains(page, tf, b);
}
#endif

/* Is `p` (in `page`; `b` the start of its block) a live block, or an
   aligned pointer into one?  Reports and returns false otherwise. */
static bool block_check(mi_page_t* page, const void* p, const mi_block_t* b, const char* op) {
  if (!mi_page_contains(page, b) || (b != p && !(mi_page_xowner(page) & MI_PAGE_HAS_ALIGNED))) {
    _mi_error_message(EINVAL, "error: %s: invalid pointer %p (inside a block of %zu B, page %p)\n", op, p, page->block_size, (void*)page);
    return false;
  }
#if MI_SECURE_LARGE_PROTECT
  if (page->kind == MI_PAGE_LARGE && page->used == 0) {   /* freed and held, its memory closed (secure.c) */
    if (op[0] == 'u') _mi_error_message(EINVAL, "error: %s: invalid pointer %p (a freed block of %zu B, page %p)\n", op, p, page->block_size, (void*)page);
    else _mi_error_message(EAGAIN, "error: %s: double free of %p (block %zu B, page %p)\n", op, p, page->block_size, (void*)page);
    return false;
  }
#endif
#if MI_DEBUG > 1 || MI_SECURE > 0
  /* a block start handed out so far (divide-free; a huge page has one block) */
  const bool is_block = (page->kind != MI_PAGE_HUGE
                           ? mi_page_block_index(page, b) < page->capacity
                           : b == (const mi_block_t*)page->page_start);
  if (!is_block) {
    _mi_error_message(EINVAL, "error: %s: invalid pointer %p (not a live block: block %zu B, page %p)\n", op, p, page->block_size, (void*)page);
    return false;
  }
  if (block_is_free(page, b)) {
    if (op[0] == 'u') _mi_error_message(EINVAL, "error: %s: invalid pointer %p (a freed block of %zu B, page %p)\n", op, p, page->block_size, (void*)page);
    else _mi_error_message(EAGAIN, "error: %s: double free of %p (block %zu B, page %p)\n", op, p, page->block_size, (void*)page);
    return false;
  }
#if MI_PADDING
  if (!mi_block_canary_ok(page, b)) {
    _mi_error_message(EFAULT, "error: %s: buffer overflow after %p (block %zu B, page %p)\n", op, p, page->block_size, (void*)page);
    return false;
  }
#endif
#endif
  return true;
}

mi_page_t* _mi_checked_page_of(const void* p, const char* op) {
  mi_page_t* page = _mi_segment_page_of_checked(p);
  if (page == NULL) {
    _mi_error_message(EINVAL, "error: %s: invalid pointer %p (not allocated by mirt)\n", op, p);
    return NULL;
  }
  if (!block_check(page, p, (const mi_block_t*)_mi_page_block_start(page, p), op)) return NULL;
  return page;
}

/* ------------------------------------------------------------------------
   Frees from other threads
------------------------------------------------------------------------ */
static mi_decl_tls size_t abandoned_frees;   /* this thread's frees into abandoned segments */

/* The first remote free into an armed (full) page tells the owner. */
static mi_decl_noinline void free_notify_owner(mi_page_t* page) {
  mi_segment_t* seg = _mi_page_segment(page);
  mi_tld_t* tld = seg->tld;   /* stable: the owner waits while the state is BUSY */
  uintptr_t head = mi_atomic_load_relaxed(&tld->xnotify);
  do {
    page->notify_next = (mi_page_t*)head;
  } while (!mi_atomic_cas_release(&tld->xnotify, &head, (uintptr_t)page));
  uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
  while (!mi_atomic_cas_release(&page->xthread_free, &tf, (tf & ~MI_NOTIFY_MASK) | MI_NOTIFY_DONE)) { }
}

static mi_decl_noinline void free_remote(mi_page_t* page, mi_block_t* b) {
  const bool abandoned = (_mi_page_tid(page) == 0);
  if (page->kind == MI_PAGE_HUGE) _mi_segment_huge_purge_block(page);   /* before the push: afterwards the owner may unmap it */
  uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
  for (;;) {
    const uintptr_t st = tf & MI_NOTIFY_MASK;
    mi_block_set_nextx(page, b, (mi_block_t*)(tf & ~MI_NOTIFY_MASK));
    if (st != MI_NOTIFY_ARMED) {
      if (mi_atomic_cas_release(&page->xthread_free, &tf, (uintptr_t)b | st)) break;
    }
    else if (mi_atomic_cas_acq_rel(&page->xthread_free, &tf, (uintptr_t)b | MI_NOTIFY_BUSY)) {
      free_notify_owner(page);
      break;
    }
  }
  if (mi_unlikely(abandoned)) {
    /* nobody collects an abandoned page: now and then tidy its segment
       (needed when the freeing threads never allocate) */
    const bool eager = mi_option_is_enabled(mi_option_abandoned_reclaim_on_free);
    if (eager || (++abandoned_frees & 1023) == 0) _mi_page_reclaim_for_free(_mi_page_segment(page));
  }
}

/* ------------------------------------------------------------------------
   The generic path
------------------------------------------------------------------------ */
/* Everything the owner's fast path does not handle. */
static mi_decl_noinline void free_generic_slow(mi_page_t* page, void* p) {
  page = page_resolve(page);
  const uintptr_t xo = mi_page_xowner(page);
  if (mi_unlikely(page->block_size == 0)) {
    _mi_error_message(EINVAL, "error: free: invalid pointer %p (not a live block, page %p)\n", p, (void*)page);
    return;
  }
  mi_block_t* b = (mi_block_t*)((xo & MI_PAGE_HAS_ALIGNED) ? _mi_page_block_start(page, p) : p);
#if MI_DEBUG > 1 || MI_SECURE > 0
#if MI_SECURE > 0 && !(MI_DEBUG > 1 || MI_TRACK_VALGRIND || MI_ASAN)
  /* secure: what passes the fast paths' inline checks needs no more (the
     blocks of a medium page beyond its first slice come this way) */
  const bool quick = ((xo & MI_PAGE_HAS_ALIGNED) == 0 && page->kind <= MI_PAGE_MEDIUM &&
                      mi_block_free_quick_ok(page, b, mi_page_mask(page, b)));
  if (!quick && !block_check(page, p, b, "free")) return;
#else
  if (!block_check(page, p, b, "free")) return;
#endif
  if (_mi_zero_freed) memset((uint8_t*)b + sizeof(mi_block_t), 0, _mi_page_block_usable(page) - sizeof(mi_block_t));
#if MI_SECURE_WAF
  else if (page->kind <= MI_PAGE_MEDIUM) mi_block_waf_fill(page, b);
#endif
#if MI_DEBUG > 1
  else if (_mi_page_block_usable(page) > sizeof(mi_block_t)) memset((uint8_t*)b + sizeof(mi_block_t), 0xDF, _mi_page_block_usable(page) - sizeof(mi_block_t));
#endif
#endif
  mi_track_free(b);
  if ((xo & ~MI_PAGE_FLAGS_MASK) == _mi_thread_id()) {
    mi_block_set_nextx(page, b, page->local_free);
    page->local_free = b;
    page->used--;
    if (xo & MI_PAGE_IN_FULL) _mi_page_unfull(page);
#if MI_DEBUG > 1
    if (!_mi_page_check(page, page->heap, "free")) _mi_os_abort();
#endif
    if (page->used == 0) _mi_page_retire(page);
    return;
  }
  free_remote(page, b);
}

/* The owner's fast path failed.  The common case is a free by another
   thread into a page in no special state: one flag test (aligned blocks,
   checked builds, huge and abandoned pages all carry a flag), one CAS.
   A descriptor with no block size is an empty slot of a huge segment (an
   aligned pointer beyond the block's first slice): the slow path resolves
   it to the huge page. */
void _mi_free_generic(mi_page_t* page, void* p) {
#if !(MI_DEBUG > 1 || MI_SECURE > 0 || MI_TRACK_VALGRIND || MI_ENCODE_FREELIST)
  const uintptr_t xo = mi_page_xowner(page);
  if (mi_likely((xo & (MI_PAGE_HAS_ALIGNED | MI_PAGE_CHECKED)) == 0 && (xo & ~MI_PAGE_FLAGS_MASK) != _mi_thread_id() &&
                page->block_size != 0)) {
    mi_block_t* b = (mi_block_t*)p;
    uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
    while (mi_likely((tf & MI_NOTIFY_MASK) == MI_NOTIFY_NONE)) {
      b->next = tf;
      if (mi_atomic_cas_release(&page->xthread_free, &tf, (uintptr_t)b)) return;
    }
  }
#elif MI_SECURE > 0 && !(MI_DEBUG > 1 || MI_TRACK_VALGRIND || MI_ASAN)
  /* secure: a free by another thread into an owned small or medium page
     without aligned blocks gets the owner's inline checks
     (mi_block_free_quick_ok) and one CAS, unless this free must
     notify the page's owner; the rest takes the checked path.  A free
     slice has no owner (tid 0), and while zero_freed is set no page has
     the flags asked for (see _mi_owner_inline_flags). */
  const uintptr_t xo = mi_page_xowner(page);
  const uintptr_t tid = xo & ~MI_PAGE_FLAGS_MASK;
  if (mi_likely((xo & (MI_PAGE_HAS_ALIGNED | MI_PAGE_CHECKED)) == _mi_owner_inline_flags && tid != 0 && tid != _mi_thread_id() &&
                page->kind <= MI_PAGE_MEDIUM)) {
    mi_block_t* b = (mi_block_t*)p;
    const uintptr_t mask = mi_page_mask(page, b);
    if (mi_likely(mi_block_free_quick_ok(page, b, mask))) {
#if MI_SECURE_WAF
      mi_block_waf_fill(page, b);
#endif
      uintptr_t tf = mi_atomic_load_relaxed(&page->xthread_free);
      while (mi_likely((tf & MI_NOTIFY_MASK) != MI_NOTIFY_ARMED)) {   /* the state stays as it is */
        b->next = (tf & ~MI_NOTIFY_MASK) ^ mask;
        if (mi_atomic_cas_release(&page->xthread_free, &tf, (uintptr_t)b | (tf & MI_NOTIFY_MASK))) return;
      }
    }
  }
#endif
  free_generic_slow(page, p);
}

/* A pointer whose 32 MiB chunk is not a segment start: NULL, a foreign
   pointer, or a pointer beyond the first 32 MiB of a huge segment. */
void _mi_free_unmapped(void* p) {
  if (p == NULL) return;
#if MI_SECURE_ZERO_REGION
  if (_mi_zero_is_slot(p)) { _mi_zero_free(p, "free"); return; }
#endif
  mi_page_t* page = _mi_segment_page_of_checked(p);
  if (page != NULL) {
    _mi_free_generic(page, p);
    return;
  }
  _mi_error_message(EINVAL, "error: free: invalid pointer %p (not allocated by mirt)\n", p);
}

/* ------------------------------------------------------------------------
   Public free functions
------------------------------------------------------------------------ */
#if defined(MI_FREE_ASM)
/* mi_free and the free functions whose extra arguments are hints: one body */
MI_FREE_ASM_BODY(MI_FREE_ASM_ENTRY(mi_free) MI_FREE_ASM_ENTRY(mi_free_small) MI_FREE_ASM_ENTRY(mi_free_size)
                 MI_FREE_ASM_ENTRY(mi_free_size_aligned) MI_FREE_ASM_ENTRY(mi_free_aligned),
                 MI_FREE_ASM_SIZE(mi_free) MI_FREE_ASM_SIZE(mi_free_small) MI_FREE_ASM_SIZE(mi_free_size)
                 MI_FREE_ASM_SIZE(mi_free_size_aligned) MI_FREE_ASM_SIZE(mi_free_aligned));
#else
void mi_free(void* p) {
  mi_free_inline(p);
}

void mi_free_small(void* p) {
  mi_free_inline(p);
}

void mi_free_size(void* p, size_t size) {
#if MI_SECURE_SIZED_CHECK
  _mi_free_size_check(p, size, 0, false);
#endif
  (void)size;
  mi_free_inline(p);
}

void mi_free_size_aligned(void* p, size_t size, size_t alignment) {
#if MI_SECURE_SIZED_CHECK
  _mi_free_size_check(p, size, alignment, false);
#endif
  (void)size; (void)alignment;
  mi_free_inline(p);
}

void mi_free_aligned(void* p, size_t alignment) {
#if MI_SECURE_SIZED_CHECK
  _mi_free_size_check(p, SIZE_MAX, alignment, false);   /* SIZE_MAX: no size given */
#endif
  (void)alignment;
  mi_free_inline(p);
}
#endif

void mi_ufree(void* p, size_t* block_size) {
  if (block_size != NULL) *block_size = (p == NULL ? 0 : mi_usable_size(p));
  mi_free_inline(p);
}

void mi_cfree(void* p) {
  if (mi_is_in_heap_region(p)) mi_free(p);
}

/* ------------------------------------------------------------------------
   Usable size
------------------------------------------------------------------------ */
size_t _mi_usable_size_checked(const void* p, const char* op) {
  if (p == NULL) return 0;
  const uintptr_t u = (uintptr_t)p;
  mi_page_t* page;
  if (mi_likely((u >> MI_SEGMAP_BITS) == 0 && _mi_segment_map[u >> MI_SEGMENT_SHIFT] == MI_SEGMAP_START)) {
    page = page_resolve(_mi_segment_slice_of(_mi_ptr_segment(p), p));
    if (page->block_size == 0) page = NULL;
  }
  else {
#if MI_SECURE_ZERO_REGION
    if (_mi_zero_is_slot(p)) { (void)_mi_zero_is_live(p, op); return 0; }
#endif
    page = _mi_segment_page_of_checked(p);
  }
  if (page == NULL) {
    _mi_error_message(EINVAL, "error: %s: invalid pointer %p (not allocated by mirt)\n", op, p);
    return 0;
  }
  const uint8_t* block = (const uint8_t*)_mi_page_block_start(page, p);
#if MI_DEBUG > 1 || MI_SECURE > 0
  if (!block_check(page, p, (const mi_block_t*)block, op)) return 0;
#endif
  return _mi_page_block_usable(page) - (size_t)((const uint8_t*)p - block);
}

size_t mi_usable_size(const void* p) {
  return _mi_usable_size_checked(p, "usable_size");
}
