/* SPDX-License-Identifier: MIT
 * pagecheck.c -- reading pages without changing them: live block counts for
 * statistics and the consistency checks (mi_heap_check, debug builds).
 */
#include "internal.h"

/* ------------------------------------------------------------------------
   Live blocks (statistics): allocated = used - |free| - |remote frees|
------------------------------------------------------------------------ */
size_t _mi_page_list_count(const mi_page_t* page, const mi_block_t* b) {
  size_t n = 0;
  for (; b != NULL && n <= page->capacity && mi_page_contains(page, b); b = mi_block_nextx(page, b)) n++;
  return n;
}

void _mi_live_add(mi_live_t* live, const mi_page_t* page, size_t n) {
  live->blocks += n;
  if (page->kind <= MI_PAGE_MEDIUM) live->normal_bytes += n * page->block_size;
  else live->huge_bytes += n * page->block_size;
}

/* Count the pages of a segment nobody owns (abandoned; the caller holds the
   abandoned lock): remote frees are counted from a snapshot, not taken. */
void _mi_segment_live_count(mi_segment_t* seg, mi_live_t* live) {
  size_t idx = MI_SEGMENT_FIRST_SLICE;
  while (idx < MI_SLICE_COUNT) {
    mi_page_t* page = _mi_segment_slice(seg, idx);
    if (page->block_size == 0 || mi_page_is_cont(page)) { idx++; continue; }
    const mi_block_t* tf = (const mi_block_t*)(mi_atomic_load_acquire(&page->xthread_free) & ~MI_NOTIFY_MASK);
    const size_t gone = _mi_page_list_count(page, page->free) + _mi_page_list_count(page, tf);
    if (page->used > gone) _mi_live_add(live, page, page->used - gone);
    if (seg->kind == MI_SEGMENT_HUGE) break;
    idx += page->slice_count;
  }
}

/* ------------------------------------------------------------------------
   Consistency checks (mi_heap_check, and after slow-path steps in debug
   builds).  Exact invariants: every listed block lies in its page on a
   block boundary below the capacity, no list loops, and
   used + |local_free| == capacity (used counts the rest).
------------------------------------------------------------------------ */
static bool check_list(const mi_page_t* page, const mi_block_t* b, size_t* count, const char* which, const char* op) {
  size_t n = 0;
  while (b != NULL) {
    const size_t ofs = (size_t)((const uint8_t*)b - page->page_start);
    if (!mi_page_contains(page, b) || ofs % page->block_size != 0 || ofs / page->block_size >= page->capacity) {
      _mi_error_message(EFAULT, "error: %s: corrupted free list of page %p (block %zu B): %s list holds %p\n",
                        op, (const void*)page, page->block_size, which, (const void*)b);
      return false;
    }
    if (++n > page->capacity) {
      _mi_error_message(EFAULT, "error: %s: corrupted free list of page %p (block %zu B): %s list loops\n",
                        op, (const void*)page, page->block_size, which);
      return false;
    }
    b = mi_block_nextx(page, b);
  }
  *count = n;
  return true;
}

bool _mi_page_check(const mi_page_t* page, const mi_heap_t* heap, const char* op) {
  size_t nfree = 0, nlocal = 0, nthread = 0;
  const mi_block_t* tf = (const mi_block_t*)(mi_atomic_load_acquire(&page->xthread_free) & ~MI_NOTIFY_MASK);
  bool ok = check_list(page, page->free, &nfree, "free", op) && check_list(page, page->local_free, &nlocal, "local", op) &&
            check_list(page, tf, &nthread, "thread", op);
  if (!ok) return false;
  const char* why = NULL;
  if (page->heap != heap) why = "page of another heap in the queues";
  else if (page->block_size == 0 || page->capacity > page->reserved) why = "capacity above reserved";
  else if ((size_t)page->used + nlocal != page->capacity) why = "used + local_free != capacity";
  else if (page->used < nfree) why = "used below the free list";
  else if (_mi_page_tid(page) != heap->tld->tid) why = "owner id is not the heap's thread";
  else if (!mi_page_contains(page, page->page_start)) why = "page start outside the page";
  if (why != NULL) {
    _mi_error_message(EFAULT, "error: %s: corrupted metadata of page %p (block %zu B): %s (used %u, capacity %u, reserved %u, free %zu, local %zu)\n",
                      op, (const void*)page, page->block_size, why, page->used, page->capacity, page->reserved, nfree, nlocal);
    return false;
  }
  return true;
}

/* Queues: links consistent both ways, pages in the right queue, full pages flagged. */
bool _mi_heap_check_pages(const mi_heap_t* heap) {
  size_t pages = 0;
  for (size_t bin = 1; bin < MI_BIN_COUNT; bin++) {
    const mi_page_queue_t* pq = &heap->pages[bin];
    const mi_page_t* prev = NULL;
    for (const mi_page_t* page = pq->first; page != NULL; prev = page, page = page->next) {
      const bool full = (mi_page_xowner(page) & MI_PAGE_IN_FULL) != 0;
      if (page->prev != prev || (bin == MI_BIN_FULL) != full || (bin != MI_BIN_FULL && page->bin != bin) || ++pages > heap->page_count) {
        _mi_error_message(EFAULT, "error: check: corrupted metadata of heap %p: queue %zu is broken at page %p\n", (const void*)heap, bin, (const void*)page);
        return false;
      }
      if (!_mi_page_check(page, heap, "check")) return false;
    }
    if (pq->last != prev) {
      _mi_error_message(EFAULT, "error: check: corrupted metadata of heap %p: queue %zu ends at %p, not %p\n", (const void*)heap, bin, (const void*)pq->last, (const void*)prev);
      return false;
    }
  }
  if (pages != heap->page_count) {
    _mi_error_message(EFAULT, "error: check: corrupted metadata of heap %p: %zu pages in the queues, %zu counted\n", (const void*)heap, pages, heap->page_count);
    return false;
  }
  for (size_t i = 0; i < MI_DIRECT_COUNT; i++) {
    const mi_page_t* d = heap->pages_direct[i];
    const size_t bin = _mi_bin(i == 0 ? 1 : i * 16);
    if (d != &_mi_page_empty && d != heap->pages[bin].first) {
      _mi_error_message(EFAULT, "error: check: corrupted metadata of heap %p: direct entry %zu is stale\n", (const void*)heap, i);
      return false;
    }
  }
  return true;
}
