/*
 * What leadctl and the bench set of the library and the module never
 * does: threads of their own for a full re-score (the module's work runs
 * in its thread pool, one thread a task).  lead.h is the rest of the API.
 */

#ifndef LEAD_THREADS_H
#define LEAD_THREADS_H

#include "lead.h"

/* Threads a full re-score of every lead may use: 1 (the default) or 2;
   either scores every lead the same, bit for bit. */
void lead_store_score_threads(lead_store *s, unsigned n);

#endif /* LEAD_THREADS_H */
