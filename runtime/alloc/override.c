/* SPDX-License-Identifier: MIT
 * override.c -- only in libmirt-malloc: the standard allocation functions,
 * glibc's __libc_* names and the C++ operators new/delete (by their
 * Itanium-ABI mangled names, defined in C).  malloc and free expand the
 * fast paths inline, so the override costs no extra call or jump.
 */
#include "internal.h"
#include <stdlib.h>

#define mi_export __attribute__((visibility("default")))

/* Declarations of the names glibc's headers do not declare (or declare elsewhere). */
void  cfree(void* p);
void* memalign(size_t alignment, size_t size);
void* pvalloc(size_t size);
size_t malloc_usable_size(void* p);
void* reallocf(void* p, size_t newsize);
int   malloc_trim(size_t pad);
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t newsize);
void  __libc_free(void* p);
void  __libc_cfree(void* p);
void* __libc_valloc(size_t size);
void* __libc_pvalloc(size_t size);
void* __libc_memalign(size_t alignment, size_t size);
int   __posix_memalign(void** p, size_t alignment, size_t size);
void* _Znwm(size_t n);
void* _Znam(size_t n);
void* _ZnwmRKSt9nothrow_t(size_t n, const void* tag);
void* _ZnamRKSt9nothrow_t(size_t n, const void* tag);
void* _ZnwmSt11align_val_t(size_t n, size_t al);
void* _ZnamSt11align_val_t(size_t n, size_t al);
void* _ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, const void* tag);
void* _ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, const void* tag);
void  _ZdlPv(void* p);
void  _ZdaPv(void* p);
void  _ZdlPvm(void* p, size_t n);
void  _ZdaPvm(void* p, size_t n);
void  _ZdlPvSt11align_val_t(void* p, size_t al);
void  _ZdaPvSt11align_val_t(void* p, size_t al);
void  _ZdlPvmSt11align_val_t(void* p, size_t n, size_t al);
void  _ZdaPvmSt11align_val_t(void* p, size_t n, size_t al);
void  _ZdlPvRKSt9nothrow_t(void* p, const void* tag);
void  _ZdaPvRKSt9nothrow_t(void* p, const void* tag);
void  _ZdlPvSt11align_val_tRKSt9nothrow_t(void* p, size_t al, const void* tag);
void  _ZdaPvSt11align_val_tRKSt9nothrow_t(void* p, size_t al, const void* tag);
void  free_sized(void* p, size_t size);
void  free_aligned_sized(void* p, size_t alignment, size_t size);

/* ------------------------------------------------------------------------
   C
------------------------------------------------------------------------ */
mi_export void* malloc(size_t size) { return mi_heap_malloc_inline(mi_heap_get_default_inline(), size); }
mi_export void* calloc(size_t count, size_t size) { return mi_calloc(count, size); }
mi_export void* realloc(void* p, size_t newsize) { return mi_realloc(p, newsize); }
mi_export int   posix_memalign(void** p, size_t alignment, size_t size) { return mi_posix_memalign(p, alignment, size); }
mi_export void* aligned_alloc(size_t alignment, size_t size) { return mi_aligned_alloc(alignment, size); }
mi_export void* memalign(size_t alignment, size_t size) { return mi_memalign(alignment, size); }
mi_export void* valloc(size_t size) { return mi_valloc(size); }
mi_export void* pvalloc(size_t size) { return mi_pvalloc(size); }
mi_export size_t malloc_usable_size(void* p) { return mi_usable_size(p); }
mi_export void* reallocarray(void* p, size_t count, size_t size) { return mi_reallocarray(p, count, size); }
mi_export void* reallocf(void* p, size_t newsize) { return mi_reallocf(p, newsize); }
mi_export char* strdup(const char* s) { return mi_strdup(s); }
mi_export char* strndup(const char* s, size_t n) { return mi_strndup(s, n); }
/* glibc's malloc_trim: give free memory back to the OS. */
mi_export int malloc_trim(size_t pad) { (void)pad; mi_collect(true); return 1; }

/* glibc-internal names (used by some programs and by glibc's own hooks) */
mi_export void* __libc_malloc(size_t size) { return mi_heap_malloc_inline(mi_heap_get_default_inline(), size); }
mi_export void* __libc_calloc(size_t count, size_t size) { return mi_calloc(count, size); }
mi_export void* __libc_realloc(void* p, size_t newsize) { return mi_realloc(p, newsize); }
mi_export void* __libc_valloc(size_t size) { return mi_valloc(size); }
mi_export void* __libc_pvalloc(size_t size) { return mi_pvalloc(size); }
mi_export void* __libc_memalign(size_t alignment, size_t size) { return mi_memalign(alignment, size); }
mi_export int   __posix_memalign(void** p, size_t alignment, size_t size) { return mi_posix_memalign(p, alignment, size); }

/* ------------------------------------------------------------------------
   C++ (mangled names; align_val_t is a size_t enum, nothrow_t a reference)
------------------------------------------------------------------------ */
static inline void* new_inline(size_t size) {
  void* p = mi_heap_malloc_inline(mi_heap_get_default_inline(), size);
  return (mi_likely(p != NULL) ? p : mi_new(size));
}

mi_export void* _Znwm(size_t n) { return new_inline(n); }                                      /* new(size_t) */
mi_export void* _Znam(size_t n) { return new_inline(n); }                                      /* new[](size_t) */
mi_export void* _ZnwmRKSt9nothrow_t(size_t n, const void* tag) { (void)tag; return mi_new_nothrow(n); }
mi_export void* _ZnamRKSt9nothrow_t(size_t n, const void* tag) { (void)tag; return mi_new_nothrow(n); }
mi_export void* _ZnwmSt11align_val_t(size_t n, size_t al) { return mi_new_aligned(n, al); }
mi_export void* _ZnamSt11align_val_t(size_t n, size_t al) { return mi_new_aligned(n, al); }
mi_export void* _ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, const void* tag) { (void)tag; return mi_new_aligned_nothrow(n, al); }
mi_export void* _ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t al, const void* tag) { (void)tag; return mi_new_aligned_nothrow(n, al); }

/* free, cfree, __libc_free, __libc_cfree, C23's free_sized and
   free_aligned_sized and every operator delete: one body (their size and
   alignment arguments are hints; secure builds check them first) */
#if defined(MI_FREE_ASM)
MI_FREE_ASM_BODY(
  MI_FREE_ASM_ENTRY(free) MI_FREE_ASM_ENTRY(cfree) MI_FREE_ASM_ENTRY(__libc_free) MI_FREE_ASM_ENTRY(__libc_cfree)
  MI_FREE_ASM_ENTRY(free_sized) MI_FREE_ASM_ENTRY(free_aligned_sized)
  MI_FREE_ASM_ENTRY(_ZdlPv) MI_FREE_ASM_ENTRY(_ZdaPv) MI_FREE_ASM_ENTRY(_ZdlPvm) MI_FREE_ASM_ENTRY(_ZdaPvm)
  MI_FREE_ASM_ENTRY(_ZdlPvSt11align_val_t) MI_FREE_ASM_ENTRY(_ZdaPvSt11align_val_t)
  MI_FREE_ASM_ENTRY(_ZdlPvmSt11align_val_t) MI_FREE_ASM_ENTRY(_ZdaPvmSt11align_val_t)
  MI_FREE_ASM_ENTRY(_ZdlPvRKSt9nothrow_t) MI_FREE_ASM_ENTRY(_ZdaPvRKSt9nothrow_t)
  MI_FREE_ASM_ENTRY(_ZdlPvSt11align_val_tRKSt9nothrow_t) MI_FREE_ASM_ENTRY(_ZdaPvSt11align_val_tRKSt9nothrow_t),
  MI_FREE_ASM_SIZE(free) MI_FREE_ASM_SIZE(cfree) MI_FREE_ASM_SIZE(__libc_free) MI_FREE_ASM_SIZE(__libc_cfree)
  MI_FREE_ASM_SIZE(free_sized) MI_FREE_ASM_SIZE(free_aligned_sized)
  MI_FREE_ASM_SIZE(_ZdlPv) MI_FREE_ASM_SIZE(_ZdaPv) MI_FREE_ASM_SIZE(_ZdlPvm) MI_FREE_ASM_SIZE(_ZdaPvm)
  MI_FREE_ASM_SIZE(_ZdlPvSt11align_val_t) MI_FREE_ASM_SIZE(_ZdaPvSt11align_val_t)
  MI_FREE_ASM_SIZE(_ZdlPvmSt11align_val_t) MI_FREE_ASM_SIZE(_ZdaPvmSt11align_val_t)
  MI_FREE_ASM_SIZE(_ZdlPvRKSt9nothrow_t) MI_FREE_ASM_SIZE(_ZdaPvRKSt9nothrow_t)
  MI_FREE_ASM_SIZE(_ZdlPvSt11align_val_tRKSt9nothrow_t) MI_FREE_ASM_SIZE(_ZdaPvSt11align_val_tRKSt9nothrow_t));
#else
mi_export void  free(void* p) { mi_free_inline(p); }
mi_export void  cfree(void* p) { mi_free_inline(p); }
mi_export void  __libc_free(void* p) { mi_free_inline(p); }
mi_export void  __libc_cfree(void* p) { mi_free_inline(p); }
mi_export void _ZdlPv(void* p) { mi_free_inline(p); }                                          /* delete(void*) */
mi_export void _ZdaPv(void* p) { mi_free_inline(p); }                                          /* delete[](void*) */
#if MI_SECURE_SIZED_CHECK
#define mi_sized_check(p, n, al) _mi_free_size_check(p, n, al, true)   /* secure: report a size or alignment the block does not have */
#else
#define mi_sized_check(p, n, al) ((void)(p), (void)(n), (void)(al))
#endif
mi_export void free_sized(void* p, size_t n) { mi_sized_check(p, n, 0); mi_free_inline(p); }  /* C23 */
mi_export void free_aligned_sized(void* p, size_t al, size_t n) { mi_sized_check(p, n, al); mi_free_inline(p); }
mi_export void _ZdlPvm(void* p, size_t n) { mi_sized_check(p, n, 0); mi_free_inline(p); }      /* sized */
mi_export void _ZdaPvm(void* p, size_t n) { mi_sized_check(p, n, 0); mi_free_inline(p); }
mi_export void _ZdlPvSt11align_val_t(void* p, size_t al) { mi_sized_check(p, SIZE_MAX, al); mi_free_inline(p); }
mi_export void _ZdaPvSt11align_val_t(void* p, size_t al) { mi_sized_check(p, SIZE_MAX, al); mi_free_inline(p); }
mi_export void _ZdlPvmSt11align_val_t(void* p, size_t n, size_t al) { mi_sized_check(p, n, al); mi_free_inline(p); }
mi_export void _ZdaPvmSt11align_val_t(void* p, size_t n, size_t al) { mi_sized_check(p, n, al); mi_free_inline(p); }
mi_export void _ZdlPvRKSt9nothrow_t(void* p, const void* tag) { (void)tag; mi_free_inline(p); }
mi_export void _ZdaPvRKSt9nothrow_t(void* p, const void* tag) { (void)tag; mi_free_inline(p); }
mi_export void _ZdlPvSt11align_val_tRKSt9nothrow_t(void* p, size_t al, const void* tag) { (void)al; (void)tag; mi_free_inline(p); }
mi_export void _ZdaPvSt11align_val_tRKSt9nothrow_t(void* p, size_t al, const void* tag) { (void)al; (void)tag; mi_free_inline(p); }
#endif
