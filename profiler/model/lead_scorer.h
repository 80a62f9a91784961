/*
 * The scorer's state, shared by the files that score with it (its events
 * in lead_score.c, its result in lead_score_result.c): no one else's.
 */

#ifndef LEAD_SCORER_H
#define LEAD_SCORER_H

#include "lead_model.h"

#define MAX_READS   16      /* 0.5^15: later reads are counted, not scored */
#define MAX_COVER   16      /* byte intervals kept per asset */

typedef struct {
    uint64_t    id;
    char        stage[LEAD_NAME_MAX + 1];
    char        topic[LEAD_NAME_MAX + 1];
    char        group[LEAD_NAME_MAX + 1];
    int         stage_index;
    int         hot;
    unsigned    reads;
    uint64_t    events;
    uint64_t    first_ms, last_ms, last_read_ms;
    uint64_t    file_size;
    int         full;
    unsigned    ncover;
    uint64_t    rated_ms;       /* the newest rating's time; 0: none */
    uint8_t     rating;         /* and its value, 1..5 */
    /* read only below reads and ncover: a new asset leaves them as is */
    uint64_t    read_ms[MAX_READS];
    int32_t     read_points[MAX_READS];
    lead_range  cover[MAX_COVER];
} asset_state;

/* A warm_after group: the distinct paths read under its rows till won. */
typedef struct {
    uint64_t    won_ms;     /* 0: not yet */
    uint64_t   *paths;      /* hashes of the paths read, until won */
    unsigned    npaths, cap;
} group_state;

struct lead_scorer {
    const lead_scoring  *sc;
    asset_state         *assets;
    size_t               nassets, cap;
    group_state         *groups;
    uint64_t             since_ms;
    uint64_t             trigger_ms;
    uint64_t             trigger_asset;
    char                 trigger[LEAD_CAUSE_MAX];
    char                 countries[4][LEAD_COUNTRY_LEN];
    unsigned             ncountries;
    double               bound;         /* see raise_bound */
    uint64_t             bound_ms;
};


double lead_asset_depth(const asset_state *a);
double lead_asset_score(const lead_scoring *sc, const asset_state *a,
    uint64_t now_ms);
double lead_rated_score(const lead_scoring *sc, const asset_state *a,
    uint64_t now_ms);
double lead_group_score(const lead_scorer *s, unsigned i, uint64_t now_ms);

#endif /* LEAD_SCORER_H */
