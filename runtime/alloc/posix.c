/* SPDX-License-Identifier: MIT
 * posix.c -- the POSIX, BSD and Windows-style names: posix_memalign,
 * memalign, valloc, pvalloc, aligned_alloc, reallocarray(r), _expand,
 * wide strings and _dupenv_s.  Every failure sets errno (ENOMEM, or
 * EINVAL for a bad alignment).
 */
#include "internal.h"
#include <stdlib.h>   /* getenv */

int mi_posix_memalign(void** p, size_t alignment, size_t size) {
  if (p == NULL) return EINVAL;
  if (alignment % sizeof(void*) != 0 || !mi_is_power_of_two(alignment)) return EINVAL;
  void* q = mi_malloc_aligned(size, alignment);
  if (q == NULL) return ENOMEM;   /* *p untouched */
  *p = q;
  return 0;
}

void* mi_memalign(size_t alignment, size_t size) {
  return mi_malloc_aligned(size, alignment);
}

void* mi_valloc(size_t size) {
  return mi_malloc_aligned(size, _mi_os_page_size());
}

void* mi_pvalloc(size_t size) {
  const size_t psize = _mi_os_page_size();
  if (size > MI_MAX_ALLOC_SIZE) return _mi_alloc_fail(size);   /* rounding up would wrap */
  const size_t asize = (size == 0 ? psize : mi_align_up(size, psize));
  return mi_malloc_aligned(asize, psize);
}

void* mi_aligned_alloc(size_t alignment, size_t size) {
  /* C17 (DR460): any size is accepted; the alignment must be a supported power of two */
  if (alignment == 0 || !mi_is_power_of_two(alignment) || alignment > MI_MAX_ALLOC_SIZE) {
    errno = EINVAL;
    return NULL;
  }
  return mi_malloc_aligned(size, alignment);
}

void* mi_reallocarray(void* p, size_t count, size_t size) {
  size_t total;
  if (mi_mul_overflow(count, size, &total)) return _mi_alloc_fail(SIZE_MAX);
  return mi_realloc(p, total);
}

int mi_reallocarr(void* p, size_t count, size_t size) {
  if (p == NULL) return EINVAL;
  void** op = (void**)p;
  const int saved = errno;
  size_t total;
  if (mi_mul_overflow(count, size, &total)) { errno = saved; return ENOMEM; }
  void* q = mi_reallocarray(*op, count, size);
  if (q == NULL) { int err = errno; errno = saved; return err; }
  *op = q;
  errno = saved;
  return 0;
}

void* mi__expand(void* p, size_t newsize) {
  void* q = mi_expand(p, newsize);
  if (q == NULL) errno = ENOMEM;
  return q;
}

size_t mi_malloc_size(const void* p) {
  return mi_usable_size(p);
}

size_t mi_malloc_usable_size(const void* p) {
  return mi_usable_size(p);
}

size_t mi_malloc_good_size(size_t size) {
  return mi_good_size(size);
}

void* mi_aligned_recalloc(void* p, size_t newcount, size_t size, size_t alignment) {
  return mi_recalloc_aligned(p, newcount, size, alignment);
}

void* mi_aligned_offset_recalloc(void* p, size_t newcount, size_t size, size_t alignment, size_t offset) {
  return mi_recalloc_aligned_at(p, newcount, size, alignment, offset);
}

unsigned short* mi_wcsdup(const unsigned short* s) {
  if (s == NULL) return NULL;
  size_t len = 0;
  while (s[len] != 0) len++;
  const size_t bytes = (len + 1) * sizeof(unsigned short);
  unsigned short* t = (unsigned short*)mi_malloc(bytes);
  if (t != NULL) memcpy(t, s, bytes);
  return t;
}

unsigned char* mi_mbsdup(const unsigned char* s) {
  return (unsigned char*)mi_strdup((const char*)s);
}

int mi_dupenv_s(char** buf, size_t* size, const char* name) {
  if (buf == NULL || name == NULL) return EINVAL;
  if (size != NULL) *size = 0;
  const char* v = getenv(name);
  if (v == NULL) {
    *buf = NULL;
  }
  else {
    *buf = mi_strdup(v);
    if (*buf == NULL) return ENOMEM;
    if (size != NULL) *size = strlen(v) + 1;
  }
  return 0;
}

int mi_wdupenv_s(unsigned short** buf, size_t* size, const unsigned short* name) {
  /* wide environment names are a Windows notion: never found here */
  if (buf == NULL || name == NULL) return EINVAL;
  if (size != NULL) *size = 0;
  *buf = NULL;
  return 0;
}

bool mi_is_redirected(void) {
  return false;
}
