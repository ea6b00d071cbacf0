/* SPDX-License-Identifier: MIT
 * abandon.c -- segments without an owner thread, and the purge pass over
 * all segments.
 *
 * A thread that exits with live blocks abandons its segments to one
 * process-wide list; other threads reclaim them when they need pages (their
 * resident free memory first: page.c) or when a remote free finds a page of
 * one empty.  Abandoned segments keep their free slices' purge deadlines:
 * nothing is purged because a thread exited.  The purge pass runs over the
 * abandoned list, the cache of empty segments and the calling thread's
 * segments under one purge.c pass (one limit, one budget).  This file sits
 * above segment.c and calls only it and the ground floor.
 */
#include "internal.h"
#include <pthread.h>

static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;
static mi_segment_t* abandoned_list;
static mi_atomic_t abandoned_count;
static mi_atomic_t abandoned_purge_due;   /* earliest purge deadline among abandoned segments (0: none) */

static void abandoned_note_purge(uint64_t expire) {
  _mi_segment_due_note(&abandoned_purge_due, expire);
}

/* The bins in which the segment has a page with room for another block
   (free blocks or blocks not yet threaded).  Read as it goes on the list:
   remote frees afterwards only add room that the next owner finds. */
_Static_assert(MI_BIN_LARGE <= 64, "room_bins holds a bit per small/medium bin");
static uint64_t segment_room_bins(const mi_segment_t* seg) {
  if (seg->kind != MI_SEGMENT_NORMAL) return 0;
  uint64_t bins = 0;
  for (size_t idx = MI_SEGMENT_FIRST_SLICE; idx < MI_SLICE_COUNT; ) {
    const mi_page_t* page = _mi_segment_slice(seg, idx);
    if (page->block_size == 0 || mi_page_is_cont(page)) { idx++; continue; }
    if (page->bin < MI_BIN_LARGE && (page->free != NULL || page->local_free != NULL || page->capacity < page->reserved)) {
      bins |= (uint64_t)1 << page->bin;
    }
    idx += page->slice_count;
  }
  return bins;
}

/* Put a segment with live blocks on the abandoned list (any thread may take it then). */
static void abandoned_push(mi_segment_t* seg) {
  seg->room_bins = segment_room_bins(seg);
  pthread_mutex_lock(&abandoned_lock);
  seg->tld = NULL;
  seg->prev = NULL;
  seg->next = abandoned_list;
  if (abandoned_list != NULL) abandoned_list->prev = seg;
  abandoned_list = seg;
  mi_atomic_add_relaxed(&abandoned_count, 1);
  const uint64_t expire = seg->purge_expire;   /* read before unlocking: then the segment is others' */
  pthread_mutex_unlock(&abandoned_lock);
  abandoned_note_purge(expire);
}

/* ------------------------------------------------------------------------
   The purge pass
------------------------------------------------------------------------ */
void _mi_segments_purge(mi_tld_t* tld, bool force, bool bounded) {
  const uint64_t now = _mi_os_clock_ms();
  tld->now_ms = now;
  mi_purge_pass_t pass;
  _mi_purge_pass_begin(&pass, now, force, bounded);
  _mi_segment_list_purge(&abandoned_lock, &abandoned_list, &abandoned_purge_due, &pass);
  _mi_segments_purge_cached(&pass);
  _mi_segments_purge_owned(tld, &pass);
}

/* ------------------------------------------------------------------------
   Abandonment and reclaim
------------------------------------------------------------------------ */
/* The owner gives the segment up: its pages hold live blocks (or it is empty). */
void _mi_segment_abandon(mi_tld_t* tld, mi_segment_t* seg) {
  _mi_segment_tld_remove(tld, seg);
  if (seg->used_pages == 0) {
    _mi_segment_release_empty(seg);
    return;
  }
  /* dirty slices keep their deadlines: a reclaiming thread takes them
     first, or any thread's purge pass (_mi_segments_purge) purges them when due */
  mi_counter_add(&tld->stats, MI_CTR_SEGMENTS_ABANDONED, 1);
  abandoned_push(seg);
}

/* A segment just taken off the list joins `tld`. */
static void abandoned_adopt(mi_tld_t* tld, mi_segment_t* seg) {
  _mi_segment_tld_push(tld, seg);
  mi_counter_add(&tld->stats, MI_CTR_SEGMENTS_RECLAIMED, 1);
}

static void abandoned_unlink(mi_segment_t* seg) {
  if (seg->prev != NULL) seg->prev->next = seg->next; else abandoned_list = seg->next;
  if (seg->next != NULL) seg->next->prev = seg->prev;
  seg->next = seg->prev = NULL;
  mi_atomic_add_relaxed(&abandoned_count, -1);
}

size_t _mi_segment_abandoned_count(void) {
  return (size_t)mi_atomic_load_relaxed(&abandoned_count);
}

/* Does the abandoned segment offer what the reclaiming thread wants? */
static bool abandoned_fits(const mi_segment_t* seg, const mi_reclaim_want_t* want) {
  if (want == NULL) return true;
  if (want->bin > 0) return (seg->room_bins >> want->bin) & 1;
  if (want->slices > 0) return _mi_segment_has_resident_span(seg, want->slices, want->align);
  return true;
}

/* Take into `tld` the newest abandoned segment that fits `want` (NULL: any),
   looking at no more than MI_RECLAIM_SCAN of them; NULL if none.  A thread
   takes only what it needs: the rest stays for the others. */
#define MI_RECLAIM_SCAN 32
mi_segment_t* _mi_segment_reclaim_take(mi_tld_t* tld, const mi_reclaim_want_t* want) {
  if (mi_atomic_load_relaxed(&abandoned_count) == 0) return NULL;
  pthread_mutex_lock(&abandoned_lock);
  mi_segment_t* seg = abandoned_list;
  for (size_t scanned = 0; seg != NULL; seg = seg->next) {
    if (seg->subproc != tld->subproc) continue;   /* never across sub-processes */
    if (abandoned_fits(seg, want)) break;
    if (++scanned >= MI_RECLAIM_SCAN) { seg = NULL; break; }
  }
  if (seg != NULL) abandoned_unlink(seg);
  pthread_mutex_unlock(&abandoned_lock);
  if (seg == NULL) return NULL;
  abandoned_adopt(tld, seg);
  return seg;
}

/* Take a specific segment if it is still abandoned (tld NULL: keep it unowned). */
bool _mi_segment_take_abandoned(mi_segment_t* seg, mi_tld_t* tld) {
  if (pthread_mutex_trylock(&abandoned_lock) != 0) return false;
  bool found = false;
  if (seg->tld == NULL && _mi_segment_is_valid_header(seg)) {
    for (mi_segment_t* s = abandoned_list; s != NULL; s = s->next) {
      if (s == seg) { found = true; break; }
    }
    if (found) abandoned_unlink(seg);
  }
  pthread_mutex_unlock(&abandoned_lock);
  if (found && tld != NULL) abandoned_adopt(tld, seg);
  return found;
}

/* Return a segment taken without an owner to the abandoned list, or free it if empty. */
void _mi_segment_release_abandoned(mi_segment_t* seg) {
  if (seg->used_pages == 0) {
    _mi_segment_release_empty(seg);
    return;
  }
  abandoned_push(seg);
}

/* A deleted sub-process: its abandoned memory goes to the main one. */
void _mi_segment_abandoned_reassign(void* from, void* to) {
  pthread_mutex_lock(&abandoned_lock);
  for (mi_segment_t* s = abandoned_list; s != NULL; s = s->next) {
    if (s->subproc == from) s->subproc = to;
  }
  pthread_mutex_unlock(&abandoned_lock);
}

/* Visit abandoned segments under the lock (for mi_abandoned_visit_blocks
   and statistics); `subproc` selects one sub-process, MI_SUBPROC_ANY all. */
void _mi_segment_abandoned_visit(void* subproc, bool (*fun)(mi_segment_t* seg, void* arg), void* arg) {
  pthread_mutex_lock(&abandoned_lock);
  for (mi_segment_t* s = abandoned_list; s != NULL; s = s->next) {
    if (subproc != MI_SUBPROC_ANY && s->subproc != subproc) continue;
    if (!fun(s, arg)) break;
  }
  pthread_mutex_unlock(&abandoned_lock);
}

/* ------------------------------------------------------------------------
   fork
------------------------------------------------------------------------ */
void _mi_abandoned_lock_prefork(bool lock) {
  if (lock) pthread_mutex_lock(&abandoned_lock);
  else pthread_mutex_unlock(&abandoned_lock);
}

void _mi_abandoned_reinit_child(void) {
  pthread_mutex_init(&abandoned_lock, NULL);
}
