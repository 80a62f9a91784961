/* The attribution page's two answers from one walk of the log. */

#include <stddef.h>

#include "lead.h"
#include "lead_feedback.h"
#include "lead_store.h"
#include "lead_view.h"

typedef struct {
    lead_store        *s;
    const lead_rules  *r;
    int                by, model;
    uint64_t           since_ms, now_ms;
    lead_attribution  *a;
} page_walk;

/* Attribution's walk, its feedback events handed to the ratings'. */
static int
walk(void *arg, lead_event_fn keep, void *c)
{
    page_walk  *w = arg;

    return lead_query_attribution_also(w->s, w->r, w->by, w->model,
                                       w->since_ms, w->now_ms, keep, c,
                                       w->a);
}

int
lead_query_attribution_feedback(lead_store *s, const lead_rules *r, int by,
    int model, uint64_t since_ms, uint64_t now_ms, size_t max,
    lead_attribution *a, lead_feedback_list *f)
{
    page_walk  w = { s, r, by, model, since_ms, now_ms, a };
    int        rc;

    /* apart, the ratings walked the whole log again for a few events */
    rc = lead_query_feedback_walk(s, 0, max, f, walk, &w);
    if (rc != LEAD_OK && a->arena != NULL) {
        lead_attribution_free(a);          /* made before the ratings failed */
    }
    return rc;
}
