/* SPDX-License-Identifier: MIT
 * arena.c -- arenas: memory reserved up front (mi_reserve_os_memory, huge
 * OS pages) or handed over by the program (mi_manage_os_memory), cut into
 * 32 MiB segment-sized chunks tracked by a bitmap.  Normal segments come
 * from a non-exclusive arena when one has room; heaps created in an
 * exclusive arena allocate only there.
 */
#include "internal.h"
#include <pthread.h>

#define MI_MAX_ARENAS        64
#define MI_ARENA_MAX_CHUNKS  4096          /* 128 GiB per arena */

typedef struct mi_arena_s {
  int       id;                /* 1-based */
  uint8_t*  start;             /* 32 MiB aligned */
  size_t    chunks;
  bool      exclusive;
  bool      is_large;          /* huge OS pages: never purged */
  bool      owned;             /* reserved by us (vs supplied by the program) */
  int       numa_node;
  size_t    used;
  uint64_t  used_map[MI_ARENA_MAX_CHUNKS / 64];
  uint64_t  dirty_map[MI_ARENA_MAX_CHUNKS / 64];   /* chunks that held a segment since reservation */
} mi_arena_t;

static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static mi_arena_t* arenas[MI_MAX_ARENAS];
static mi_atomic_t arena_count;

static mi_arena_t* arena_of_id(int id) {
  if (id <= 0 || id > (int)mi_atomic_load_acquire(&arena_count)) return NULL;
  return arenas[id - 1];
}

bool _mi_arena_is_exclusive(int arena_id) {
  mi_arena_t* a = arena_of_id(arena_id);
  return (a != NULL && a->exclusive);
}

/* Register [start, start+size) (already aligned) as an arena. */
static bool arena_add(uint8_t* start, size_t size, bool exclusive, bool is_large, bool owned, bool is_zero, int numa_node, mi_arena_id_t* arena_id) {
  const size_t chunks = size / MI_SEGMENT_SIZE;
  if (chunks == 0 || chunks > MI_ARENA_MAX_CHUNKS) return false;
  mi_arena_t* a = (mi_arena_t*)_mi_meta_zalloc(sizeof(mi_arena_t));
  if (a == NULL) return false;
  a->start = start;
  a->chunks = chunks;
  a->exclusive = exclusive;
  a->is_large = is_large;
  a->owned = owned;
  a->numa_node = numa_node;
  if (!is_zero) memset(a->dirty_map, 0xFF, sizeof(a->dirty_map));
  pthread_mutex_lock(&arena_lock);
  const size_t n = mi_atomic_load_relaxed(&arena_count);
  if (n >= MI_MAX_ARENAS) {
    pthread_mutex_unlock(&arena_lock);
    _mi_meta_free(a, sizeof(mi_arena_t));
    _mi_warning_message("too many arenas (at most %d)\n", MI_MAX_ARENAS);
    return false;
  }
  a->id = (int)n + 1;
  arenas[n] = a;
  mi_atomic_store_release(&arena_count, n + 1);
  pthread_mutex_unlock(&arena_lock);
  if (arena_id != NULL) *arena_id = a->id;
  _mi_verbose_message("arena %d: %zu MiB at %p%s\n", a->id, size / MI_MiB, (void*)start, exclusive ? " (exclusive)" : "");
  return true;
}

/* Take `n` consecutive free chunks (under the lock). */
static void* arena_take(mi_arena_t* a, size_t n, bool* is_zero) {
  for (size_t i = 0; i + n <= a->chunks; i++) {
    size_t k = 0;
    while (k < n && !((a->used_map[(i + k) >> 6] >> ((i + k) & 63)) & 1)) k++;
    if (k < n) { i += k; continue; }
    bool zero = true;
    for (k = 0; k < n; k++) {
      const size_t j = i + k;
      if ((a->dirty_map[j >> 6] >> (j & 63)) & 1) zero = false;
      a->used_map[j >> 6] |= 1ULL << (j & 63);
      a->dirty_map[j >> 6] |= 1ULL << (j & 63);
    }
    a->used += n;
    *is_zero = zero;
    return a->start + i * MI_SEGMENT_SIZE;
  }
  return NULL;
}

void* _mi_arena_alloc_segment(size_t size, int arena_id, bool exclusive_only, int* out_arena_id, bool* is_zero) {
  *out_arena_id = -1;
  const size_t n = mi_atomic_load_acquire(&arena_count);
  if (n == 0 || size == 0) return NULL;
  if (arena_id <= 0 && mi_option_is_enabled(mi_option_disallow_arena_alloc)) return NULL;
  const size_t chunks = (size + MI_SEGMENT_SIZE - 1) / MI_SEGMENT_SIZE;
  void* p = NULL;
  pthread_mutex_lock(&arena_lock);
  for (size_t i = 0; i < n && p == NULL; i++) {
    mi_arena_t* a = arenas[i];
    if (arena_id > 0 && a->id != arena_id) continue;
    if (arena_id <= 0 && (a->exclusive || exclusive_only)) continue;
    p = arena_take(a, chunks, is_zero);
    if (p != NULL) *out_arena_id = a->id;
  }
  pthread_mutex_unlock(&arena_lock);
  return p;
}

bool _mi_arena_free_segment(void* p, size_t size, int arena_id) {
  mi_arena_t* a = arena_of_id(arena_id);
  if (a == NULL || size == 0) return false;
  const size_t first = (size_t)((uint8_t*)p - a->start) / MI_SEGMENT_SIZE;
  const size_t chunks = (size + MI_SEGMENT_SIZE - 1) / MI_SEGMENT_SIZE;
  if ((uint8_t*)p < a->start || first + chunks > a->chunks) return false;
  if (!a->is_large) _mi_os_purge(p, chunks * MI_SEGMENT_SIZE, true);
  pthread_mutex_lock(&arena_lock);
  for (size_t k = 0; k < chunks; k++) {
    const size_t j = first + k;
    if (!a->is_large) a->dirty_map[j >> 6] &= ~(1ULL << (j & 63));   /* purged: zero again */
    a->used_map[j >> 6] &= ~(1ULL << (j & 63));
  }
  a->used -= chunks;
  pthread_mutex_unlock(&arena_lock);
  return true;
}

/* ------------------------------------------------------------------------
   Public API
------------------------------------------------------------------------ */
int mi_reserve_os_memory_ex(size_t size, bool commit, bool allow_large, bool exclusive, mi_arena_id_t* arena_id) {
  (void)commit;
  if (arena_id != NULL) *arena_id = 0;
  if (size == 0) return EINVAL;
  size = mi_align_up(size, MI_SEGMENT_SIZE);
  if (size / MI_SEGMENT_SIZE > MI_ARENA_MAX_CHUNKS) size = (size_t)MI_ARENA_MAX_CHUNKS * MI_SEGMENT_SIZE;
  bool is_zero;
  void* p = _mi_os_alloc_aligned(size, MI_SEGMENT_SIZE, &is_zero);
  if (p == NULL) {
    _mi_warning_message("unable to reserve %zu MiB of OS memory for an arena\n", size / MI_MiB);
    return ENOMEM;
  }
  if (allow_large) _mi_os_hugepage_advise(p, size, true);   /* transparent 2 MiB pages; still purgeable */
  if (!arena_add((uint8_t*)p, size, exclusive, false, true, is_zero, -1, arena_id)) {
    _mi_os_free(p, size);
    return ENOMEM;
  }
  _mi_stats_process_add(MI_STAT_RESERVED, (int64_t)size);
  return 0;
}

int mi_reserve_os_memory(size_t size, bool commit, bool allow_large) {
  return mi_reserve_os_memory_ex(size, commit, allow_large, false, NULL);
}

bool mi_manage_os_memory_ex(void* start, size_t size, bool is_committed, bool is_large, bool is_zero, int numa_node, bool exclusive, mi_arena_id_t* arena_id) {
  (void)is_committed;
  if (arena_id != NULL) *arena_id = 0;
  if (start == NULL || size == 0) return false;
  uint8_t* s = (uint8_t*)mi_align_up((uintptr_t)start, MI_SEGMENT_SIZE);
  uint8_t* e = (uint8_t*)mi_align_down((uintptr_t)start + size, MI_SEGMENT_SIZE);
  if (e <= s) {
    _mi_warning_message("mi_manage_os_memory: %zu bytes at %p hold no 32 MiB-aligned chunk\n", size, start);
    return false;
  }
  return arena_add(s, (size_t)(e - s), exclusive, is_large, false, is_zero, numa_node, arena_id);
}

bool mi_manage_os_memory(void* start, size_t size, bool is_committed, bool is_large, bool is_zero, int numa_node) {
  return mi_manage_os_memory_ex(start, size, is_committed, is_large, is_zero, numa_node, false, NULL);
}

void* mi_arena_area(mi_arena_id_t arena_id, size_t* size) {
  mi_arena_t* a = arena_of_id(arena_id);
  if (size != NULL) *size = (a == NULL ? 0 : a->chunks * MI_SEGMENT_SIZE);
  return (a == NULL ? NULL : a->start);
}

void mi_debug_show_arenas(void) {
  const size_t n = mi_atomic_load_acquire(&arena_count);
  _mi_message("arenas: %zu\n", n);
  for (size_t i = 0; i < n; i++) {
    mi_arena_t* a = arenas[i];
    _mi_message("arena %d: %p, %zu MiB, %zu of %zu segments in use%s%s\n", a->id, (void*)a->start,
                a->chunks * MI_SEGMENT_SIZE / MI_MiB, a->used, a->chunks,
                a->exclusive ? ", exclusive" : "", a->is_large ? ", huge pages" : "");
  }
}

void mi_arenas_print(void) {
  mi_debug_show_arenas();
}

/* Huge (1 GiB) OS pages: only where the system has a huge page pool. */
int mi_reserve_huge_os_pages_at_ex(size_t pages, int numa_node, size_t timeout_msecs, bool exclusive, mi_arena_id_t* arena_id) {
  (void)timeout_msecs;
  if (arena_id != NULL) *arena_id = 0;
  if (pages == 0) return 0;
  if (!_mi_os_has_huge_pages()) {
    _mi_warning_message("cannot reserve %zu huge OS pages: the system has no huge page pool (see /proc/meminfo)\n", pages);
    return ENOMEM;
  }
  const size_t size = pages * MI_GiB;
  void* p = _mi_os_alloc_huge_pages(size);
  if (p == NULL) {
    _mi_warning_message("unable to reserve %zu huge OS pages on node %d\n", pages, numa_node);
    return ENOMEM;
  }
  if (!arena_add((uint8_t*)p, size, exclusive, true, true, true, numa_node, arena_id)) {
    _mi_os_free(p, size);
    return ENOMEM;
  }
  _mi_stats_process_add(MI_STAT_RESERVED, (int64_t)size);
  return 0;
}

int mi_reserve_huge_os_pages_at(size_t pages, int numa_node, size_t timeout_msecs) {
  return mi_reserve_huge_os_pages_at_ex(pages, numa_node, timeout_msecs, false, NULL);
}

int mi_reserve_huge_os_pages_interleave(size_t pages, size_t numa_nodes, size_t timeout_msecs) {
  if (pages == 0) return 0;
  size_t nodes = (numa_nodes == 0 ? (size_t)_mi_os_numa_node_count() : numa_nodes);
  if (nodes == 0) nodes = 1;
  for (size_t node = 0; node < nodes; node++) {
    const size_t n = pages / nodes + (node < pages % nodes ? 1 : 0);
    if (n == 0) continue;
    int err = mi_reserve_huge_os_pages_at(n, (int)node, timeout_msecs / nodes);
    if (err != 0) return err;
  }
  return 0;
}

int mi_reserve_huge_os_pages(size_t pages, double max_secs, size_t* pages_reserved) {
  if (pages_reserved != NULL) *pages_reserved = 0;
  int err = mi_reserve_huge_os_pages_interleave(pages, 0, (size_t)(max_secs * 1000.0));
  if (err == 0 && pages_reserved != NULL) *pages_reserved = pages;
  return err;
}

void _mi_arenas_lock_prefork(bool lock) {
  if (lock) pthread_mutex_lock(&arena_lock); else pthread_mutex_unlock(&arena_lock);
}

void _mi_arenas_reinit_child(void) {
  pthread_mutex_init(&arena_lock, NULL);
}
