/* SPDX-License-Identifier: MIT
 * aligned.c -- aligned allocation: mi_malloc_aligned(_at) and friends.
 *
 * Blocks of a size class whose size is a multiple of the alignment are
 * aligned by construction (pages start on 64 KiB boundaries), so most
 * aligned requests are ordinary allocations.  Otherwise the block is
 * over-allocated and an interior pointer returned; its page is flagged so
 * free finds the block start.  Alignments above MI_BLOCK_ALIGNMENT_MAX get a
 * huge segment with the block placed on the boundary.
 */
#include "internal.h"

static bool is_aligned_at(const void* p, size_t alignment, size_t offset) {
  return (((uintptr_t)p + offset) & (alignment - 1)) == 0;
}

/* Over-allocate and return an interior pointer with `p + offset` aligned. */
static void* malloc_aligned_overalloc(mi_heap_t* heap, size_t size, size_t alignment, size_t offset, bool zero) {
  size_t total;
  if (__builtin_add_overflow(size, alignment - 1, &total) || total > MI_MAX_ALLOC_SIZE) return _mi_alloc_fail(size);
  uint8_t* base = (uint8_t*)_mi_heap_malloc_zero(heap, total, zero);
  if (base == NULL) return NULL;
  const uintptr_t adjust = (alignment - (((uintptr_t)base + offset) & (alignment - 1))) & (alignment - 1);
  uint8_t* p = base + adjust;
  if (adjust != 0) {
    /* the allocating thread owns the page: it may set the flag */
    mi_page_t* page = _mi_segment_page_of_checked(base);
    if (page != NULL) mi_page_flag_set(page, MI_PAGE_HAS_ALIGNED);
  }
  mi_assert_internal(is_aligned_at(p, alignment, offset));
  return p;
}

void* _mi_heap_malloc_aligned_at(mi_heap_t* heap, size_t size, size_t alignment, size_t offset, bool zero) {
  if (mi_unlikely(alignment == 0 || !mi_is_power_of_two(alignment))) {
    _mi_verbose_message("aligned allocation: invalid alignment %zu (not a power of two; size %zu)\n", alignment, size);
    errno = EINVAL;
    return NULL;
  }
  if (mi_unlikely(size > MI_MAX_ALLOC_SIZE || alignment > MI_MAX_ALLOC_SIZE)) return _mi_alloc_fail(size);
  if (alignment <= MI_MAX_ALIGN_SIZE && (offset & (alignment - 1)) == 0) {
    return _mi_heap_malloc_zero(heap, size, zero);   /* every block is 16-byte aligned */
  }
  if (offset == 0) {
    if (alignment > MI_BLOCK_ALIGNMENT_MAX) {
      /* a huge segment with the block on the boundary */
      if (!mi_heap_is_initialized(heap)) heap = mi_heap_get_default();
      return _mi_malloc_generic(heap, (size == 0 ? 1 : size), zero, alignment);   /* a huge page needs a size */
    }
    /* a size class that is a multiple of the alignment is naturally aligned */
    const size_t need = (size < alignment ? alignment : size) + MI_PADDING_SIZE;
    if (need <= MI_MEDIUM_OBJ_SIZE_MAX && alignment <= MI_SLICE_SIZE) {
      const size_t bsize = _mi_bin_size(_mi_bin(need));
      if ((bsize & (alignment - 1)) == 0) {
        void* p = _mi_heap_malloc_zero(heap, need - MI_PADDING_SIZE, zero);
        if (p == NULL || is_aligned_at(p, alignment, 0)) return p;
        mi_free(p);
      }
    }
#if MI_SECURE == 0
    else if (need > MI_MEDIUM_OBJ_SIZE_MAX && need <= MI_LARGE_OBJ_SIZE_MAX && alignment <= MI_SLICE_SIZE) {
      return _mi_heap_malloc_zero(heap, need - MI_PADDING_SIZE, zero);   /* large blocks start on a slice boundary */
    }
#endif
  }
  return malloc_aligned_overalloc(heap, size, alignment, offset, zero);
}

void* _mi_heap_realloc_aligned_at(mi_heap_t* heap, void* p, size_t newsize, size_t alignment, size_t offset, bool zero) {
  if (mi_unlikely(alignment == 0 || !mi_is_power_of_two(alignment))) {
    _mi_verbose_message("aligned reallocation: invalid alignment %zu (not a power of two)\n", alignment);
    errno = EINVAL;
    return NULL;
  }
  /* a block is 16-byte aligned unless an _at allocation shifted it: only
     then may plain realloc (which can keep the block in place) serve */
  if (alignment <= MI_MAX_ALIGN_SIZE && (offset & (alignment - 1)) == 0 && is_aligned_at(p, alignment, offset)) {
    return _mi_heap_realloc_zero(heap, p, newsize, zero);
  }
  if (p == NULL) return _mi_heap_malloc_aligned_at(heap, newsize, alignment, offset, zero);
  const size_t size = _mi_usable_size_checked(p, "realloc");
  if (size == 0 && _mi_checked_page_of(p, "realloc") == NULL) { errno = EINVAL; return NULL; }
  if (newsize <= size && newsize >= size / 2 && is_aligned_at(p, alignment, offset)) return p;
  void* q = _mi_heap_malloc_aligned_at(heap, newsize, alignment, offset, zero);   /* zeroed whole: see realloc */
  if (q == NULL) return NULL;
  const size_t copy = (size < newsize ? size : newsize);
  memcpy(q, p, copy);
  mi_free(p);
  return q;
}

/* ------------------------------------------------------------------------
   Public functions
------------------------------------------------------------------------ */
void* mi_heap_malloc_aligned_at(mi_heap_t* heap, size_t size, size_t alignment, size_t offset) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, offset, false);
}
void* mi_heap_malloc_aligned(mi_heap_t* heap, size_t size, size_t alignment) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, 0, false);
}
void* mi_heap_zalloc_aligned_at(mi_heap_t* heap, size_t size, size_t alignment, size_t offset) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, offset, true);
}
void* mi_heap_zalloc_aligned(mi_heap_t* heap, size_t size, size_t alignment) {
  return _mi_heap_malloc_aligned_at(heap, size, alignment, 0, true);
}
void* mi_heap_calloc_aligned_at(mi_heap_t* heap, size_t count, size_t size, size_t alignment, size_t offset) {
  size_t total;
  if (mi_mul_overflow(count, size, &total)) return _mi_alloc_fail(SIZE_MAX);
  return _mi_heap_malloc_aligned_at(heap, total, alignment, offset, true);
}
void* mi_heap_calloc_aligned(mi_heap_t* heap, size_t count, size_t size, size_t alignment) {
  return mi_heap_calloc_aligned_at(heap, count, size, alignment, 0);
}
void* mi_heap_realloc_aligned_at(mi_heap_t* heap, void* p, size_t newsize, size_t alignment, size_t offset) {
  return _mi_heap_realloc_aligned_at(heap, p, newsize, alignment, offset, false);
}
void* mi_heap_realloc_aligned(mi_heap_t* heap, void* p, size_t newsize, size_t alignment) {
  return _mi_heap_realloc_aligned_at(heap, p, newsize, alignment, 0, false);
}
void* mi_heap_rezalloc_aligned_at(mi_heap_t* heap, void* p, size_t newsize, size_t alignment, size_t offset) {
  return _mi_heap_realloc_aligned_at(heap, p, newsize, alignment, offset, true);
}
void* mi_heap_rezalloc_aligned(mi_heap_t* heap, void* p, size_t newsize, size_t alignment) {
  return _mi_heap_realloc_aligned_at(heap, p, newsize, alignment, 0, true);
}
void* mi_heap_recalloc_aligned_at(mi_heap_t* heap, void* p, size_t newcount, size_t size, size_t alignment, size_t offset) {
  size_t total;
  if (mi_mul_overflow(newcount, size, &total)) return _mi_alloc_fail(SIZE_MAX);
  return _mi_heap_realloc_aligned_at(heap, p, total, alignment, offset, true);
}
void* mi_heap_recalloc_aligned(mi_heap_t* heap, void* p, size_t newcount, size_t size, size_t alignment) {
  return mi_heap_recalloc_aligned_at(heap, p, newcount, size, alignment, 0);
}

#define MI_DEFAULT_HEAP mi_heap_get_default_inline()
void* mi_malloc_aligned_at(size_t size, size_t alignment, size_t offset) { return mi_heap_malloc_aligned_at(MI_DEFAULT_HEAP, size, alignment, offset); }
void* mi_malloc_aligned(size_t size, size_t alignment) { return mi_heap_malloc_aligned(MI_DEFAULT_HEAP, size, alignment); }
void* mi_zalloc_aligned_at(size_t size, size_t alignment, size_t offset) { return mi_heap_zalloc_aligned_at(MI_DEFAULT_HEAP, size, alignment, offset); }
void* mi_zalloc_aligned(size_t size, size_t alignment) { return mi_heap_zalloc_aligned(MI_DEFAULT_HEAP, size, alignment); }
void* mi_calloc_aligned_at(size_t count, size_t size, size_t alignment, size_t offset) { return mi_heap_calloc_aligned_at(MI_DEFAULT_HEAP, count, size, alignment, offset); }
void* mi_calloc_aligned(size_t count, size_t size, size_t alignment) { return mi_heap_calloc_aligned(MI_DEFAULT_HEAP, count, size, alignment); }
void* mi_realloc_aligned_at(void* p, size_t newsize, size_t alignment, size_t offset) { return mi_heap_realloc_aligned_at(MI_DEFAULT_HEAP, p, newsize, alignment, offset); }
void* mi_realloc_aligned(void* p, size_t newsize, size_t alignment) { return mi_heap_realloc_aligned(MI_DEFAULT_HEAP, p, newsize, alignment); }
void* mi_rezalloc_aligned_at(void* p, size_t newsize, size_t alignment, size_t offset) { return mi_heap_rezalloc_aligned_at(MI_DEFAULT_HEAP, p, newsize, alignment, offset); }
void* mi_rezalloc_aligned(void* p, size_t newsize, size_t alignment) { return mi_heap_rezalloc_aligned(MI_DEFAULT_HEAP, p, newsize, alignment); }
void* mi_recalloc_aligned_at(void* p, size_t newcount, size_t size, size_t alignment, size_t offset) { return mi_heap_recalloc_aligned_at(MI_DEFAULT_HEAP, p, newcount, size, alignment, offset); }
void* mi_recalloc_aligned(void* p, size_t newcount, size_t size, size_t alignment) { return mi_heap_recalloc_aligned(MI_DEFAULT_HEAP, p, newcount, size, alignment); }

void* mi_umalloc_aligned(size_t size, size_t alignment, size_t* block_size) {
  void* p = mi_malloc_aligned(size, alignment);
  if (block_size != NULL) *block_size = (p == NULL ? 0 : mi_usable_size(p));
  return p;
}
void* mi_uzalloc_aligned(size_t size, size_t alignment, size_t* block_size) {
  void* p = mi_zalloc_aligned(size, alignment);
  if (block_size != NULL) *block_size = (p == NULL ? 0 : mi_usable_size(p));
  return p;
}
