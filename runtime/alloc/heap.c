/* SPDX-License-Identifier: MIT
 * heap.c -- first-class heaps: creation, delete (blocks survive), destroy
 * (O(pages)), the default heap, collection, and walking heaps and abandoned
 * memory.  Heaps are thread-affine: allocate on the creating thread; any
 * thread may free.
 */
#include "internal.h"

static bool heap_is_owned_here(const mi_heap_t* heap, const char* op) {
  if (heap == NULL || !mi_heap_is_initialized(heap)) return false;
  if (heap->tld->tid != _mi_thread_id()) {
    _mi_error_message(EINVAL, "error: %s: heap %p belongs to another thread\n", op, (const void*)heap);
    return false;
  }
  return true;
}

/* ------------------------------------------------------------------------
   Creation and the default heap
------------------------------------------------------------------------ */
mi_heap_t* mi_heap_new_ex(int heap_tag, bool allow_destroy, mi_arena_id_t arena_id) {
  mi_tld_t* tld = _mi_tld();
  if (tld == NULL) return NULL;
  mi_heap_t* heap = (mi_heap_t*)_mi_meta_zalloc(sizeof(mi_heap_t));
  if (heap == NULL) { errno = ENOMEM; return NULL; }
  _mi_heap_queues_init(heap);
  heap->tag = (uint32_t)(heap_tag & 0xFF);
  heap->allow_destroy = allow_destroy;
  heap->no_reclaim = allow_destroy;        /* a destroyable heap never adopts others' blocks */
  heap->arena_id = (arena_id > 0 ? arena_id : 0);
  heap->exclusive_arena = (arena_id > 0 && _mi_arena_is_exclusive(arena_id));
  _mi_heap_link(tld, heap);
  return heap;
}

mi_heap_t* mi_heap_new(void) {
  return mi_heap_new_ex(0, true, 0);
}

mi_heap_t* mi_heap_new_in_arena(mi_arena_id_t arena_id) {
  return mi_heap_new_ex(0, false, arena_id);
}

mi_heap_t* mi_heap_get_default(void) {
  mi_heap_t* heap = mi_heap_get_default_inline();
  if (!mi_heap_is_initialized(heap)) heap = _mi_thread_heap_init();
  return heap;
}

mi_heap_t* mi_heap_get_backing(void) {
  mi_tld_t* tld = _mi_tld();
  return (tld == NULL ? NULL : tld->heap_backing);
}

mi_heap_t* mi_heap_set_default(mi_heap_t* heap) {
  mi_heap_t* old = mi_heap_get_default();
  if (!heap_is_owned_here(heap, "mi_heap_set_default")) return NULL;
  _mi_heap_default = heap;
  return old;
}

/* ------------------------------------------------------------------------
   Delete and destroy
------------------------------------------------------------------------ */
static void heap_free_struct(mi_heap_t* heap) {
  _mi_heap_unlink(heap);
  _mi_meta_free(heap, sizeof(mi_heap_t));
}

void mi_heap_delete(mi_heap_t* heap) {
  if (!heap_is_owned_here(heap, "mi_heap_delete")) return;
  mi_heap_t* backing = heap->tld->heap_backing;
  if (heap == backing) return;              /* the backing heap lives as long as its thread */
  _mi_heap_pages_move(heap, backing);
  heap_free_struct(heap);
}

void mi_heap_destroy(mi_heap_t* heap) {
  if (!heap_is_owned_here(heap, "mi_heap_destroy")) return;
  if (heap == heap->tld->heap_backing) {
    _mi_warning_message("mi_heap_destroy: the backing heap %p cannot be destroyed; ignored\n", (void*)heap);
    return;
  }
  if (!heap->allow_destroy) {
    _mi_warning_message("mi_heap_destroy: heap %p was created without allow_destroy; deleting it instead\n", (void*)heap);
    mi_heap_delete(heap);
    return;
  }
  _mi_heap_pages_destroy(heap);
  heap_free_struct(heap);
}

/* ------------------------------------------------------------------------
   Collection
------------------------------------------------------------------------ */
void _mi_heap_collect_ex(mi_heap_t* heap, bool force) {
  if (heap == NULL || !mi_heap_is_initialized(heap)) return;
  mi_tld_t* tld = heap->tld;
  if (tld->tid != _mi_thread_id()) return;
  if (mi_atomic_load_relaxed(&tld->xnotify) != 0) _mi_tld_process_notify(tld);
  _mi_deferred_free(heap, force);
  if (force && !heap->no_reclaim) {
    /* adopt abandoned segments: their empty pages and segments go back */
    for (size_t n = _mi_segment_abandoned_count(); n > 0 && _mi_heap_reclaim(heap, NULL); n--) { }
  }
  _mi_heap_collect_pages(heap, force);
  if (force && heap != tld->heap_backing) _mi_heap_collect_pages(tld->heap_backing, true);
  _mi_segments_purge(tld, force, false);   /* an explicit collect purges all that is due */
  if (force) _mi_segment_cache_collect(true);
}

void mi_heap_collect(mi_heap_t* heap, bool force) {
  _mi_heap_collect_ex(heap, force);
}

void mi_collect(bool force) {
  _mi_heap_collect_ex(mi_heap_get_default(), force);
}

void mi_collect_reduce(size_t target_thread_owned) {
  (void)target_thread_owned;
  _mi_heap_collect_ex(mi_heap_get_default(), true);
}

/* ------------------------------------------------------------------------
   Ownership queries
------------------------------------------------------------------------ */
/* Secure: a live zero-size slot counts as a block of the backing heap of
   every thread (only those hand slots out; secure.c). */
static bool heap_has_zero_slot(const mi_heap_t* heap, const void* p) {
#if MI_SECURE_ZERO_REGION
  return _mi_zero_is_slot(p) && mi_heap_is_initialized(heap) && heap == heap->tld->heap_backing && _mi_zero_is_live_quiet(p);
#else
  (void)heap; (void)p;
  return false;
#endif
}

bool mi_heap_contains_block(mi_heap_t* heap, const void* p) {
  if (heap == NULL || p == NULL) return false;
  if (heap_has_zero_slot(heap, p)) return true;
  mi_page_t* page = _mi_segment_page_of_checked(p);
  return (page != NULL && page->heap == heap);
}

mi_heap_t* mi_heap_of(const void* p) {
  if (p == NULL) return NULL;
  mi_page_t* page = _mi_segment_page_of_checked(p);
  return (page == NULL ? NULL : page->heap);
}

bool mi_heap_contains(mi_heap_t* heap, const void* p) {
  return mi_heap_contains_block(heap, p);
}

bool mi_heap_check_owned(mi_heap_t* heap, const void* p) {
  if (heap == NULL || !mi_heap_is_initialized(heap) || p == NULL) return false;
  if (((uintptr_t)p & (sizeof(void*) - 1)) != 0) return false;
  if (heap_has_zero_slot(heap, p)) return true;
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    for (mi_page_t* page = heap->pages[bin].first; page != NULL; page = page->next) {
      const uint8_t* start = page->page_start;
      if ((const uint8_t*)p >= start && (const uint8_t*)p < start + _mi_page_size(page)) return true;
    }
  }
  return false;
}

bool mi_check_owned(const void* p) {
  return mi_heap_check_owned(mi_heap_get_default(), p);
}

bool mi_is_in_heap_region(const void* p) {
  if (p == NULL) return false;
  const uintptr_t idx = (uintptr_t)p >> MI_SEGMENT_SHIFT;
  if (idx >= MI_SEGMAP_ENTRIES) return false;
  return __atomic_load_n(&_mi_segment_map[idx], __ATOMIC_ACQUIRE) != MI_SEGMAP_NONE;
}

bool mi_unsafe_heap_page_is_under_utilized(mi_heap_t* heap, void* p, size_t perc_threshold) {
  mi_page_t* page = _mi_segment_page_of_checked(p);
  if (page == NULL || page->heap != heap || page->reserved == 0) return false;
  return ((size_t)page->used * 100) < (size_t)page->reserved * perc_threshold;
}

void mi_heap_guarded_set_sample_rate(mi_heap_t* heap, size_t sample_rate, size_t seed) {
  (void)seed;
  if (heap != NULL && mi_heap_is_initialized(heap)) heap->guarded_sample_rate = sample_rate;
}

void mi_heap_guarded_set_size_bound(mi_heap_t* heap, size_t min, size_t max) {
  (void)heap; (void)min; (void)max;
}

/* ------------------------------------------------------------------------
   Consistency check
------------------------------------------------------------------------ */
bool mi_heap_check(mi_heap_t* heap) {
  if (heap == NULL) heap = mi_heap_get_default();
  if (!heap_is_owned_here(heap, "mi_heap_check")) return false;
  return _mi_heap_check_pages(heap) && _mi_segments_check(heap->tld);
}

/* ------------------------------------------------------------------------
   Visiting blocks
------------------------------------------------------------------------ */
#define MI_VISIT_BITS  (MI_MEDIUM_PAGE_SLICES * MI_SLICE_SIZE / 16)

static void visit_mark_list(const mi_page_t* page, const mi_block_t* b, uint64_t* freemap, size_t* nfree) {
  size_t guard = 0;
  while (b != NULL && guard++ <= page->capacity) {
    const size_t idx = (size_t)((const uint8_t*)b - page->page_start) / page->block_size;
    if (idx < page->capacity && !((freemap[idx >> 6] >> (idx & 63)) & 1)) {
      freemap[idx >> 6] |= 1ULL << (idx & 63);
      (*nfree)++;
    }
    b = mi_block_nextx(page, b);
  }
}

/* Visit one page: the area, then (if asked) every live block.  Remote frees
   are read without taking them (the page may belong to another thread's
   abandoned segment, inspected under the abandoned lock). */
static bool visit_page(const mi_heap_t* heap, mi_page_t* page, bool visit_blocks, mi_block_visit_fun* visitor, void* arg) {
  static mi_decl_tls uint64_t freemap[MI_VISIT_BITS / 64];
  const size_t cap = page->capacity;
  size_t nfree = 0;
  memset(freemap, 0, ((cap + 63) / 64) * sizeof(uint64_t));
  visit_mark_list(page, page->free, freemap, &nfree);
  visit_mark_list(page, page->local_free, freemap, &nfree);
  visit_mark_list(page, (const mi_block_t*)(mi_atomic_load_acquire(&page->xthread_free) & ~MI_NOTIFY_MASK), freemap, &nfree);
  mi_heap_area_t area;
  area.blocks = page->page_start;
  area.reserved = (size_t)page->reserved * page->block_size;
  area.committed = (size_t)cap * page->block_size;
  area.used = cap - nfree;
  area.block_size = _mi_page_block_usable(page);
  area.full_block_size = page->block_size;
  area.heap_tag = (int)page->tag;
  if (!visitor(heap, &area, NULL, area.block_size, arg)) return false;
  if (!visit_blocks || area.used == 0) return true;
  for (size_t i = 0; i < cap; i++) {
    if ((freemap[i >> 6] >> (i & 63)) & 1) continue;
    void* block = page->page_start + i * page->block_size;
    if (!visitor(heap, &area, block, area.block_size, arg)) return false;
  }
  return true;
}

bool mi_heap_visit_blocks(const mi_heap_t* heap, bool visit_blocks, mi_block_visit_fun* visitor, void* arg) {
  if (heap == NULL || visitor == NULL || !mi_heap_is_initialized(heap)) return false;
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    mi_page_t* page = heap->pages[bin].first;
    while (page != NULL) {
      mi_page_t* next = page->next;   /* the visitor may free blocks of this page */
      if (!visit_page(heap, page, visit_blocks, visitor, arg)) return false;
      page = next;
    }
  }
  return true;
}

typedef struct abandoned_visit_s {
  int tag;
  bool visit_blocks;
  mi_block_visit_fun* visitor;
  void* arg;
  bool ok;
} abandoned_visit_t;

static bool abandoned_segment_visit(mi_segment_t* seg, void* varg) {
  abandoned_visit_t* v = (abandoned_visit_t*)varg;
  size_t idx = MI_SEGMENT_FIRST_SLICE;
  while (idx < MI_SLICE_COUNT) {
    mi_page_t* page = _mi_segment_slice(seg, idx);
    if (page->block_size == 0 || mi_page_is_cont(page)) { idx++; continue; }
    if (v->tag < 0 || (int)page->tag == v->tag) {
      if (!visit_page(NULL, page, v->visit_blocks, v->visitor, v->arg)) { v->ok = false; return false; }
    }
    if (seg->kind == MI_SEGMENT_HUGE) break;
    idx += page->slice_count;
  }
  return true;
}

bool mi_abandoned_visit_blocks(mi_subproc_id_t subproc_id, int heap_tag, bool visit_blocks, mi_block_visit_fun* visitor, void* arg) {
  void* subproc = (subproc_id == mi_subproc_main() ? NULL : subproc_id);
  if (visitor == NULL) return false;
  if (!mi_option_is_enabled(mi_option_visit_abandoned)) {
    _mi_warning_message("mi_abandoned_visit_blocks needs the option visit_abandoned (MIMALLOC_VISIT_ABANDONED=1)\n");
    return false;
  }
  abandoned_visit_t v = { heap_tag, visit_blocks, visitor, arg, true };
  _mi_segment_abandoned_visit(subproc, &abandoned_segment_visit, &v);
  return v.ok;
}
