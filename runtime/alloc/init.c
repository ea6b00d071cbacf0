/* SPDX-License-Identifier: MIT
 * init.c -- process and thread lifecycle: the thread-local default heap,
 * thread data creation and teardown (abandoning what is still live), the
 * deferred-free heartbeat, fork handling, and sub-process handles.
 */
#include "internal.h"
#include <pthread.h>
#include <stdlib.h>   /* atexit */

/* ------------------------------------------------------------------------
   The static empty heap: every direct entry points at the empty page, so
   the malloc fast path needs no initialisation test; its NULL tld sends
   the first slow path here.
------------------------------------------------------------------------ */
const mi_heap_t _mi_heap_empty = {
  .pages_direct = { [0 ... MI_DIRECT_COUNT - 1] = (mi_page_t*)&_mi_page_empty },
  .tld = NULL,
};

mi_decl_tls mi_heap_t* _mi_heap_default = (mi_heap_t*)&_mi_heap_empty;
#if !defined(MI_TID_THREAD_POINTER)
mi_decl_tls uint64_t _mi_tid_anchor;   /* its address is the thread id (internal.h) */
#endif

static mi_atomic_t process_state;          /* 0: not initialised, 1: initialising, 2: done */
static pthread_key_t thread_key;
static mi_atomic_t thread_key_ready;
static mi_atomic_t deferred_fun;   /* published after deferred_arg (release) */
static mi_atomic_t deferred_arg;

static void thread_key_destructor(void* value);
static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

/* ------------------------------------------------------------------------
   Process
------------------------------------------------------------------------ */
void mi_process_init(void) {
  uintptr_t expected = 0;
  if (!mi_atomic_cas_acq_rel(&process_state, &expected, 1)) return;   /* done or in progress (a nested call) */
  _mi_os_init();
  _mi_process_cookie = _mi_random_cookie();
  if (pthread_key_create(&thread_key, &thread_key_destructor) == 0) mi_atomic_store_release(&thread_key_ready, 1);
  _mi_options_init();
  if (mi_option_is_enabled(mi_option_show_stats) || mi_option_is_enabled(mi_option_verbose)) _mi_os_stderr_keep();
  if (!mi_option_is_enabled(mi_option_allow_thp)) _mi_os_thp_disable(true);
  mi_atomic_store_release(&process_state, 2);
  pthread_atfork(&fork_prepare, &fork_parent, &fork_child);
  const size_t reserve = mi_option_get_size(mi_option_reserve_os_memory);
  if (reserve > 0) mi_reserve_os_memory(reserve, mi_option_is_enabled(mi_option_eager_commit), mi_option_is_enabled(mi_option_allow_large_os_pages));
  const long huge = mi_option_get(mi_option_reserve_huge_os_pages);
  if (huge > 0) {
    const long node = mi_option_get(mi_option_reserve_huge_os_pages_at);
    if (node >= 0) mi_reserve_huge_os_pages_at((size_t)huge, (int)node, (size_t)huge * 500);
    else mi_reserve_huge_os_pages_interleave((size_t)huge, 0, (size_t)huge * 500);
  }
  _mi_verbose_message("process initialised (secure %d, debug %d, segment %zu KiB, page %zu KiB)\n",
                      MI_SECURE, MI_DEBUG, MI_SEGMENT_SIZE / MI_KiB, MI_SLICE_SIZE / MI_KiB);
}

void mi_process_done(void) {
  static mi_atomic_t done;
  uintptr_t expected = 0;
  if (!mi_atomic_cas_acq_rel(&done, &expected, 1)) return;
  if (mi_option_is_enabled(mi_option_show_stats) || mi_option_is_enabled(mi_option_verbose)) {
    _mi_stats_print_exit();
  }
}

__attribute__((constructor(110))) static void mi_process_load(void) {
  mi_process_init();
}

__attribute__((destructor(110))) static void mi_process_unload(void) {
  mi_process_done();
}

/* ------------------------------------------------------------------------
   Threads
------------------------------------------------------------------------ */
void _mi_heap_link(mi_tld_t* tld, mi_heap_t* heap) {
  heap->tld = tld;
  heap->next = tld->heaps;
  tld->heaps = heap;
  mi_stat_add(&tld->stats, MI_STAT_HEAPS, 1);
}

void _mi_heap_unlink(mi_heap_t* heap) {
  mi_tld_t* tld = heap->tld;
  mi_heap_t** pp = &tld->heaps;
  while (*pp != NULL && *pp != heap) pp = &(*pp)->next;
  if (*pp == heap) *pp = heap->next;
  heap->next = NULL;
  if (_mi_heap_default == heap) _mi_heap_default = tld->heap_backing;
  mi_stat_add(&tld->stats, MI_STAT_HEAPS, -1);
}

mi_heap_t* _mi_thread_heap_init(void) {
  mi_heap_t* heap = _mi_heap_default;
  if (mi_heap_is_initialized(heap)) return heap;
  if (mi_atomic_load_acquire(&process_state) == 0) mi_process_init();
  mi_tld_t* tld = (mi_tld_t*)_mi_meta_zalloc(sizeof(mi_tld_t));
  if (tld == NULL) return NULL;
  tld->tid = _mi_thread_id();
  _mi_random_init(tld->rnd);
  long period = mi_option_get(mi_option_heartbeat_period);
  tld->heartbeat_countdown = (period <= 0 ? 1 : (size_t)period);
  tld->now_ms = _mi_os_clock_ms();
  heap = &tld->backing_storage;
  _mi_heap_queues_init(heap);
  heap->tld = tld;
  tld->heap_backing = heap;
  _mi_heap_link(tld, heap);
  _mi_stats_set_thread(&tld->stats);
  mi_stat_add(&tld->stats, MI_STAT_THREADS, 1);
  _mi_heap_default = heap;   /* before anything that may allocate (pthread_setspecific can) */
  if (mi_atomic_load_acquire(&thread_key_ready)) pthread_setspecific(thread_key, tld);
  return heap;
}

mi_tld_t* _mi_tld(void) {
  mi_heap_t* heap = _mi_heap_default;
  if (!mi_heap_is_initialized(heap)) heap = _mi_thread_heap_init();
  return (heap == NULL ? NULL : heap->tld);
}

/* Give up everything the thread owns: pages with live blocks are abandoned
   to other threads, empty memory goes back. */
static void thread_done(mi_tld_t* tld) {
  if (tld == NULL) return;
  if (_mi_heap_default->tld == tld) _mi_heap_default = tld->heap_backing;
  for (mi_heap_t* heap = tld->heaps; heap != NULL; heap = heap->next) {
    _mi_heap_pages_abandon(heap);
  }
  mi_heap_t* heap = tld->heaps;
  while (heap != NULL) {
    mi_heap_t* next = heap->next;
    mi_stat_add(&tld->stats, MI_STAT_HEAPS, -1);
    if (heap != tld->heap_backing) _mi_meta_free(heap, sizeof(mi_heap_t));
    heap = next;
  }
  tld->heaps = NULL;
  while (tld->segments != NULL) _mi_segment_abandon(tld, tld->segments);
  mi_stat_add(&tld->stats, MI_STAT_THREADS, -1);
  _mi_stats_merge_thread(&tld->stats);
  _mi_stats_set_thread(NULL);
  _mi_heap_default = (mi_heap_t*)&_mi_heap_empty;
  _mi_meta_free(tld, sizeof(mi_tld_t));
}

static void thread_key_destructor(void* value) {
  thread_done((mi_tld_t*)value);
}

void mi_thread_init(void) {
  (void)_mi_thread_heap_init();
}

void mi_thread_done(void) {
  mi_heap_t* heap = _mi_heap_default;
  if (!mi_heap_is_initialized(heap)) return;
  mi_tld_t* tld = heap->tld;
  if (mi_atomic_load_acquire(&thread_key_ready)) pthread_setspecific(thread_key, NULL);
  thread_done(tld);
}

void mi_thread_set_in_threadpool(void) {
  /* a hint only: thread-pool threads behave like any other here */
}

/* ------------------------------------------------------------------------
   Deferred free: the runtime's heartbeat
------------------------------------------------------------------------ */
void mi_register_deferred_free(mi_deferred_free_fun* fn, void* arg) {
  mi_atomic_store_ptr_relaxed(&deferred_arg, arg);
  mi_atomic_store_ptr_release(&deferred_fun, fn);
}

void _mi_deferred_free(mi_heap_t* heap, bool force) {
  mi_tld_t* tld = heap->tld;
  if (tld == NULL || tld->recurse) return;
  mi_deferred_free_fun* fn = mi_atomic_load_ptr_acquire(mi_deferred_free_fun, &deferred_fun);
  if (fn == NULL && !_mi_deferred_free_any()) return;
  tld->recurse = true;
  tld->heartbeat++;
  mi_counter_add(&tld->stats, MI_CTR_HEARTBEATS, 1);
  if (fn != NULL) fn(force, tld->heartbeat, mi_atomic_load_ptr_relaxed(void, &deferred_arg));
  _mi_deferred_free_run(force, tld->heartbeat);   /* deferred.c: the added callbacks */
  tld->recurse = false;
}

/* ------------------------------------------------------------------------
   fork: hold every allocator lock across fork() so the child never inherits
   one held by a thread that does not exist there.  A single-threaded
   process (which may fork from a signal handler) takes none; the child
   re-initialises them in any case.
------------------------------------------------------------------------ */
static bool fork_locked;

static void fork_prepare(void) {
  fork_locked = !_mi_os_is_single_threaded();
  if (!fork_locked) return;
  _mi_arenas_lock_prefork(true);
  _mi_abandoned_lock_prefork(true);
  _mi_segments_lock_prefork(true);
  _mi_meta_lock_prefork(true);
}

static void fork_parent(void) {
  if (!fork_locked) return;
  _mi_meta_lock_prefork(false);
  _mi_segments_lock_prefork(false);
  _mi_abandoned_lock_prefork(false);
  _mi_arenas_lock_prefork(false);
}

static void fork_child(void) {
  _mi_meta_reinit_child();
  _mi_segments_reinit_child();
  _mi_abandoned_reinit_child();
  _mi_arenas_reinit_child();
  _mi_stats_reinit_child();
  fork_locked = false;
}

/* ------------------------------------------------------------------------
   Sub-processes: threads of a sub-process reclaim only the memory that
   threads of the same sub-process abandoned (CPython uses one per
   sub-interpreter).
------------------------------------------------------------------------ */
typedef struct mi_subproc_s { uintptr_t magic; } mi_subproc_t;
#define MI_SUBPROC_MAGIC ((uintptr_t)0x5355425052430001ULL)
static mi_subproc_t subproc_main = { MI_SUBPROC_MAGIC };

mi_subproc_id_t mi_subproc_main(void) {
  return &subproc_main;
}

mi_subproc_id_t mi_subproc_new(void) {
  mi_subproc_t* s = (mi_subproc_t*)_mi_meta_zalloc(sizeof(mi_subproc_t));
  if (s != NULL) s->magic = MI_SUBPROC_MAGIC;
  return s;
}

void mi_subproc_delete(mi_subproc_id_t subproc) {
  mi_subproc_t* s = (mi_subproc_t*)subproc;
  if (s == NULL || s == &subproc_main || s->magic != MI_SUBPROC_MAGIC) return;
  _mi_segment_abandoned_reassign(s, NULL);   /* its abandoned memory stays valid, now in the main one */
  s->magic = 0;
  _mi_meta_free(s, sizeof(mi_subproc_t));
}

/* Before the thread's first allocation: it then reclaims only memory
   abandoned by threads of the same sub-process. */
void mi_subproc_add_current_thread(mi_subproc_id_t subproc) {
  mi_subproc_t* s = (mi_subproc_t*)subproc;
  if (s == NULL || s->magic != MI_SUBPROC_MAGIC) return;
  mi_tld_t* tld = _mi_tld();
  if (tld == NULL) return;
  if (tld->segments != NULL) {
    _mi_warning_message("mi_subproc_add_current_thread: the thread has allocated already; its memory stays in its sub-process\n");
  }
  tld->subproc = (s == &subproc_main ? NULL : s);
}
