/* What the files of the view layer share. */

#ifndef LEAD_VIEW_H
#define LEAD_VIEW_H

#include "lead.h"

lead_arena *lead_arena_new(void);
void lead_arena_free(lead_arena *a);

/* 1 once a copy could not be made for want of memory. */
int lead_arena_oom(const lead_arena *a);

/* A copy of s in the arena, or an empty string once it is out of memory. */
lead_str lead_arena_str(lead_arena *a, const char *s, size_t len);
lead_str lead_arena_copy(lead_arena *a, lead_str v);

/* A lead as every list shows it, from its person and score. */
void lead_row_fill(lead_row *row, const lead_rules *r, const lead_person *p,
    const lead_score *sc);

/* The row's strings, copied out of the snapshot into the arena. */
void lead_row_keep(lead_arena *a, lead_row *row, const lead_score *sc,
    const lead_asset_list *titles);

/* The title of an asset of the list, or NULL. */
const char *lead_asset_title(const lead_asset_list *l, uint64_t id);

#endif /* LEAD_VIEW_H */
