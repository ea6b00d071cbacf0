/* SPDX-License-Identifier: MIT
 * meta.c -- memory for the allocator's own structures (thread data, heap
 * structs): size-segregated free lists over 64 KiB chunks from the OS.
 * Reused across thread churn, never returned.  Guarded by one mutex: only
 * thread start/exit and heap creation come here.
 */
#include "internal.h"
#include <pthread.h>

#define META_CHUNK      (64 * MI_KiB)
#define META_GRAIN      64
#define META_CLASSES    (MI_SLICE_SIZE / META_GRAIN)   /* sizes up to 64 KiB */

typedef struct meta_free_s { struct meta_free_s* next; } meta_free_t;

static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;
static meta_free_t* meta_free[META_CLASSES];
static uint8_t* meta_bump;
static uint8_t* meta_end;

static size_t meta_class(size_t size) {
  return (size + META_GRAIN - 1) / META_GRAIN;
}

void* _mi_meta_zalloc(size_t size) {
  size_t cls = meta_class(size);
  if (size == 0 || cls >= META_CLASSES) return NULL;
  const size_t bytes = cls * META_GRAIN;
  void* p = NULL;
  pthread_mutex_lock(&meta_lock);
  if (meta_free[cls] != NULL) {
    meta_free_t* f = meta_free[cls];
    meta_free[cls] = f->next;
    p = f;
  }
  else {
    if (meta_bump == NULL || meta_bump + bytes > meta_end) {
      bool is_zero;
      uint8_t* chunk = (uint8_t*)_mi_os_alloc_aligned(META_CHUNK, _mi_os_page_size(), &is_zero);
      if (chunk != NULL) {
        meta_bump = chunk;
        meta_end = chunk + META_CHUNK;
        _mi_stats_process_add(MI_STAT_RESERVED, (int64_t)META_CHUNK);
        _mi_stats_committed_add((int64_t)META_CHUNK);
      }
    }
    if (meta_bump != NULL && meta_bump + bytes <= meta_end) {
      p = meta_bump;
      meta_bump += bytes;
      pthread_mutex_unlock(&meta_lock);
      return p;   /* fresh OS memory is zero */
    }
  }
  pthread_mutex_unlock(&meta_lock);
  if (p != NULL) memset(p, 0, bytes);
  return p;
}

void _mi_meta_free(void* p, size_t size) {
  if (p == NULL) return;
  size_t cls = meta_class(size);
  mi_assert(cls < META_CLASSES);
  pthread_mutex_lock(&meta_lock);
  meta_free_t* f = (meta_free_t*)p;
  f->next = meta_free[cls];
  meta_free[cls] = f;
  pthread_mutex_unlock(&meta_lock);
}

void _mi_meta_lock_prefork(bool lock) {
  if (lock) pthread_mutex_lock(&meta_lock);
  else pthread_mutex_unlock(&meta_lock);
}

void _mi_meta_reinit_child(void) {
  pthread_mutex_init(&meta_lock, NULL);
}
