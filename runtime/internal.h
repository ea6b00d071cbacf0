/* SPDX-License-Identifier: MIT */
/* internal.h -- runtime/ private interface: _rt_ prototypes grouped by file. */
#ifndef MIRT_RT_INTERNAL_H
#define MIRT_RT_INTERNAL_H

#include "mirt/runtime.h"
#include "rc/internal.h"

/* "thread.c" */
extern rt_config_t _rt_config;                                     /* in force since rt_init */
void _rt_stats_add(rc_stats_t* into, const rc_stats_t* from);      /* sum counters, keep maxima */

/* "heartbeat.c" */
void _rt_heartbeat(bool force, unsigned long long heartbeat, void* arg); /* the deferred-free hook */

/* "task.c" */
void _rt_task_end_all(rc_ctx_t* ctx);                              /* end every open task (detach) */

#endif /* MIRT_RT_INTERNAL_H */
