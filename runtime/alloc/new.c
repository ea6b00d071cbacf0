/* SPDX-License-Identifier: MIT
 * new.c -- C++ operator new semantics for C: on failure, call the program's
 * new-handler and retry; without one, throw std::bad_alloc when the C++
 * runtime is present (through its Itanium-ABI entry points, looked up
 * weakly), and abort otherwise.  Built with -fexceptions so the exception
 * can unwind through these frames.
 */
#include "internal.h"

typedef void (*mi_new_handler_t)(void);

/* libstdc++ / libc++abi entry points, present only in C++ programs */
extern mi_new_handler_t _ZSt15get_new_handlerv(void) __attribute__((weak));   /* std::get_new_handler() */
extern void* __cxa_allocate_exception(size_t) __attribute__((weak));
extern void __cxa_throw(void*, void*, void (*)(void*)) __attribute__((weak));
extern char _ZTISt9bad_alloc[] __attribute__((weak));                          /* typeinfo for std::bad_alloc */
extern char _ZTVSt9bad_alloc[] __attribute__((weak));                          /* vtable for std::bad_alloc */
extern void _ZNSt9bad_allocD1Ev(void*) __attribute__((weak));                  /* std::bad_alloc::~bad_alloc() */

static void throw_bad_alloc(void) {
  if (__cxa_allocate_exception != NULL && __cxa_throw != NULL && _ZTISt9bad_alloc != NULL &&
      _ZTVSt9bad_alloc != NULL && _ZNSt9bad_allocD1Ev != NULL) {
    void** obj = (void**)__cxa_allocate_exception(sizeof(void*));
    *obj = _ZTVSt9bad_alloc + 2 * sizeof(void*);   /* vptr: past offset-to-top and typeinfo */
    __cxa_throw(obj, _ZTISt9bad_alloc, &_ZNSt9bad_allocD1Ev);
  }
  _mi_error_message(ENOMEM, "error: malloc: out of memory in operator new\n");
  _mi_os_abort();
}

/* One failed attempt: true to retry (a new-handler ran), false for nothrow callers. */
static bool new_handle_failure(bool nothrow) {
  mi_new_handler_t h = (_ZSt15get_new_handlerv != NULL ? _ZSt15get_new_handlerv() : NULL);
  if (h != NULL) {
    h();   /* may free memory, throw, or abort */
    return true;
  }
  if (!nothrow) throw_bad_alloc();
  return false;
}

static void* heap_new_aligned(mi_heap_t* heap, size_t size, size_t alignment, bool nothrow) {
  for (;;) {
    void* p = (alignment <= MI_MAX_ALIGN_SIZE ? mi_heap_malloc(heap, size) : mi_heap_malloc_aligned(heap, size, alignment));
    if (mi_likely(p != NULL)) return p;
    if (alignment != 0 && !mi_is_power_of_two(alignment)) return NULL;   /* a bad alignment is no memory shortage */
    if (!new_handle_failure(nothrow)) return NULL;
  }
}

void* mi_new(size_t size) {
  return heap_new_aligned(mi_heap_get_default(), size, 0, false);
}

void* mi_new_aligned(size_t size, size_t alignment) {
  return heap_new_aligned(mi_heap_get_default(), size, alignment, false);
}

void* mi_new_nothrow(size_t size) {
  return heap_new_aligned(mi_heap_get_default(), size, 0, true);
}

void* mi_new_aligned_nothrow(size_t size, size_t alignment) {
  return heap_new_aligned(mi_heap_get_default(), size, alignment, true);
}

void* mi_new_n(size_t count, size_t size) {
  size_t total;
  if (mi_mul_overflow(count, size, &total)) {
    new_handle_failure(false);   /* an overflowing array new throws */
    return NULL;
  }
  return mi_new(total);
}

void* mi_heap_alloc_new(mi_heap_t* heap, size_t size) {
  return heap_new_aligned(heap, size, 0, false);
}

void* mi_heap_alloc_new_n(mi_heap_t* heap, size_t count, size_t size) {
  size_t total;
  if (mi_mul_overflow(count, size, &total)) {
    new_handle_failure(false);
    return NULL;
  }
  return mi_heap_alloc_new(heap, total);
}

void* mi_new_realloc(void* p, size_t newsize) {
  for (;;) {
    void* q = mi_realloc(p, newsize);
    if (mi_likely(q != NULL)) return q;
    if (!new_handle_failure(false)) return NULL;
  }
}

void* mi_new_reallocn(void* p, size_t newcount, size_t size) {
  size_t total;
  if (mi_mul_overflow(newcount, size, &total)) {
    new_handle_failure(false);
    return NULL;
  }
  return mi_new_realloc(p, total);
}
