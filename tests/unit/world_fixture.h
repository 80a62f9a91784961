/*
 * A store and two texts of the same rules, for tests that compare what
 * the fold keeps with a full scan (the second text is not the one the
 * kept scores were made with, so lists read with it scan every event).
 * The including file sets WORLD_ID_BYTE, the bytes of its visitor ids,
 * and makes the world (setup_world): its rules are its own.
 */

#include "dir_fixture.h"

typedef struct {
    void        *dir;
    lead_store  *s;
    lead_rules  *kept;        /* the rules the fold uses */
    lead_rules  *scan;        /* the same, another text: a full scan */
    uint64_t     rng;
} world;

static uint64_t
rnd(world *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}

/* visitor v's id */
static void
visitor_id(uint8_t id[LEAD_ID_LEN], unsigned v)
{
    memset(id, WORLD_ID_BYTE, LEAD_ID_LEN);
    id[0] = (uint8_t) v;
}

static int
teardown_world(void **state)
{
    world  *w = *state;
    int     rc;

    lead_rules_free(w->kept);
    lead_rules_free(w->scan);
    lead_store_close(w->s);
    rc = teardown(&w->dir);
    free(w);
    return rc;
}

/* everything stored folded in, up to until */
static void
fold_all(world *w, uint64_t until)
{
    int  more;

    do {
        assert_int_equal(lead_store_fold(w->s, w->kept, until, 10000, NULL,
                                         NULL, &more), LEAD_OK);
    } while (more);
}
