/*
 * A fresh store for each test of test_status.c and test_promote.c, leads
 * made and moved in it, and the transitions they leave as read back.
 * Visitors are ids of one repeated byte, so a table can name them with a
 * character.
 *
 * Functions are static inline so a file that uses only some of them does
 * not trip -Wunused-function.
 */

#ifndef STATUS_FIXTURE_H
#define STATUS_FIXTURE_H

#include "unit.h"
#include "dir_fixture.h"
#include "claim_fixture.h"

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#define SEC     UINT64_C(1000)
#define MIN     (60 * SEC)
#define HOUR    (60 * MIN)
#define DAY     (24 * HOUR)
#define T0      UINT64_C(1700000000000)     /* a realistic "now" */
#define SIZE    UINT64_C(1000)              /* bytes of a test file */
#define HEADER  "path,title,stage,points,topic,flags\n"

enum {
    ANON = LEAD_STATUS_ANONYMOUS,
    IDENT = LEAD_STATUS_IDENTIFIED,
    MQL = LEAD_STATUS_MQL,
    SAL = LEAD_STATUS_SAL,
    SQL = LEAD_STATUS_SQL,
    WON = LEAD_STATUS_WON,
    NURTURE = LEAD_STATUS_NURTURE,
    LOST = LEAD_STATUS_LOST
};

/* ---- a fresh store ----------------------------------------------------- */

static inline lead_store *
open_store(void **state)
{
    lead_store_opts  opts = { 0, 0, 0, 0 };

    return unit_store_open(dir_of(state), &opts);
}

static inline void
visitor_id(uint8_t id[LEAD_ID_LEN], char who)
{
    memset(id, who, LEAD_ID_LEN);
}

/* ---- leads ------------------------------------------------------------- */

/*
 * A good form from visitor who; with contact, promoted as the module does
 * after a form (asking for a call makes an MQL there).  Returns the lead.
 */
static inline void
identify(lead_store *s, char who, const char *email, int contact,
    uint64_t now_ms, uint8_t lead[LEAD_ID_LEN], int want_created)
{
    static const char  header[] = "path,title,stage,points,topic,flags\n";
    lead_form          form;
    lead_rules        *r;
    uint8_t            visitor[LEAD_ID_LEN];
    char               err[256];
    int                created = -1, rc;

    memset(&form, 0, sizeof(form));
    rc = lead_email_normalize(email, strlen(email), form.email);
    assert_true(rc > 0);
    form.email_len = (size_t) rc;
    memcpy(form.name, "Someone", 7);
    form.name_len = 7;
    form.ret[0] = '/';
    form.ret_len = 1;
    form.contact = contact;

    visitor_id(visitor, who);
    rc = lead_store_identify(s, visitor, &form, NULL, 0, now_ms, lead,
                             &created);
    if (rc != LEAD_OK) {
        fail_msg("identify %s: %d (%s)", email, rc, lead_store_errmsg(s));
    }
    /* another device of a known lead: its person confirms the claim */
    if (!want_created && (created == LEAD_IDENT_NOTIFY
                          || created == LEAD_IDENT_CLAIMED))
    {
        assert_int_equal(claim_confirm(s, visitor, lead, now_ms), LEAD_OK);
        created = 0;
    }
    assert_int_equal(created, want_created);

    if (!contact) {
        return;             /* the promotion tests promote by themselves */
    }

    assert_int_equal(lead_rules_parse(&r, "rules", "", 0, header,
                                      sizeof(header) - 1, err, sizeof(err)),
                     LEAD_OK);
    assert_int_equal(lead_store_promote_lead(s, r, lead, now_ms, NULL, NULL),
                     LEAD_OK);
    lead_rules_free(r);
}

static inline void
set_status_ok(lead_store *s, const uint8_t lead[LEAD_ID_LEN], int to,
    uint64_t now_ms, const char *cause, const char *who, const char *reason)
{
    int  rc;

    rc = lead_store_set_status(s, lead, to, now_ms, cause, who, reason);
    if (rc != LEAD_OK) {
        fail_msg("set_status %s: %d (%s)", lead_status_name(to), rc,
                 lead_store_errmsg(s));
    }
}

static inline void
expect_status(lead_store *s, const uint8_t lead[LEAD_ID_LEN], int want,
    uint64_t want_since)
{
    uint64_t  since = 0;
    int       status = -1;

    assert_int_equal(lead_store_get_status(s, lead, &status, &since),
                     LEAD_OK);
    if (status != want || since != want_since) {
        fail_msg("status %s since %llu, want %s since %llu",
                 lead_status_name(status), (unsigned long long) since,
                 lead_status_name(want), (unsigned long long) want_since);
    }
}

/* ---- transitions as read back ------------------------------------------ */

typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    uint64_t  time_ms;
    int       from, to;
    char      cause[LEAD_CAUSE_MAX + 1];
    char      who[LEAD_WHO_MAX + 1];
    char      reason[LEAD_REASON_MAX + 1];
} step;

typedef struct {
    step    s[24];
    size_t  n;
} history;

static inline void
copy_str(char *out, size_t size, lead_str s)
{
    assert_true(s.len < size);
    if (s.len) {
        memcpy(out, s.data, s.len);
    }
    out[s.len] = '\0';
}

static inline int
collect_step(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    history  *h = arg;
    step     *st;

    assert_true(h->n < N_ELEMS(h->s));
    st = &h->s[h->n++];
    memset(st, 0, sizeof(*st));         /* whole steps compare as memory */
    memcpy(st->lead, lead_id, LEAD_ID_LEN);
    st->time_ms = t->time_ms;
    st->from = t->from;
    st->to = t->to;
    copy_str(st->cause, sizeof(st->cause), t->cause);
    copy_str(st->who, sizeof(st->who), t->who);
    copy_str(st->reason, sizeof(st->reason), t->reason);
    return 0;
}

/* One lead's transitions, or every lead's (lead NULL). */
static inline void
read_history(lead_store *s, const uint8_t *lead, history *h)
{
    h->n = 0;
    assert_int_equal(lead_store_each_transition(s, lead, collect_step, h),
                     LEAD_OK);
}

static inline size_t
count_all(lead_store *s)
{
    static history  h;          /* 18 KB: off the stack */

    read_history(s, NULL, &h);
    return h.n;
}

/* A transition as a test expects it; times are offsets from T0. */
typedef struct {
    uint64_t     dt;
    int          from, to;
    const char  *cause, *who, *reason;
} want_step;

static inline void
dump_history(const history *h)
{
    size_t  i;

    for (i = 0; i < h->n; i++) {
        print_message("step %zu: T0+%llu %s -> %s [%s] [%s] [%s]\n", i,
                      (unsigned long long) (h->s[i].time_ms - T0),
                      lead_status_name(h->s[i].from),
                      lead_status_name(h->s[i].to), h->s[i].cause,
                      h->s[i].who, h->s[i].reason);
    }
}

/* The transitions in h are exactly want[], in that order. */
static inline void
expect_steps(const history *h, const want_step *want, size_t n)
{
    const step  *g;
    size_t       i;

    for (i = 0; i < n || i < h->n; i++) {
        g = &h->s[i];
        if (i >= n || i >= h->n || g->time_ms != T0 + want[i].dt
            || g->from != want[i].from || g->to != want[i].to
            || strcmp(g->cause, want[i].cause) != 0
            || strcmp(g->who, want[i].who) != 0
            || strcmp(g->reason, want[i].reason) != 0)
        {
            dump_history(h);
            fail_msg("transition %zu of %zu differs (want %zu)", i, h->n, n);
        }
    }
}

static inline void
expect_history(lead_store *s, const uint8_t lead[LEAD_ID_LEN],
    const want_step *want, size_t n)
{
    history  h;

    read_history(s, lead, &h);
    expect_steps(&h, want, n);
}

/* Not static: a cause may be one the test read back. */
#define EXPECT_HISTORY(s, lead, ...)                                          \
    do {                                                                      \
        const want_step  w_[] = { __VA_ARGS__ };                              \
        expect_history(s, lead, w_, N_ELEMS(w_));                             \
    } while (0)

#define FORM(dt)  { dt, ANON, IDENT, "filled the form", "", "" }
#define CALL(dt)  { dt, IDENT, MQL, "asked to be contacted", "", "" }

#endif /* STATUS_FIXTURE_H */
