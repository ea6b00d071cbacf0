/* SPDX-License-Identifier: MIT */
/* stack.c -- an explicit stack of (object, next field) frames in chunks, for marking and export without recursion. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"

#define RC_CHUNK_FRAMES 1022   /* a chunk is 16 KiB */

struct _rc_chunk_s {
  _rc_chunk_t* prev;
  size_t       pad;
  _rc_frame_t  frames[RC_CHUNK_FRAMES];
};

void _rc_stack_init(_rc_stack_t* s) {
  s->chunk = NULL;
  s->top = 0;
  s->spare = NULL;
  s->depth = 0;
  s->max_depth = 0;
}

bool _rc_stack_push(_rc_stack_t* s, rc_obj_t* o) {
  if (s->chunk == NULL || s->top == RC_CHUNK_FRAMES) {
    /* Chunks come from the default heap, never from a runtime heap whose
       blocks are all objects (task arenas are scanned block by block). */
    _rc_chunk_t* c = s->spare;
    if (c != NULL) s->spare = NULL;
    else c = (_rc_chunk_t*)mi_malloc(sizeof(_rc_chunk_t));
    if (c == NULL) return false;
    c->prev = s->chunk;
    s->chunk = c;
    s->top = 0;
  }
  _rc_frame_t* f = &s->chunk->frames[s->top++];
  f->obj = o;
  f->next = SIZE_MAX;   /* "not started" */
  if (++s->depth > s->max_depth) s->max_depth = s->depth;
  return true;
}

_rc_frame_t* _rc_stack_top(_rc_stack_t* s) {
  if (s->chunk == NULL || s->top == 0) return NULL;
  return &s->chunk->frames[s->top - 1];
}

void _rc_stack_pop(_rc_stack_t* s) {
  s->top--;
  s->depth--;
  if (s->top == 0 && s->chunk->prev != NULL) {
    _rc_chunk_t* c = s->chunk;
    s->chunk = c->prev;
    s->top = RC_CHUNK_FRAMES;
    if (s->spare != NULL) mi_free(s->spare);
    s->spare = c;
  }
}

void _rc_stack_free(_rc_stack_t* s) {
  while (s->chunk != NULL) {
    _rc_chunk_t* c = s->chunk;
    s->chunk = c->prev;
    mi_free(c);
  }
  if (s->spare != NULL) mi_free(s->spare);
  _rc_stack_init(s);
}
