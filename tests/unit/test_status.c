#include "unit.h"

#include <dirent.h>
#include <math.h>
#include <unistd.h>

/*
 * Lead statuses (lead_status.c) and promotion to mql (lead_leads.c): the
 * transition table, the history each move leaves, what makes a lead an
 * mql by itself, and that scoring all leads in one pass agrees with
 * scoring each.  Each test runs in a fresh store under /tmp.  Visitors
 * are ids of one repeated byte, so a table can name them with a
 * character.
 */

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
    NURTURE = LEAD_STATUS_NURTURE
};

#define HOT_CAUSE  "read \"Pricing and plans\" (hot)"

/*
 * The promotion tests' rules: one hot decision asset worth more than the
 * threshold, and 10-point assets of which three reach it together.
 */
static const char  promo_scoring[] = "mql_threshold 30;\n";
static const char  promo_assets[] =
    HEADER
    "/pricing,Pricing and plans,decision,40,,hot\n"
    "/a,Guide A,interest,10,,\n"
    "/b,Guide B,interest,10,,\n"
    "/c,Guide C,interest,10,,\n"
    "/d,Guide D,interest,10,,\n";

/* ---- a fresh store ----------------------------------------------------- */

#include "dir_fixture.h"

static lead_store *
open_store(void **state)
{
    lead_store_opts  opts = { 0, 0, 0, 0 };
    lead_store      *s;
    char             err[256] = "";
    int              rc;

    rc = lead_store_open(&s, dir_of(state), &opts, err,
                         sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_store_open: %d (%s)", rc, err);
    }
    assert_non_null(s);
    return s;
}

static void
visitor_id(uint8_t id[LEAD_ID_LEN], char who)
{
    memset(id, who, LEAD_ID_LEN);
}

/* ---- leads ------------------------------------------------------------- */

/*
 * A good form from visitor who; with contact, promoted as the module does
 * after a form (asking for a call makes an MQL there).  Returns the lead.
 */
static void
identify(lead_store *s, char who, const char *email, int contact,
    uint64_t now_ms, uint8_t lead[LEAD_ID_LEN], int want_created)
{
    static const char  header[] = "path,title,stage,points,topic,flags\n";
    lead_form          form;
    lead_rules        *r;
    lead_score         score;
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
    assert_int_equal(created, want_created);

    if (!contact) {
        return;             /* the promotion tests promote by themselves */
    }

    assert_int_equal(lead_rules_parse(&r, "rules", "", 0, header,
                                      sizeof(header) - 1, err, sizeof(err)),
                     LEAD_OK);
    assert_int_equal(lead_store_promote_lead(s, r, lead, now_ms, &score,
                                             NULL, NULL), LEAD_OK);
    lead_rules_free(r);
}

static void
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

static void
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

static void
copy_str(char *out, size_t size, lead_str s)
{
    assert_true(s.len < size);
    if (s.len) {
        memcpy(out, s.data, s.len);
    }
    out[s.len] = '\0';
}

static int
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
static void
read_history(lead_store *s, const uint8_t *lead, history *h)
{
    h->n = 0;
    assert_int_equal(lead_store_each_transition(s, lead, collect_step, h),
                     LEAD_OK);
}

static size_t
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

static void
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
static void
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

static void
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

/* ---- 1. the transition table and the names ----------------------------- */

static void
test_status_allowed(void **state)
{
    /* every allowed move; all the other pairs are refused */
    static const struct {
        int  from, to;
    } allowed[] = {
        { ANON, IDENT },
        { IDENT, MQL },
        { NURTURE, MQL },           /* a rejected lead can qualify again */
        { MQL, SAL },
        { SAL, SQL },
        { SQL, WON },
        { MQL, NURTURE },
        { SAL, NURTURE },
        { SQL, NURTURE },
    };
    int     from, to, want;
    size_t  i;

    (void) state;

    /* -1 and LEAD_NSTATUSES: out of range on either side, never allowed */
    for (from = -1; from <= LEAD_NSTATUSES; from++) {
        for (to = -1; to <= LEAD_NSTATUSES; to++) {
            want = 0;
            for (i = 0; i < N_ELEMS(allowed); i++) {
                want |= allowed[i].from == from && allowed[i].to == to;
            }
            if (lead_status_allowed(from, to) != want) {
                fail_msg("%s -> %s: %d, want %d", lead_status_name(from),
                         lead_status_name(to), lead_status_allowed(from, to),
                         want);
            }
        }
    }
}

static void
test_status_names(void **state)
{
    static const char  *names[LEAD_NSTATUSES] = {
        "anonymous", "identified", "mql", "sal", "sql", "won", "nurture"
    };
    /* near misses: a prefix, a longer word, a trailing byte */
    static const struct {
        const char  *name;
        size_t       len;
    } unknown[] = {
        { "", 0 }, { "m", 1 }, { "mq", 2 }, { "mqlx", 4 },
        { "identify", 8 }, { "nurtured", 8 }, { "won ", 4 },
        { "mql\0", 4 }, { "lost", 4 }, { "unknown", 7 },
    };
    static const int    bad[] = { -1, LEAD_NSTATUSES, 100, -100 };
    size_t              i;
    int                 k;

    (void) state;

    for (k = 0; k < LEAD_NSTATUSES; k++) {
        assert_string_equal(lead_status_name(k), names[k]);
        assert_int_equal(lead_status_parse(names[k], strlen(names[k])), k);
    }
    for (i = 0; i < N_ELEMS(unknown); i++) {
        if (lead_status_parse(unknown[i].name, unknown[i].len) != -1) {
            fail_msg("\"%.*s\" parsed as %d", (int) unknown[i].len,
                     unknown[i].name,
                     lead_status_parse(unknown[i].name, unknown[i].len));
        }
    }
    /* only len bytes are looked at */
    assert_int_equal(lead_status_parse("sales", 3), SAL);

    for (i = 0; i < N_ELEMS(bad); i++) {
        assert_string_equal(lead_status_name(bad[i]), "unknown");
    }
}

/* ---- 2. identify ------------------------------------------------------- */

static void
test_identify_status(void **state)
{
    uint8_t       ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], got[LEAD_ID_LEN];
    lead_store   *s = open_store(state);

    /* a form: identified, with the one transition that says so */
    identify(s, 'a', "ada@example.com", 0, T0, ada, 1);
    expect_status(s, ada, IDENT, T0);
    EXPECT_HISTORY(s, ada, FORM(0));

    /* the same person again, no contact asked: nothing to record */
    identify(s, 'a', "ada@example.com", 0, T0 + MIN, got, 0);
    expect_status(s, ada, IDENT, T0);
    EXPECT_HISTORY(s, ada, FORM(0));

    /* asking for a call makes a known lead an mql at once */
    identify(s, 'a', "ada@example.com", 1, T0 + HOUR, got, 0);
    expect_status(s, ada, MQL, T0 + HOUR);
    EXPECT_HISTORY(s, ada, FORM(0), CALL(HOUR));

    /* and a new one too, in the same millisecond as its form */
    identify(s, 'b', "bob@example.com", 1, T0 + DAY, bob, 1);
    expect_status(s, bob, MQL, T0 + DAY);
    EXPECT_HISTORY(s, bob, FORM(DAY), CALL(DAY));

    /* asking again as an mql adds nothing */
    identify(s, 'b', "bob@example.com", 1, T0 + 2 * DAY, got, 0);
    expect_status(s, bob, MQL, T0 + DAY);
    EXPECT_HISTORY(s, bob, FORM(DAY), CALL(DAY));

    assert_int_equal(count_all(s), 4);
    lead_store_close(s);
}

/* ---- 3. moving a lead by hand ------------------------------------------ */

static void
test_status_chain(void **state)
{
    uint8_t       lead[LEAD_ID_LEN];
    lead_store   *s = open_store(state);

    identify(s, 'a', "ada@example.com", 1, T0, lead, 1);
    set_status_ok(s, lead, SAL, T0 + HOUR, "accepted", "sam", NULL);
    expect_status(s, lead, SAL, T0 + HOUR);
    set_status_ok(s, lead, SQL, T0 + DAY, "budget confirmed", "sam", "");
    set_status_ok(s, lead, WON, T0 + 9 * DAY, "signed", "kim", NULL);
    expect_status(s, lead, WON, T0 + 9 * DAY);

    EXPECT_HISTORY(s, lead, FORM(0), CALL(0),
                   { HOUR, MQL, SAL, "accepted", "sam", "" },
                   { DAY, SAL, SQL, "budget confirmed", "sam", "" },
                   { 9 * DAY, SQL, WON, "signed", "kim", "" });

    lead_store_close(s);
}

static void
test_status_refused(void **state)
{
    /* each lead is walked to from (through path), then asked to go to to */
    static const struct {
        int          path[4];       /* after the form; -1 ends */
        int          to;
        const char  *msg;
    } cases[] = {
        { { -1 }, SAL, "a lead cannot go from identified to sal" },
        { { -1 }, IDENT, "a lead cannot go from identified to identified" },
        { { -1 }, ANON, "a lead cannot go from identified to anonymous" },
        { { MQL, SAL, SQL, WON }, NURTURE,
          "a lead cannot go from won to nurture" },
        { { MQL, SAL, -1 }, WON, "a lead cannot go from sal to won" },
        { { MQL, SAL, -1 }, MQL, "a lead cannot go from sal to mql" },
        { { MQL, -1 }, LEAD_NSTATUSES,
          "a lead cannot go from mql to unknown" },
    };
    uint8_t       lead[LEAD_ID_LEN];
    char          email[64];
    lead_store   *s = open_store(state);
    history       before, after;
    uint64_t      t;
    size_t        i, k;
    int           rc, status = IDENT;

    for (i = 0; i < N_ELEMS(cases); i++) {
        snprintf(email, sizeof(email), "lead%zu@example.com", i);
        t = T0 + i * DAY;
        identify(s, (char) ('a' + i), email, 0, t, lead, 1);
        status = IDENT;
        for (k = 0; k < N_ELEMS(cases[i].path) && cases[i].path[k] >= 0;
             k++)
        {
            status = cases[i].path[k];
            set_status_ok(s, lead, status, ++t, "moved", "sam", NULL);
        }
        read_history(s, lead, &before);

        /* refused, with a reason that would do for nurture */
        rc = lead_store_set_status(s, lead, cases[i].to, t + HOUR, "try",
                                   "sam", "because");
        if (rc != LEAD_EINVAL
            || strcmp(lead_store_errmsg(s), cases[i].msg) != 0)
        {
            fail_msg("case %zu: %d [%s], want [%s]", i, rc,
                     lead_store_errmsg(s), cases[i].msg);
        }

        /* and nothing changed */
        expect_status(s, lead, status, t);
        read_history(s, lead, &after);
        assert_int_equal(after.n, before.n);
        assert_memory_equal(after.s, before.s, before.n * sizeof(step));
    }

    lead_store_close(s);
}

static void
test_nurture_reason(void **state)
{
    static const char  *none[] = { NULL, "" };
    uint8_t       lead[LEAD_ID_LEN];
    lead_store   *s = open_store(state);
    size_t        i;

    identify(s, 'a', "ada@example.com", 1, T0, lead, 1);

    /* back to marketing says why, or does not happen */
    for (i = 0; i < N_ELEMS(none); i++) {
        assert_int_equal(lead_store_set_status(s, lead, NURTURE, T0 + HOUR,
                                               "rejected", "sam", none[i]),
                         LEAD_EINVAL);
        assert_non_null(strstr(lead_store_errmsg(s), "with a reason"));
        expect_status(s, lead, MQL, T0);
    }

    set_status_ok(s, lead, NURTURE, T0 + HOUR, "rejected", "sam",
                  "no budget this year");
    expect_status(s, lead, NURTURE, T0 + HOUR);
    EXPECT_HISTORY(s, lead, FORM(0), CALL(0),
                   { HOUR, MQL, NURTURE, "rejected", "sam",
                     "no budget this year" });

    lead_store_close(s);
}

static void
test_status_unknown_lead(void **state)
{
    uint8_t       lead[LEAD_ID_LEN], ghost[LEAD_ID_LEN];
    uint64_t      since;
    lead_store   *s = open_store(state);
    int           status;

    /* a visitor id is no lead id, even of a visitor that identified */
    identify(s, 'a', "ada@example.com", 0, T0, lead, 1);
    visitor_id(ghost, 'a');

    assert_int_equal(lead_store_set_status(s, ghost, MQL, T0 + 1, "x", "",
                                           ""),
                     LEAD_ENOTFOUND);
    assert_int_equal(lead_store_get_status(s, ghost, &status, &since),
                     LEAD_ENOTFOUND);
    assert_int_equal(count_all(s), 1);

    lead_store_close(s);
}

static void
test_same_millisecond(void **state)
{
    uint8_t       ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];
    lead_store   *s = open_store(state);

    /* two leads moving in the very same millisecond, interleaved */
    identify(s, 'a', "ada@example.com", 1, T0, ada, 1);
    identify(s, 'b', "bob@example.com", 1, T0, bob, 1);
    set_status_ok(s, ada, SAL, T0, "a1", "sam", NULL);
    set_status_ok(s, bob, NURTURE, T0, "b1", "kim", "later");
    set_status_ok(s, ada, SQL, T0, "a2", "sam", NULL);
    set_status_ok(s, bob, MQL, T0, "b2", "", NULL);
    set_status_ok(s, ada, NURTURE, T0, "a3", "sam", "lost");
    set_status_ok(s, ada, MQL, T0, "a4", "", NULL);
    set_status_ok(s, ada, SAL, T0, "a5", "kim", NULL);

    EXPECT_HISTORY(s, ada, FORM(0), CALL(0),
                   { 0, MQL, SAL, "a1", "sam", "" },
                   { 0, SAL, SQL, "a2", "sam", "" },
                   { 0, SQL, NURTURE, "a3", "sam", "lost" },
                   { 0, NURTURE, MQL, "a4", "", "" },
                   { 0, MQL, SAL, "a5", "kim", "" });
    EXPECT_HISTORY(s, bob, FORM(0), CALL(0),
                   { 0, MQL, NURTURE, "b1", "kim", "later" },
                   { 0, NURTURE, MQL, "b2", "", "" });
    expect_status(s, ada, SAL, T0);
    expect_status(s, bob, MQL, T0);

    lead_store_close(s);
}

/* ---- 4. every lead's transitions --------------------------------------- */

static void
test_all_transitions(void **state)
{
    /* moves of three leads, interleaved in time (from T0) */
    static const struct {
        unsigned  lead;
        int       to;
        uint64_t  dt;
    } moves[] = {
        { 0, MQL, 2 * HOUR },
        { 1, MQL, 3 * HOUR },
        { 0, SAL, 4 * HOUR },
        { 2, MQL, 5 * HOUR },
        { 1, SAL, 5 * HOUR },
        { 0, NURTURE, 6 * HOUR },
        { 2, SAL, 7 * HOUR },
        { 0, MQL, 8 * HOUR },
        { 1, SQL, 9 * HOUR },
    };
    static const char  *emails[3] = {
        "ada@example.com", "bob@example.com", "cy@example.com"
    };
    static history      all;
    uint8_t             leads[3][LEAD_ID_LEN];
    lead_store         *s = open_store(state);
    size_t              i, k, start, n;
    int                 seen[3] = { 0, 0, 0 };

    for (i = 0; i < 3; i++) {
        identify(s, (char) ('a' + i), emails[i], 0, T0 + i * HOUR, leads[i],
                 1);
    }
    for (i = 0; i < N_ELEMS(moves); i++) {
        set_status_ok(s, leads[moves[i].lead], moves[i].to,
                      T0 + moves[i].dt, "moved", "sam", "why");
    }

    /* one run per lead, in any lead order, each one's steps in order */
    read_history(s, NULL, &all);
    assert_int_equal(all.n, 3 + N_ELEMS(moves));
    for (start = 0; start < all.n; start += n) {
        for (i = 0; i < 3; i++) {
            if (memcmp(all.s[start].lead, leads[i], LEAD_ID_LEN) == 0) {
                break;
            }
        }
        assert_true(i < 3);
        assert_false(seen[i]);
        seen[i] = 1;

        /* the form, then this lead's moves */
        assert_int_equal(all.s[start].to, IDENT);
        assert_int_equal(all.s[start].time_ms, T0 + i * HOUR);
        n = 1;
        for (k = 0; k < N_ELEMS(moves); k++) {
            if (moves[k].lead != i) {
                continue;
            }
            assert_true(start + n < all.n);
            assert_memory_equal(all.s[start + n].lead, leads[i],
                                LEAD_ID_LEN);
            assert_int_equal(all.s[start + n].to, moves[k].to);
            assert_int_equal(all.s[start + n].from, all.s[start + n - 1].to);
            assert_int_equal(all.s[start + n].time_ms, T0 + moves[k].dt);
            n++;
        }
    }
    assert_true(seen[0] && seen[1] && seen[2]);

    lead_store_close(s);
}

/* ---- 5. promotion ------------------------------------------------------ */

/* What the promotion callback heard. */
typedef struct {
    uint8_t   lead[LEAD_ID_LEN];
    uint64_t  trigger_ms;
    char      cause[LEAD_CAUSE_MAX];
} promotion;

typedef struct {
    lead_store  *s;
    lead_rules  *rules;
    promotion    p[8];
    size_t       n;
} world;

static int
on_promoted(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_score *score, const char *cause)
{
    world      *w = arg;
    promotion  *p;

    assert_true(w->n < N_ELEMS(w->p));
    p = &w->p[w->n++];
    memcpy(p->lead, lead_id, LEAD_ID_LEN);
    p->trigger_ms = score->trigger_ms;
    snprintf(p->cause, sizeof(p->cause), "%s", cause);
    return 0;
}

static lead_rules *
rules_parse(const char *scoring, const char *assets)
{
    lead_rules  *r;
    char         err[512] = "";
    int          rc;

    rc = lead_rules_parse(&r, "rules", scoring, strlen(scoring), assets,
                          strlen(assets), err, sizeof(err));
    if (rc != LEAD_OK) {
        fail_msg("lead_rules_parse: %d (%s)", rc, err);
    }
    return r;
}

static void
world_open(void **state, world *w, const char *scoring, const char *assets)
{
    w->s = open_store(state);
    w->rules = rules_parse(scoring, assets);
    w->n = 0;
}

static void
world_close(world *w)
{
    lead_store_close(w->s);
    lead_rules_free(w->rules);
}

/* A browser's complete 200 of path, tagged as the rules say (or not). */
static void
make_event(lead_event *ev, const lead_rules *r, char who, const char *path,
    uint64_t t)
{
    memset(ev, 0, sizeof(*ev));
    ev->time_ms = t;
    visitor_id(ev->visitor, who);
    ev->status = 200;
    ev->ua_class = LEAD_UA_BROWSER;
    ev->bytes_sent = SIZE;
    ev->file_size = SIZE;
    ev->path.data = path;
    ev->path.len = strlen(path);
    lead_event_set_asset(ev, lead_rules_match(r, path, strlen(path)));
}

typedef struct {
    char         who;
    const char  *path;
    uint64_t     dt;                /* from T0 */
} visit;

/* Commits the visits as one batch, then folds (and promotes) as nginx. */
static void
read_batch(world *w, const visit *v, size_t n, uint64_t now_ms)
{
    lead_batch  *b = lead_batch_new((n + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    lead_event   ev;
    size_t       i;
    int          rc, more;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        make_event(&ev, w->rules, v[i].who, v[i].path, T0 + v[i].dt);
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);

    do {
        rc = lead_store_fold(w->s, w->rules, now_ms, 10000, on_promoted, w,
                             &more);
        if (rc != LEAD_OK) {
            fail_msg("lead_store_fold: %d (%s)", rc, lead_store_errmsg(w->s));
        }
    } while (more);
    lead_batch_free(b);
}

#define READ(w, now, ...)                                                     \
    do {                                                                      \
        static const visit  v_[] = { __VA_ARGS__ };                           \
        read_batch(w, v_, N_ELEMS(v_), now);                                  \
    } while (0)

static void
expect_promoted(const world *w, size_t i, const uint8_t lead[LEAD_ID_LEN],
    const char *cause)
{
    assert_true(i < w->n);
    assert_memory_equal(w->p[i].lead, lead, LEAD_ID_LEN);
    assert_string_equal(w->p[i].cause, cause);
}

static void
test_promote_hot(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);

    /* the hot read is the trigger, not the batch's first or last event */
    READ(&w, T0 + 4 * HOUR, { 'a', "/a", HOUR }, { 'a', "/pricing", 2 * HOUR },
         { 'a', "/b", 3 * HOUR });
    assert_int_equal(w.n, 1);
    expect_promoted(&w, 0, lead, HOT_CAUSE);
    assert_int_equal(w.p[0].trigger_ms, T0 + 2 * HOUR);
    expect_status(w.s, lead, MQL, T0 + 2 * HOUR);
    EXPECT_HISTORY(w.s, lead, FORM(0),
                   { 2 * HOUR, IDENT, MQL, HOT_CAUSE, "", "" });

    /* an mql is not promoted again, even by another hot read */
    READ(&w, T0 + 6 * HOUR, { 'a', "/pricing", 5 * HOUR });
    assert_int_equal(w.n, 1);
    assert_int_equal(count_all(w.s), 2);

    world_close(&w);
}

static void
test_promote_threshold(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);

    /*
     * Three 10-point reads make exactly 30 only when none has decayed:
     * the same millisecond, over two batches.  The first two stay below.
     */
    READ(&w, T0 + 2 * HOUR, { 'a', "/a", HOUR }, { 'a', "/b", HOUR });
    assert_int_equal(w.n, 0);
    expect_status(w.s, lead, IDENT, T0);

    READ(&w, T0 + 2 * HOUR, { 'a', "/c", HOUR });
    assert_int_equal(w.n, 1);
    assert_memory_equal(w.p[0].lead, lead, LEAD_ID_LEN);
    assert_int_equal(strncmp(w.p[0].cause, "engagement ", 11), 0);
    expect_status(w.s, lead, MQL, T0 + HOUR);
    EXPECT_HISTORY(w.s, lead, FORM(0),
                   { HOUR, IDENT, MQL, w.p[0].cause, "", "" });

    world_close(&w);
}

static void
test_promote_skips(void **state)
{
    /* leads that are past identified: reading cannot move them */
    static const struct {
        char  who;
        int   path[3];              /* after a form asking for a call */
    } leads[] = {
        { 'm', { -1 } },
        { 's', { SAL, -1 } },
        { 'q', { SAL, SQL, -1 } },
        { 'w', { SAL, SQL, WON } },
    };
    uint8_t   ids[N_ELEMS(leads)][LEAD_ID_LEN], got[LEAD_ID_LEN];
    uint8_t   anon[LEAD_ID_LEN];
    char      email[64];
    world     w;
    uint64_t  since[N_ELEMS(leads)];
    size_t    i, k, before;
    int       last[N_ELEMS(leads)];

    world_open(state, &w, promo_scoring, promo_assets);

    for (i = 0; i < N_ELEMS(leads); i++) {
        snprintf(email, sizeof(email), "%c@example.com", leads[i].who);
        identify(w.s, leads[i].who, email, 1, T0, ids[i], 1);
        last[i] = MQL;
        since[i] = T0;
        for (k = 0; k < N_ELEMS(leads[i].path) && leads[i].path[k] >= 0;
             k++)
        {
            last[i] = leads[i].path[k];
            since[i] = T0 + (k + 1) * MIN;
            set_status_ok(w.s, ids[i], last[i], since[i], "moved", "sam",
                          NULL);
        }
    }
    before = count_all(w.s);

    /* everyone reads everything that could trigger, the anonymous too */
    READ(&w, T0 + 2 * HOUR,
         { 'm', "/pricing", HOUR }, { 's', "/pricing", HOUR },
         { 'q', "/pricing", HOUR }, { 'w', "/pricing", HOUR },
         { 'z', "/pricing", HOUR }, { 'z', "/a", HOUR }, { 'z', "/b", HOUR },
         { 'z', "/c", HOUR }, { 'm', "/a", HOUR }, { 'm', "/b", HOUR },
         { 'm', "/c", HOUR });

    assert_int_equal(w.n, 0);
    assert_int_equal(count_all(w.s), before);
    for (i = 0; i < N_ELEMS(leads); i++) {
        expect_status(w.s, ids[i], last[i], since[i]);
    }
    visitor_id(anon, 'z');
    assert_int_equal(lead_store_visitor_lead(w.s, anon, got),
                     LEAD_ENOTFOUND);

    world_close(&w);
}

static void
test_promote_after_nurture(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    char     cause[LEAD_CAUSE_MAX];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);

    READ(&w, T0 + HOUR, { 'a', "/a", HOUR }, { 'a', "/b", HOUR },
         { 'a', "/c", HOUR });
    assert_int_equal(w.n, 1);
    snprintf(cause, sizeof(cause), "%s", w.p[0].cause);
    set_status_ok(w.s, lead, SAL, T0 + 2 * HOUR, "accepted", "sam", NULL);
    set_status_ok(w.s, lead, NURTURE, T0 + 3 * HOUR, "rejected", "sam",
                  "no budget this year");

    /* news of her that is no trigger: untagged content */
    READ(&w, T0 + 4 * HOUR, { 'a', "/blog/post", 4 * HOUR });
    assert_int_equal(w.n, 1);

    /* a read from before nurture that arrives late does not count */
    READ(&w, T0 + 4 * HOUR, { 'a', "/pricing", 3 * HOUR - 1 },
         { 'a', "/d", 3 * HOUR - 1 });
    assert_int_equal(w.n, 1);
    expect_status(w.s, lead, NURTURE, T0 + 3 * HOUR);

    /* a hot read after it does */
    READ(&w, T0 + 6 * HOUR, { 'a', "/pricing", 5 * HOUR });
    assert_int_equal(w.n, 2);
    expect_promoted(&w, 1, lead, HOT_CAUSE);
    expect_status(w.s, lead, MQL, T0 + 5 * HOUR);
    EXPECT_HISTORY(w.s, lead, FORM(0),
                   { HOUR, IDENT, MQL, cause, "", "" },
                   { 2 * HOUR, MQL, SAL, "accepted", "sam", "" },
                   { 3 * HOUR, SAL, NURTURE, "rejected", "sam",
                     "no budget this year" },
                   { 5 * HOUR, NURTURE, MQL, HOT_CAUSE, "", "" });

    world_close(&w);
}

/* Old engagement does not carry a nurtured lead back: only new reads. */
static void
test_nurture_needs_new_engagement(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, lead, 1);
    READ(&w, T0 + HOUR, { 'a', "/a", HOUR }, { 'a', "/b", HOUR },
         { 'a', "/c", HOUR });
    assert_int_equal(w.n, 1);
    set_status_ok(w.s, lead, NURTURE, T0 + 3 * HOUR, "rejected", "sam",
                  "no budget");

    /* 20 points of new reading: below 30 by itself */
    READ(&w, T0 + DAY, { 'a', "/a", DAY }, { 'a', "/b", DAY });
    assert_int_equal(w.n, 1);
    expect_status(w.s, lead, NURTURE, T0 + 3 * HOUR);

    world_close(&w);
}

/* An event is news of the lead it belongs to, even after a relink. */
static void
test_promote_the_lead_of_the_event(void **state)
{
    uint8_t  ada[LEAD_ID_LEN], bob[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 0, T0, ada, 1);
    identify(w.s, 'a', "bob@example.com", 0, T0 + 2 * HOUR, bob, 1);

    /* read at T0 + 1h, while the visitor was Ada's, stored later */
    READ(&w, T0 + 3 * HOUR, { 'a', "/pricing", HOUR });
    assert_int_equal(w.n, 1);
    expect_promoted(&w, 0, ada, HOT_CAUSE);
    expect_status(w.s, bob, IDENT, T0 + 2 * HOUR);

    world_close(&w);
}

/* A status never moves back in time: an earlier time is the last one's. */
static void
test_status_time_moves_forward(void **state)
{
    uint8_t  lead[LEAD_ID_LEN];
    world    w;

    world_open(state, &w, promo_scoring, promo_assets);
    identify(w.s, 'a', "ada@example.com", 1, T0, lead, 1);
    set_status_ok(w.s, lead, SAL, T0 - DAY, "accepted", "sam", NULL);
    expect_status(w.s, lead, SAL, T0);

    world_close(&w);
}

static void
test_promote_history(void **state)
{
    /* what a visitor read before its form; NULL cause: still identified */
    static const struct {
        const char  *paths[4];      /* read at T0, up to NULL */
        const char  *cause;         /* or its prefix for engagement */
    } cases[] = {
        { { "/pricing", NULL }, HOT_CAUSE },
        { { "/a", "/b", "/c", NULL }, "engagement " },
        { { "/a", "/b", NULL }, NULL },
        { { "/blog/post", NULL }, NULL },
    };
    lead_score  *score = malloc(sizeof(*score));
    uint8_t      lead[LEAD_ID_LEN];
    char         email[64];
    visit        v[4];
    world        w;
    size_t       i, n, calls;
    char         who;

    assert_non_null(score);
    world_open(state, &w, promo_scoring, promo_assets);

    for (i = 0; i < N_ELEMS(cases); i++) {
        who = (char) ('a' + i);
        for (n = 0; cases[i].paths[n] != NULL; n++) {
            v[n].who = who;
            v[n].path = cases[i].paths[n];
            v[n].dt = 0;
        }

        /* anonymous: nobody to promote yet */
        calls = w.n;
        read_batch(&w, v, n, T0 + HOUR);
        assert_int_equal(w.n, calls);

        snprintf(email, sizeof(email), "lead%zu@example.com", i);
        identify(w.s, who, email, 0, T0 + DAY, lead, 1);
        expect_status(w.s, lead, IDENT, T0 + DAY);

        assert_int_equal(lead_store_promote_lead(w.s, w.rules, lead,
                                                 T0 + DAY, score,
                                                 on_promoted, &w),
                         LEAD_OK);
        if (cases[i].cause == NULL) {
            assert_int_equal(w.n, calls);
            expect_status(w.s, lead, IDENT, T0 + DAY);
            continue;
        }

        /* mql as of the form: never before it was identified */
        assert_int_equal(w.n, calls + 1);
        assert_memory_equal(w.p[calls].lead, lead, LEAD_ID_LEN);
        assert_int_equal(strncmp(w.p[calls].cause, cases[i].cause,
                                 strlen(cases[i].cause)), 0);
        assert_int_equal(w.p[calls].trigger_ms, T0);
        expect_status(w.s, lead, MQL, T0 + DAY);
        EXPECT_HISTORY(w.s, lead, FORM(DAY),
                       { DAY, IDENT, MQL, w.p[calls].cause, "", "" });
    }

    free(score);
    world_close(&w);
}

/* ---- 6. one pass over all leads agrees with one lead at a time --------- */

#define A_EVENTS  600
#define A_SPAN    (60 * DAY)

/* xorshift64: the same stream on every platform */
static uint64_t
rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    double    engagement;
    uint64_t  trigger_ms;
    unsigned  nhot;
    int       stage_index;
} scored;

typedef struct {
    scored  l[8];
    size_t  n;
} scored_list;

static int
collect_scored(void *arg, const lead_person *p, const lead_score *score)
{
    scored_list  *l = arg;

    assert_true(l->n < N_ELEMS(l->l));
    memcpy(l->l[l->n].id, p->id, LEAD_ID_LEN);
    l->l[l->n].engagement = score->engagement;
    l->l[l->n].trigger_ms = score->trigger_ms;
    l->l[l->n].nhot = score->nhot;
    l->l[l->n].stage_index = score->stage_index;
    l->n++;
    return 0;
}

static void
expect_near(double got, double want, const char *what)
{
    if (!(fabs(got - want) < 1e-9)) {
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
    }
}

/* One random request of path by who at t. */
static void
random_event(lead_event *ev, const lead_rules *r, uint64_t *x, char who,
    const char *path, uint64_t t)
{
    uint64_t  kind = rnd(x) % 10;

    make_event(ev, r, who, path, t);
    if (kind == 0) {
        ev->ua_class = LEAD_UA_BOT;
    } else if (kind == 1) {
        ev->status = 404;
        ev->bytes_sent = 0;
    } else if (kind < 4) {
        ev->bytes_sent = rnd(x) % SIZE;             /* cut short */
    } else if (kind < 6) {
        ev->status = 206;
        ev->nranges = 1;
        ev->ranges[0].start = rnd(x) % (SIZE / 2);
        ev->ranges[0].end = ev->ranges[0].start + SIZE / 4;
        ev->bytes_sent = SIZE / 4 + 1;
    }
}

static void
test_score_agreement(void **state)
{
    static const char  *paths[] = {
        "/pricing", "/a", "/b", "/c", "/careers", "/blog/post"
    };
    /* 'a' and 'b': Ada's two devices; 'r' relinked; 'z' never identifies */
    static const char   who[] = { 'a', 'b', 'r', 'c', 'z' };
    static lead_event   evs[A_EVENTS];
    lead_batch         *b;
    lead_scorer        *direct;
    lead_score         *one = malloc(sizeof(*one));
    lead_rules         *r;
    lead_store         *s = open_store(state);
    scored_list         all = { .n = 0 };
    uint8_t             ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], cy[LEAD_ID_LEN];
    uint8_t             got[LEAD_ID_LEN], z[LEAD_ID_LEN];
    uint64_t            x = UINT64_C(0x2545f4914f6cdd1d), t = T0, now;
    size_t              i, k, nz = 0;
    char                what[64];

    assert_non_null(one);
    r = rules_parse("mql_threshold 30;\nwarm_after g 2 25;\n",
                    HEADER
                    "/pricing,Pricing and plans,decision,40,sales,hot\n"
                    "/a,Guide A,interest,10,fiber,group=g\n"
                    "/b,Guide B,interest,10,fiber,group=g\n"
                    "/c,Intro,awareness,5,wifi,\n"
                    "/careers,Careers,epiphany,-20,,\n");

    /* links first: events before a link go to the visitor's first lead */
    identify(s, 'a', "ada@example.com", 0, T0 + 5 * DAY, ada, 1);
    identify(s, 'r', "bob@example.com", 0, T0 + 10 * DAY, bob, 1);
    identify(s, 'c', "cy@example.com", 0, T0 + 15 * DAY, cy, 1);
    identify(s, 'b', "ada@example.com", 0, T0 + 20 * DAY, got, 0);
    identify(s, 'r', "cy@example.com", 0, T0 + 30 * DAY, got, 0);
    identify(s, 'r', "bob@example.com", 0, T0 + 45 * DAY, got, 0);

    for (i = 0; i < A_EVENTS; i++) {
        t += 1 + rnd(&x) % (2 * A_SPAN / A_EVENTS);
        random_event(&evs[i], r, &x, who[rnd(&x) % N_ELEMS(who)],
                     paths[rnd(&x) % N_ELEMS(paths)], t);
    }
    assert_true(t - T0 > 50 * DAY);
    now = t + DAY;

    /* in interleaved batches: the store puts them back in time order */
    b = lead_batch_new((A_EVENTS + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    assert_non_null(b);
    for (k = 0; k < 6; k++) {
        lead_batch_clear(b);
        for (i = k; i < A_EVENTS; i += 6) {
            assert_int_equal(lead_batch_add(b, &evs[i]), LEAD_OK);
        }
        assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    }
    lead_batch_free(b);

    assert_int_equal(lead_store_score_leads(s, lead_rules_scoring(r), now,
                                            collect_scored, &all),
                     LEAD_OK);
    assert_int_equal(all.n, 3);
    for (i = 0; i < all.n; i++) {
        assert_int_equal(lead_store_score_lead(s, lead_rules_scoring(r),
                                               all.l[i].id, 0, now, one),
                         LEAD_OK);
        snprintf(what, sizeof(what), "lead %zu engagement", i);
        expect_near(all.l[i].engagement, one->engagement, what);
        assert_int_equal(all.l[i].trigger_ms, one->trigger_ms);
        assert_int_equal(all.l[i].nhot, one->nhot);
        assert_int_equal(all.l[i].stage_index, one->stage_index);
        /* every lead read something: the comparison is not 0 == 0 */
        assert_true(one->nhot > 0);
    }

    /* the anonymous visitor: the store's score is its events' score */
    direct = lead_scorer_new(lead_rules_scoring(r));
    assert_non_null(direct);
    lead_scorer_reset(direct, 0);
    for (i = 0; i < A_EVENTS; i++) {
        if (evs[i].visitor[0] == 'z') {
            assert_int_equal(lead_scorer_add(direct, &evs[i]), LEAD_OK);
            nz++;
        }
    }
    assert_true(nz > 50);
    visitor_id(z, 'z');
    assert_int_equal(lead_store_score_visitor(s, lead_rules_scoring(r), z,
                                              now, one), LEAD_OK);
    expect_near(one->engagement, lead_scorer_engagement(direct, now),
                "anonymous engagement");
    assert_true(one->nhot > 0);

    lead_scorer_free(direct);
    lead_rules_free(r);
    free(one);
    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_status_allowed),
        cmocka_unit_test(test_status_names),
        T(test_identify_status),
        T(test_status_chain),
        T(test_status_refused),
        T(test_nurture_reason),
        T(test_status_unknown_lead),
        T(test_same_millisecond),
        T(test_all_transitions),
        T(test_promote_hot),
        T(test_promote_threshold),
        T(test_promote_skips),
        T(test_promote_after_nurture),
        T(test_nurture_needs_new_engagement),
        T(test_promote_the_lead_of_the_event),
        T(test_status_time_moves_forward),
        T(test_promote_history),
        T(test_score_agreement),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
