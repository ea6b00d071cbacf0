/* SPDX-License-Identifier: MIT
 * alloc.c -- malloc, calloc, realloc and friends: the fast path (inlined
 * from internal.h) and the generic slow path that runs the thread's
 * housekeeping: initialisation, the heartbeat, notifications, purging.
 */
#include "internal.h"
#include <limits.h>   /* PATH_MAX */

/* ------------------------------------------------------------------------
   Failure: NULL with errno ENOMEM; the error hook hears of it; a message
   only when verbose (a too-large request is a normal, handled condition).
------------------------------------------------------------------------ */
void* _mi_alloc_fail(size_t size) {
  _mi_verbose_message("unable to allocate %zu bytes\n", size);
  _mi_error_notify(ENOMEM);
  errno = ENOMEM;
  return NULL;
}

/* ------------------------------------------------------------------------
   The slow path
------------------------------------------------------------------------ */
static mi_decl_noinline void heap_housekeeping(mi_heap_t* heap, mi_tld_t* tld) {
  long period = _mi_option_get_fast(mi_option_heartbeat_period);
  tld->heartbeat_countdown = (period <= 0 ? 1 : (size_t)period);
  _mi_segments_purge(tld, false, true);   /* refreshes tld->now_ms; also purges abandoned segments when due */
  _mi_deferred_free(heap, false);
  _mi_heap_collect_retired(heap, false);
  const long every = _mi_option_get_fast(mi_option_generic_collect);
  if (every > 0 && (tld->generic_count % (size_t)every) < (size_t)(period <= 0 ? 1 : period)) {
    _mi_heap_collect_pages(heap, false);
  }
}

void* _mi_malloc_generic(mi_heap_t* heap, size_t size, bool zero, size_t alignment) {
  /* sizes above the direct table: the bin's first page may have a block */
  if (size > MI_DIRECT_SIZE_MAX && size <= MI_MEDIUM_OBJ_SIZE_MAX - MI_PADDING_SIZE && alignment == 0) {
    mi_page_t* page = heap->pages[_mi_bin(size + MI_PADDING_SIZE)].first;
    if (page != NULL && page->free != NULL) return _mi_page_malloc(heap, page, size, zero);
  }
  if (mi_unlikely(!mi_heap_is_initialized(heap))) {
    heap = _mi_thread_heap_init();
    if (heap == NULL) return _mi_alloc_fail(size);
  }
  mi_tld_t* tld = heap->tld;
  if (mi_unlikely(tld->tid != _mi_thread_id())) {
    /* heaps are thread-affine: allocating here would race with the owner */
    _mi_error_message(EINVAL, "error: malloc: heap %p belongs to another thread\n", (void*)heap);
    errno = EINVAL;
    return NULL;
  }
  tld->generic_count++;
  mi_counter_add(&tld->stats, MI_CTR_GENERIC_CALLS, 1);
  if (mi_unlikely(--tld->heartbeat_countdown == 0)) heap_housekeeping(heap, tld);
  if (mi_atomic_load_relaxed(&tld->xnotify) != 0) _mi_tld_process_notify(tld);
  if (tld->purge_due != 0 && tld->now_ms >= tld->purge_due) _mi_segments_purge(tld, false, true);
  if (mi_unlikely(size > MI_MAX_ALLOC_SIZE)) return _mi_alloc_fail(size);

  mi_page_t* page = _mi_heap_find_page(heap, size, alignment);
  if (mi_unlikely(page == NULL)) {
    /* out of memory: give back what we can and try once more, unless the
       request is larger than any address space (nothing given back helps) */
    if (size >= MI_ADDRESS_SPACE_SIZE) return _mi_alloc_fail(size);
    _mi_heap_collect_ex(heap, true);
    page = _mi_heap_find_page(heap, size, alignment);
    if (page == NULL) return _mi_alloc_fail(size);
  }
#if MI_DEBUG > 1
  /* debug builds check the page after every slow path, everything now and then */
  if (!_mi_page_check(page, heap, "malloc") || ((tld->generic_count & 255) == 0 && !mi_heap_check(heap))) _mi_os_abort();
#endif
  return _mi_page_malloc(heap, page, size, zero);
}

/* ------------------------------------------------------------------------
   malloc family
------------------------------------------------------------------------ */
void* mi_heap_malloc(mi_heap_t* heap, size_t size) {
  return mi_heap_malloc_inline(heap, size);
}

void* mi_malloc(size_t size) {
  return mi_heap_malloc_inline(mi_heap_get_default_inline(), size);
}

void* mi_heap_malloc_small(mi_heap_t* heap, size_t size) {
  return mi_heap_malloc_small_inline(heap, size);
}

void* mi_malloc_small(size_t size) {
  return mi_heap_malloc_small_inline(mi_heap_get_default_inline(), size);
}

void* _mi_heap_malloc_zero(mi_heap_t* heap, size_t size, bool zero) {
  if (!zero) return mi_heap_malloc_inline(heap, size);
#if MI_SECURE_ZERO_REGION
  if (mi_unlikely(size == 0)) return _mi_zero_alloc(heap);   /* nothing to zero */
#endif
  if (mi_likely(size <= MI_DIRECT_SIZE_MAX)) {
    mi_page_t* page = heap->pages_direct[mi_direct_index(size)];
    if (mi_likely(page->free != NULL)) return _mi_page_malloc(heap, page, size, true);
  }
  return _mi_malloc_generic(heap, size, true, 0);
}

void* mi_heap_zalloc(mi_heap_t* heap, size_t size) {
  return _mi_heap_malloc_zero(heap, size, true);
}

void* mi_zalloc(size_t size) {
  return _mi_heap_malloc_zero(mi_heap_get_default_inline(), size, true);
}

void* mi_zalloc_small(size_t size) {
  return _mi_heap_malloc_zero(mi_heap_get_default_inline(), size, true);
}

void* mi_heap_zalloc_small(mi_heap_t* heap, size_t size) {
  return _mi_heap_malloc_zero(heap, size, true);
}

void* mi_heap_calloc(mi_heap_t* heap, size_t count, size_t size) {
  size_t total;
  if (mi_unlikely(mi_mul_overflow(count, size, &total))) return _mi_alloc_fail(SIZE_MAX);
  return _mi_heap_malloc_zero(heap, total, true);
}

void* mi_calloc(size_t count, size_t size) {
  return mi_heap_calloc(mi_heap_get_default_inline(), count, size);
}

void* mi_heap_mallocn(mi_heap_t* heap, size_t count, size_t size) {
  size_t total;
  if (mi_unlikely(mi_mul_overflow(count, size, &total))) return _mi_alloc_fail(SIZE_MAX);
  return mi_heap_malloc_inline(heap, total);
}

void* mi_mallocn(size_t count, size_t size) {
  return mi_heap_mallocn(mi_heap_get_default_inline(), count, size);
}

/* ------------------------------------------------------------------------
   Block-size-returning variants
------------------------------------------------------------------------ */
void* mi_umalloc(size_t size, size_t* block_size) {
  void* p = mi_malloc(size);
  if (block_size != NULL) *block_size = (p == NULL ? 0 : mi_usable_size(p));
  return p;
}

void* mi_ucalloc(size_t count, size_t size, size_t* block_size) {
  void* p = mi_calloc(count, size);
  if (block_size != NULL) *block_size = (p == NULL ? 0 : mi_usable_size(p));
  return p;
}

void* mi_umalloc_small(size_t size, size_t* block_size) {
  void* p = mi_malloc_small(size);
  if (block_size != NULL) *block_size = (p == NULL ? 0 : mi_usable_size(p));
  return p;
}

void* mi_uzalloc_small(size_t size, size_t* block_size) {
  void* p = mi_zalloc_small(size);
  if (block_size != NULL) *block_size = (p == NULL ? 0 : mi_usable_size(p));
  return p;
}

void* mi_urealloc(void* p, size_t newsize, size_t* block_size_pre, size_t* block_size_post) {
  if (block_size_pre != NULL) *block_size_pre = (p == NULL ? 0 : mi_usable_size(p));
  void* q = mi_realloc(p, newsize);
  if (block_size_post != NULL) *block_size_post = (q == NULL ? 0 : mi_usable_size(q));
  return q;
}

/* ------------------------------------------------------------------------
   realloc
------------------------------------------------------------------------ */
void* _mi_heap_realloc_zero(mi_heap_t* heap, void* p, size_t newsize, bool zero) {
  if (p == NULL) return _mi_heap_malloc_zero(heap, newsize, zero);
#if MI_SECURE_ZERO_REGION
  if (_mi_zero_is_slot(p)) {
    if (!_mi_zero_is_live(p, "realloc")) { errno = EINVAL; return NULL; }
    if (mi_unlikely(newsize > MI_MAX_ALLOC_SIZE)) return _mi_alloc_fail(newsize);
    void* q = _mi_heap_malloc_zero(heap, newsize, zero);
    if (q != NULL) _mi_zero_free(p, "realloc");
    return q;
  }
#endif
  mi_page_t* page = _mi_checked_page_of(p, "realloc");
  if (page == NULL) { errno = EINVAL; return NULL; }   /* reported; never hand out a new block for a bad pointer */
  const uint8_t* block = (const uint8_t*)_mi_page_block_start(page, p);
  const size_t size = _mi_page_block_usable(page) - (size_t)((const uint8_t*)p - block);
  if (mi_unlikely(newsize > MI_MAX_ALLOC_SIZE)) return _mi_alloc_fail(newsize);
  if (newsize <= size && newsize >= size / 2 && newsize > 0) {
    if (zero) memset((uint8_t*)p + newsize, 0, size - newsize);   /* keep the tail zero for a later regrow */
    return p;   /* fits and does not waste more than half */
  }
  if (page->kind == MI_PAGE_HUGE && (uint8_t*)p == page->page_start && newsize > size &&
      page->heap == heap && _mi_segment_huge_resize(page, newsize + MI_PADDING_SIZE)) {
    if (zero) memset((uint8_t*)p + size, 0, _mi_page_block_usable(page) - size);
#if MI_PADDING
    mi_block_set_canary(page, p);   /* the canary moves to the new end */
#endif
    return p;   /* grown in place */
  }
  /* zero-preserving: the new block is zeroed whole, so its tail beyond
     `newsize` stays zero for the next rezalloc, which copies usable bytes */
  void* q = _mi_heap_malloc_zero(heap, newsize, zero);
  if (q == NULL) return NULL;
  const size_t copy = (size < newsize ? size : newsize);
  memcpy(q, p, copy);
  mi_free(p);
  return q;
}

void* mi_heap_realloc(mi_heap_t* heap, void* p, size_t newsize) {
  return _mi_heap_realloc_zero(heap, p, newsize, false);
}

void* mi_realloc(void* p, size_t newsize) {
  return _mi_heap_realloc_zero(mi_heap_get_default_inline(), p, newsize, false);
}

void* mi_heap_reallocn(mi_heap_t* heap, void* p, size_t count, size_t size) {
  size_t total;
  if (mi_unlikely(mi_mul_overflow(count, size, &total))) return _mi_alloc_fail(SIZE_MAX);
  return mi_heap_realloc(heap, p, total);
}

void* mi_reallocn(void* p, size_t count, size_t size) {
  return mi_heap_reallocn(mi_heap_get_default_inline(), p, count, size);
}

void* mi_heap_reallocf(mi_heap_t* heap, void* p, size_t newsize) {
  void* q = mi_heap_realloc(heap, p, newsize);
  if (q == NULL && p != NULL) {
    int saved = errno;
    mi_free(p);
    errno = saved;
  }
  return q;
}

void* mi_reallocf(void* p, size_t newsize) {
  return mi_heap_reallocf(mi_heap_get_default_inline(), p, newsize);
}

void* mi_heap_rezalloc(mi_heap_t* heap, void* p, size_t newsize) {
  return _mi_heap_realloc_zero(heap, p, newsize, true);
}

void* mi_rezalloc(void* p, size_t newsize) {
  return _mi_heap_realloc_zero(mi_heap_get_default_inline(), p, newsize, true);
}

void* mi_heap_recalloc(mi_heap_t* heap, void* p, size_t newcount, size_t size) {
  size_t total;
  if (mi_unlikely(mi_mul_overflow(newcount, size, &total))) return _mi_alloc_fail(SIZE_MAX);
  return _mi_heap_realloc_zero(heap, p, total, true);
}

void* mi_recalloc(void* p, size_t newcount, size_t size) {
  return mi_heap_recalloc(mi_heap_get_default_inline(), p, newcount, size);
}

void* mi_expand(void* p, size_t newsize) {
  if (p == NULL) return NULL;
  const size_t size = mi_usable_size(p);
  return (newsize <= size ? p : NULL);
}

/* ------------------------------------------------------------------------
   Strings and paths
------------------------------------------------------------------------ */
char* mi_heap_strdup(mi_heap_t* heap, const char* s) {
  if (s == NULL) return NULL;
  const size_t n = strlen(s);
  char* t = (char*)mi_heap_malloc(heap, n + 1);
  if (t != NULL) memcpy(t, s, n + 1);
  return t;
}

char* mi_strdup(const char* s) {
  return mi_heap_strdup(mi_heap_get_default_inline(), s);
}

char* mi_heap_strndup(mi_heap_t* heap, const char* s, size_t n) {
  if (s == NULL) return NULL;
  const size_t len = strnlen(s, n);
  char* t = (char*)mi_heap_malloc(heap, len + 1);
  if (t == NULL) return NULL;
  memcpy(t, s, len);
  t[len] = 0;
  return t;
}

char* mi_strndup(const char* s, size_t n) {
  return mi_heap_strndup(mi_heap_get_default_inline(), s, n);
}

char* mi_heap_realpath(mi_heap_t* heap, const char* fname, char* resolved_name) {
  char buf[PATH_MAX];
  if (!_mi_os_realpath(fname, buf, sizeof(buf))) return NULL;
  if (resolved_name != NULL) {
    strcpy(resolved_name, buf);
    return resolved_name;
  }
  return mi_heap_strdup(heap, buf);
}

char* mi_realpath(const char* fname, char* resolved_name) {
  return mi_heap_realpath(mi_heap_get_default_inline(), fname, resolved_name);
}

/* ------------------------------------------------------------------------
   Sizes
------------------------------------------------------------------------ */
size_t mi_good_size(size_t size) {
  if (size <= MI_MEDIUM_OBJ_SIZE_MAX - MI_PADDING_SIZE) return _mi_bin_size(_mi_bin(size + MI_PADDING_SIZE)) - MI_PADDING_SIZE;
#if MI_SECURE > 0
  return mi_align_up(size + MI_PADDING_SIZE, MI_MAX_ALIGN_SIZE) - MI_PADDING_SIZE;   /* large blocks end on their guard */
#else
  if (size <= MI_LARGE_OBJ_SIZE_MAX - MI_PADDING_SIZE) return mi_align_up(size + MI_PADDING_SIZE, MI_SLICE_SIZE) - MI_PADDING_SIZE;
  return mi_align_up(size + MI_PADDING_SIZE, _mi_os_page_size()) - MI_PADDING_SIZE;   /* debug builds pad too */
#endif
}

int mi_version(void) {
  return MI_MALLOC_VERSION;
}
