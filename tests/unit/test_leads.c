#include "unit.h"

#include <dirent.h>
#include <unistd.h>

#include "event_fixture.h"

/*
 * Leads in the store: one per normalised e-mail, the visitors (devices)
 * linked to them, and which lead each event belongs to.  Each test runs
 * in a fresh store under /tmp.  Visitors are ids of one repeated byte,
 * so a table can name them with a character.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#include "dir_fixture.h"
#include "claim_fixture.h"

static lead_store *
open_store(void **state, int read_only, uint64_t map_size)
{
    lead_store_opts  opts = { map_size, read_only, 0, 0 };

    return unit_store_open(dir_of(state), &opts);
}

static void
visitor_id(uint8_t id[LEAD_ID_LEN], char who)
{
    memset(id, who, LEAD_ID_LEN);
}

/* ---- events ------------------------------------------------------------ */

/* One event: the visitor's character and when. */
typedef struct {
    char      who;
    uint64_t  time_ms;
} moment;

/* Commits the moments as one batch of fixture events. */
static int
commit_moments(lead_store *s, const moment *m, size_t n, size_t path_len)
{
    fx_event    *evs = calloc(n, sizeof(*evs));
    lead_batch  *b = lead_batch_new((n + 1) * (LEAD_EVENT_MAX_SIZE + 2));
    size_t       i;
    int          rc;

    assert_non_null(evs);
    assert_non_null(b);

    for (i = 0; i < n; i++) {
        fx_event_make(&evs[i], (unsigned) i, path_len);
        visitor_id(evs[i].ev.visitor, m[i].who);
        evs[i].ev.time_ms = m[i].time_ms;
        assert_int_equal(lead_batch_add(b, &evs[i].ev), LEAD_OK);
    }

    rc = lead_store_commit(s, b);
    lead_batch_free(b);
    free(evs);
    return rc;
}

#define COMMIT(s, ...)                                                        \
    do {                                                                      \
        static const moment  m_[] = { __VA_ARGS__ };                          \
        assert_int_equal(commit_moments(s, m_, N_ELEMS(m_), 0), LEAD_OK);     \
    } while (0)

typedef struct {
    moment  m[32];
    size_t  n;
} moment_list;

static int
collect_event(void *arg, uint64_t seq, const lead_event *ev)
{
    moment_list  *l = arg;

    (void) seq;
    assert_true(l->n < N_ELEMS(l->m));
    l->m[l->n].who = (char) ev->visitor[0];
    l->m[l->n].time_ms = ev->time_ms;
    l->n++;
    return 0;
}

static int
collect_device(void *arg, const uint8_t visitor[LEAD_ID_LEN],
    uint64_t since_ms)
{
    moment_list  *l = arg;

    assert_true(l->n < N_ELEMS(l->m));
    l->m[l->n].who = (char) visitor[0];
    l->m[l->n].time_ms = since_ms;
    l->n++;
    return 0;
}

static void
dump_moments(const char *what, const moment_list *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        print_message("%s %zu: '%c' at %llu\n", what, i, l->m[i].who,
                      (unsigned long long) l->m[i].time_ms);
    }
}

/* The lead's events are exactly want[], in that (time) order. */
static void
expect_events(lead_store *s, const uint8_t lead[LEAD_ID_LEN],
    const moment *want, size_t n)
{
    moment_list  got;
    size_t       i;
    int          snap;

    /* outside a snapshot the tail's events of the lead's devices are
       picked out; in one, the whole tail is read once and kept: the same */
    for (snap = 0; snap <= 1; snap++) {
        got.n = 0;
        assert_int_equal(snap ? lead_store_snapshot(s) : LEAD_OK, LEAD_OK);
        assert_int_equal(lead_store_lead_events(s, lead, collect_event,
                                                &got), LEAD_OK);
        if (snap) {
            lead_store_snapshot_end(s);
        }
        for (i = 0; i < n || i < got.n; i++) {
            if (i >= n || i >= got.n || got.m[i].who != want[i].who
                || got.m[i].time_ms != want[i].time_ms)
            {
                dump_moments("event", &got);
                fail_msg("event %zu of %zu differs (want %zu events, %s a "
                         "snapshot)", i, got.n, n, snap ? "in" : "outside");
            }
        }
    }
}

/* The lead's devices are exactly want[] (who, linked at), in any order. */
static void
expect_devices(lead_store *s, const uint8_t lead[LEAD_ID_LEN],
    const moment *want, size_t n)
{
    moment_list  got = { .n = 0 };
    size_t       i, k;

    assert_int_equal(lead_store_each_device(s, lead, collect_device, &got),
                     LEAD_OK);
    for (i = 0; i < n; i++) {
        for (k = 0; k < got.n; k++) {
            if (got.m[k].who == want[i].who
                && got.m[k].time_ms == want[i].time_ms)
            {
                break;
            }
        }
        if (k == got.n) {
            dump_moments("device", &got);
            fail_msg("device '%c' since %llu missing", want[i].who,
                     (unsigned long long) want[i].time_ms);
        }
    }
    if (got.n != n) {
        dump_moments("device", &got);
        fail_msg("%zu devices, want %zu", got.n, n);
    }
}

#define EXPECT_EVENTS(s, lead, ...)                                           \
    do {                                                                      \
        static const moment  w_[] = { __VA_ARGS__ };                          \
        expect_events(s, lead, w_, N_ELEMS(w_));                              \
    } while (0)

#define EXPECT_DEVICES(s, lead, ...)                                          \
    do {                                                                      \
        static const moment  w_[] = { __VA_ARGS__ };                          \
        expect_devices(s, lead, w_, N_ELEMS(w_));                             \
    } while (0)

/* ---- leads ------------------------------------------------------------- */

/* A form as lead_form_validate leaves a good one. */
typedef struct {
    char         who;           /* the visitor sending it */
    const char  *email;         /* as typed: normalised here */
    const char  *name;
    int          subscribe, contact;
    const char  *topic;         /* of the page it opened; NULL: none */
    uint64_t     now_ms;
} post;

static int
identify(lead_store *s, const post *p, uint8_t lead[LEAD_ID_LEN],
    int *created)
{
    lead_form  form;
    uint8_t    visitor[LEAD_ID_LEN];
    int        n;

    memset(&form, 0, sizeof(form));
    n = lead_email_normalize(p->email, strlen(p->email), form.email);
    assert_true(n > 0);
    form.email_len = (size_t) n;
    form.name_len = strlen(p->name);
    assert_true(form.name_len <= sizeof(form.name));
    memcpy(form.name, p->name, form.name_len);
    form.ret[0] = '/';
    form.ret_len = 1;
    form.subscribe = p->subscribe;
    form.contact = p->contact;

    visitor_id(visitor, p->who);
    *created = -1;
    return lead_store_identify(s, visitor, &form, p->topic,
                               p->topic ? strlen(p->topic) : 0, p->now_ms,
                               lead, created);
}

/*
 * Identifies and checks created; returns the lead in lead.  Another
 * device of a known lead (want_created 0) is a claim, which its person
 * confirms here, as from the link they are sent.
 */
static void
identify_ok(lead_store *s, const post *p, int want_created,
    uint8_t lead[LEAD_ID_LEN])
{
    uint8_t  visitor[LEAD_ID_LEN];
    int      created, rc;

    rc = identify(s, p, lead, &created);
    if (rc != LEAD_OK) {
        fail_msg("identify %s: %d (%s)", p->email, rc,
                 lead_store_errmsg(s));
    }
    if (!want_created && (created == LEAD_IDENT_NOTIFY
                          || created == LEAD_IDENT_CLAIMED))
    {
        visitor_id(visitor, p->who);
        assert_int_equal(claim_confirm(s, visitor, lead, p->now_ms), LEAD_OK);
        created = 0;
    }
    assert_int_equal(created, want_created);
}

/* A lead as read back, its strings copied out of the read snapshot. */
typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    char      email[LEAD_EMAIL_MAX + 1];
    char      name[LEAD_PERSON_NAME_MAX * 4 + 1];
    char      topics[1024];
    uint64_t  created_ms, updated_ms;
    int       contact, subscribed;
} person;

typedef struct {
    person  p[8];
    size_t  n;
} person_list;

static void
copy_str(char *out, size_t size, lead_str s)
{
    assert_true(s.len < size);
    memcpy(out, s.data, s.len);
    out[s.len] = '\0';
}

static int
collect_person(void *arg, const lead_person *lp)
{
    person_list  *l = arg;
    person       *p;

    assert_true(l->n < N_ELEMS(l->p));
    p = &l->p[l->n];
    memcpy(p->id, lp->id, LEAD_ID_LEN);
    copy_str(p->email, sizeof(p->email), lp->email);
    copy_str(p->name, sizeof(p->name), lp->name);
    copy_str(p->topics, sizeof(p->topics), lp->topics);
    p->created_ms = lp->created_ms;
    p->updated_ms = lp->updated_ms;
    p->contact = lp->contact;
    p->subscribed = lp->subscribed;
    l->n++;
    return 0;
}

/* The one lead find_lead gives for who (an e-mail or a hex id). */
static person
find(lead_store *s, const char *who)
{
    person_list  l = { .n = 0 };
    int          rc;

    rc = lead_store_find_lead(s, who, strlen(who), collect_person, &l);
    if (rc != LEAD_OK) {
        fail_msg("find \"%s\": %d", who, rc);
    }
    assert_int_equal(l.n, 1);
    return l.p[0];
}

static void
expect_not_found(lead_store *s, const char *who)
{
    person_list  l = { .n = 0 };

    assert_int_equal(lead_store_find_lead(s, who, strlen(who),
                                          collect_person, &l),
                     LEAD_ENOTFOUND);
    assert_int_equal(l.n, 0);
}

static size_t
count_leads(lead_store *s, person_list *l)
{
    l->n = 0;
    assert_int_equal(lead_store_each_lead(s, collect_person, l), LEAD_OK);
    return l->n;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_identify_same_email(void **state)
{
    static const post  first = { 'a', "ada@example.com", "Ada", 0, 0,
                                 NULL, 1000 };
    static const post  again = { 'a', "  ADA@Example.COM ", "Ada Lovelace",
                                 0, 0, NULL, 2000 };
    uint8_t       lead[LEAD_ID_LEN], same[LEAD_ID_LEN];
    person_list   l;
    person        p;
    lead_store   *s = open_store(state, 0, 0);

    identify_ok(s, &first, 1, lead);
    p = find(s, "ada@example.com");
    assert_memory_equal(p.id, lead, LEAD_ID_LEN);
    assert_string_equal(p.email, "ada@example.com");
    assert_string_equal(p.name, "Ada");
    assert_int_equal(p.created_ms, 1000);
    assert_int_equal(p.updated_ms, 1000);
    assert_int_equal(p.subscribed, 0);
    assert_int_equal(p.contact, 0);
    assert_string_equal(p.topics, "");

    /* any case, any spacing: the same person, with her latest name */
    identify_ok(s, &again, 0, same);
    assert_memory_equal(same, lead, LEAD_ID_LEN);
    p = find(s, "ada@example.com");
    assert_string_equal(p.name, "Ada Lovelace");
    assert_int_equal(p.created_ms, 1000);
    assert_int_equal(p.updated_ms, 2000);

    assert_int_equal(count_leads(s, &l), 1);
    lead_store_close(s);
}

static void
test_subscription(void **state)
{
    /* one lead's posts, and what it holds after each */
    static const struct {
        int          subscribe, contact;
        const char  *topic;
        const char  *topics;
        int          subscribed, contacted;
    } steps[] = {
        { 0, 0, "fiber", "", 0, 0 },            /* not asked: nothing */
        { 1, 0, "fiber", "fiber", 1, 0 },
        { 1, 0, "wifi", "fiber wifi", 1, 0 },
        { 1, 0, "fiber", "fiber wifi", 1, 0 },  /* a set: once each */
        { 1, 0, "fib", "fiber wifi fib", 1, 0 },   /* whole words */
        { 1, 0, NULL, "fiber wifi fib", 1, 0 },
        { 0, 0, "mesh", "fiber wifi fib", 1, 0 },  /* no unsubscribing */
        { 0, 1, NULL, "fiber wifi fib", 1, 1 },
        { 0, 0, NULL, "fiber wifi fib", 1, 1 },    /* contact sticks */
    };
    post          p = { 'a', "ada@example.com", "Ada", 0, 0, NULL, 0 };
    uint8_t       lead[LEAD_ID_LEN];
    person        got;
    lead_store   *s = open_store(state, 0, 0);
    size_t        i;

    for (i = 0; i < N_ELEMS(steps); i++) {
        p.subscribe = steps[i].subscribe;
        p.contact = steps[i].contact;
        p.topic = steps[i].topic;
        p.now_ms = 1000 + i;
        identify_ok(s, &p, i == 0, lead);

        got = find(s, p.email);
        if (strcmp(got.topics, steps[i].topics) != 0
            || got.subscribed != steps[i].subscribed
            || got.contact != steps[i].contacted)
        {
            fail_msg("step %zu: topics \"%s\", subscribed %d, contact %d",
                     i, got.topics, got.subscribed, got.contact);
        }
    }

    lead_store_close(s);
}

static void
test_visitor_lead(void **state)
{
    static const post  p = { 'a', "ada@example.com", "Ada", 0, 0, NULL,
                             1000 };
    uint8_t       visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN], got[LEAD_ID_LEN];
    lead_store   *s = open_store(state, 0, 0);

    visitor_id(visitor, 'a');
    assert_int_equal(lead_store_visitor_lead(s, visitor, got),
                     LEAD_ENOTFOUND);

    /* events alone do not make a lead */
    COMMIT(s, { 'a', 500 });
    assert_int_equal(lead_store_visitor_lead(s, visitor, got),
                     LEAD_ENOTFOUND);

    identify_ok(s, &p, 1, lead);
    assert_int_equal(lead_store_visitor_lead(s, visitor, got), LEAD_OK);
    assert_memory_equal(got, lead, LEAD_ID_LEN);

    visitor_id(visitor, 'b');
    assert_int_equal(lead_store_visitor_lead(s, visitor, got),
                     LEAD_ENOTFOUND);

    lead_store_close(s);
}

/* What a visitor read before the form becomes the lead's too. */
static void
test_retroactive(void **state)
{
    static const post  p = { 'a', "ada@example.com", "Ada", 0, 0, NULL,
                             300 };
    uint8_t       lead[LEAD_ID_LEN];
    lead_store   *s = open_store(state, 0, 0);

    /* before: out of order in the batch, with someone else's between */
    COMMIT(s, { 'a', 200 }, { 'b', 150 }, { 'a', 100 });
    identify_ok(s, &p, 1, lead);
    COMMIT(s, { 'a', 400 }, { 'b', 450 }, { 'a', 500 });

    EXPECT_EVENTS(s, lead, { 'a', 100 }, { 'a', 200 }, { 'a', 400 },
                  { 'a', 500 });
    EXPECT_DEVICES(s, lead, { 'a', 300 });

    lead_store_close(s);
}

/* The same person on a second device: both histories are hers. */
static void
test_second_device(void **state)
{
    static const post  laptop = { 'a', "ada@example.com", "Ada", 0, 0,
                                  NULL, 300 };
    static const post  phone = { 'b', "Ada@Example.com", "Ada L.", 0, 0,
                                 NULL, 600 };
    uint8_t       lead[LEAD_ID_LEN], same[LEAD_ID_LEN], got[LEAD_ID_LEN];
    uint8_t       visitor[LEAD_ID_LEN];
    person_list   l;
    lead_store   *s = open_store(state, 0, 0);

    COMMIT(s, { 'a', 100 }, { 'b', 150 }, { 'c', 160 });
    identify_ok(s, &laptop, 1, lead);
    COMMIT(s, { 'a', 400 });
    identify_ok(s, &phone, 0, same);
    assert_memory_equal(same, lead, LEAD_ID_LEN);
    COMMIT(s, { 'b', 700 }, { 'a', 800 });

    EXPECT_DEVICES(s, lead, { 'a', 300 }, { 'b', 600 });
    EXPECT_EVENTS(s, lead, { 'a', 100 }, { 'b', 150 }, { 'a', 400 },
                  { 'b', 700 }, { 'a', 800 });

    visitor_id(visitor, 'b');
    assert_int_equal(lead_store_visitor_lead(s, visitor, got), LEAD_OK);
    assert_memory_equal(got, lead, LEAD_ID_LEN);
    assert_int_equal(count_leads(s, &l), 1);

    lead_store_close(s);
}

/*
 * A shared computer: someone else fills the form on it.  What it read
 * before stays with the first person, what it reads after is the new
 * one's; and when the first comes back, the new reads are hers again.
 */
static void
test_relink(void **state)
{
    static const post  ada = { 'a', "ada@example.com", "Ada", 0, 0, NULL,
                               300 };
    static const post  bob = { 'a', "bob@example.com", "Bob", 0, 0, NULL,
                               500 };
    static const post  ada_back = { 'a', "ada@example.com", "Ada", 0, 0,
                                    NULL, 700 };
    uint8_t       a[LEAD_ID_LEN], b[LEAD_ID_LEN], got[LEAD_ID_LEN];
    uint8_t       visitor[LEAD_ID_LEN];
    lead_store   *s = open_store(state, 0, 0);

    visitor_id(visitor, 'a');

    COMMIT(s, { 'a', 100 });
    identify_ok(s, &ada, 1, a);
    COMMIT(s, { 'a', 400 });
    identify_ok(s, &bob, 1, b);
    assert_memory_not_equal(a, b, LEAD_ID_LEN);
    COMMIT(s, { 'a', 600 });

    assert_int_equal(lead_store_visitor_lead(s, visitor, got), LEAD_OK);
    assert_memory_equal(got, b, LEAD_ID_LEN);
    EXPECT_EVENTS(s, a, { 'a', 100 }, { 'a', 400 });
    EXPECT_EVENTS(s, b, { 'a', 600 });
    EXPECT_DEVICES(s, a, { 'a', 300 });
    EXPECT_DEVICES(s, b, { 'a', 500 });

    /* back to Ada: her device keeps its first link time */
    identify_ok(s, &ada_back, 0, got);
    assert_memory_equal(got, a, LEAD_ID_LEN);
    COMMIT(s, { 'a', 800 });

    assert_int_equal(lead_store_visitor_lead(s, visitor, got), LEAD_OK);
    assert_memory_equal(got, a, LEAD_ID_LEN);
    EXPECT_EVENTS(s, a, { 'a', 100 }, { 'a', 400 }, { 'a', 800 });
    EXPECT_EVENTS(s, b, { 'a', 600 });
    EXPECT_DEVICES(s, a, { 'a', 300 });

    lead_store_close(s);
}

static void
test_find_lead(void **state)
{
    static const post  posts[] = {
        { 'a', "ada@example.com", "Ada", 0, 0, NULL, 100 },
        { 'b', "bob@example.org", "Bob", 0, 0, NULL, 200 },
        { 'c', "ADA@example.com", "Ada", 0, 0, NULL, 300 },
        { 'a', "cy@example.net", "Cy", 0, 0, NULL, 400 },
    };
    /* what find is given, and whose lead it must find (-1: none) */
    static const struct {
        const char  *who;
        int          post;
    } finds[] = {
        { "ada@example.com", 0 },
        { "ADA@EXAMPLE.COM", 0 },
        { "  bob@Example.ORG\t", 1 },
        { "cy@example.net", 3 },
        { "dan@example.com", -1 },
        { "ada@example.co", -1 },
        { "ada", -1 },
        { "", -1 },
        { "00000000000000000000000000000000", -1 },
        { "0000000000000000000000000000000", -1 },
    };
    uint8_t       ids[N_ELEMS(posts)][LEAD_ID_LEN];
    char          hex[LEAD_ID_HEX_LEN + 1];
    person_list   l;
    person        p;
    lead_store   *s = open_store(state, 0, 0);
    size_t        i, k;

    for (i = 0; i < N_ELEMS(posts); i++) {
        identify_ok(s, &posts[i], i != 2, ids[i]);
    }

    for (i = 0; i < N_ELEMS(finds); i++) {
        if (finds[i].post < 0) {
            expect_not_found(s, finds[i].who);
            continue;
        }
        p = find(s, finds[i].who);
        assert_memory_equal(p.id, ids[finds[i].post], LEAD_ID_LEN);
    }

    /* by hex id, in either case */
    lead_id_to_hex(ids[1], hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    p = find(s, hex);
    assert_string_equal(p.email, "bob@example.org");
    for (k = 0; k < LEAD_ID_HEX_LEN; k++) {
        if (hex[k] >= 'a' && hex[k] <= 'f') {
            hex[k] = (char) (hex[k] - 'a' + 'A');
        }
    }
    p = find(s, hex);
    assert_string_equal(p.email, "bob@example.org");

    /* every lead once: Ada's two posts made one */
    assert_int_equal(count_leads(s, &l), 3);
    for (i = 0; i < l.n; i++) {
        for (k = 0; k < i; k++) {
            assert_memory_not_equal(l.p[i].id, l.p[k].id, LEAD_ID_LEN);
        }
        assert_true(strcmp(l.p[i].email, "ada@example.com") == 0
                    || strcmp(l.p[i].email, "bob@example.org") == 0
                    || strcmp(l.p[i].email, "cy@example.net") == 0);
    }

    lead_store_close(s);
}

static void
test_read_only(void **state)
{
    static const post  ada = { 'a', "ada@example.com", "Ada", 1, 1,
                               "fiber", 100 };
    static const post  tries[] = {
        { 'b', "bob@example.com", "Bob", 1, 1, "wifi", 200 },
        { 'a', "ada@example.com", "Ada L.", 1, 1, "wifi", 300 },
        { 'a', "cy@example.com", "Cy", 0, 0, NULL, 400 },
    };
    uint8_t       lead[LEAD_ID_LEN], got[LEAD_ID_LEN];
    uint8_t       visitor[LEAD_ID_LEN];
    person_list   l;
    person        p;
    lead_store   *s = open_store(state, 0, 0);
    size_t        i;
    int           created;

    identify_ok(s, &ada, 1, lead);
    lead_store_close(s);

    s = open_store(state, 1, 0);
    for (i = 0; i < N_ELEMS(tries); i++) {
        assert_int_equal(identify(s, &tries[i], got, &created),
                         LEAD_EINVAL);
        assert_true(lead_store_errmsg(s)[0] != '\0');
    }

    /* nothing changed: Ada as she was, still on visitor 'a' */
    assert_int_equal(count_leads(s, &l), 1);
    p = find(s, "ada@example.com");
    assert_string_equal(p.name, "Ada");
    assert_string_equal(p.topics, "fiber");
    assert_int_equal(p.updated_ms, 100);
    expect_not_found(s, "bob@example.com");
    expect_not_found(s, "cy@example.com");

    visitor_id(visitor, 'a');
    assert_int_equal(lead_store_visitor_lead(s, visitor, got), LEAD_OK);
    assert_memory_equal(got, lead, LEAD_ID_LEN);
    visitor_id(visitor, 'b');
    assert_int_equal(lead_store_visitor_lead(s, visitor, got),
                     LEAD_ENOTFOUND);
    EXPECT_DEVICES(s, lead, { 'a', 100 });

    lead_store_close(s);
}

/*
 * A form that does not fit in the map is refused whole: no lead, no
 * e-mail, no link.  The map is filled with events first, as in
 * test_store.c, then leads are added until one does not fit.
 */
static void
test_map_full(void **state)
{
    enum { PER_BATCH = 16, PATH_LEN = 1000, MAX_BATCHES = 256,
           MAX_LEADS = 4096 };
    static const size_t  sizes[] = { PER_BATCH, 1 };
    moment        m[PER_BATCH];
    char          email[64], hex[LEAD_ID_HEX_LEN + 1];
    uint8_t       visitor[LEAD_ID_LEN], lead[LEAD_ID_LEN], got[LEAD_ID_LEN];
    post          p = { 0, email, "Someone", 1, 1, "fiber", 0 };
    person_list   l;
    lead_store   *s = open_store(state, 0, 1 << 20);
    person        last;
    size_t        i, k, leads = 0;
    int           rc, created;

    for (i = 0; i < PER_BATCH; i++) {
        m[i].who = 'e';
        m[i].time_ms = i;
    }

    /* big batches until one fails, then single events to the brim */
    for (k = 0; k < N_ELEMS(sizes); k++) {
        for (i = 0; i < MAX_BATCHES; i++) {
            rc = commit_moments(s, m, sizes[k], PATH_LEN);
            if (rc == LEAD_EFULL) {
                break;
            }
            assert_int_equal(rc, LEAD_OK);
        }
        assert_true(i < MAX_BATCHES);
    }

    for (i = 0; i < MAX_LEADS; i++) {
        snprintf(email, sizeof(email), "user%zu@example.com", i);
        p.who = (char) ('a' + i % 2);
        p.now_ms = 1000 + i;

        rc = identify(s, &p, lead, &created);
        if (rc == LEAD_OK) {
            assert_int_equal(created, 1);
            leads++;
            continue;
        }
        assert_int_equal(rc, LEAD_EFULL);
        break;
    }
    assert_true(i < MAX_LEADS);

    /* the refused one left no trace; the ones before are all there */
    expect_not_found(s, email);
    lead_id_to_hex(lead, hex);
    hex[LEAD_ID_HEX_LEN] = '\0';
    expect_not_found(s, hex);
    assert_int_equal(count_leads(s, &l), leads);

    visitor_id(visitor, p.who);
    rc = lead_store_visitor_lead(s, visitor, got);
    if (leads < 2) {
        /* this visitor never got in before */
        assert_int_equal(rc, LEAD_ENOTFOUND);
    } else {
        /* still linked to its last lead that fitted */
        assert_int_equal(rc, LEAD_OK);
        snprintf(email, sizeof(email), "user%zu@example.com", leads - 2);
        last = find(s, email);
        assert_memory_equal(last.id, got, LEAD_ID_LEN);
    }
    expect_devices(s, lead, NULL, 0);

    lead_store_close(s);
}

/* ---- forgetting and expiry --------------------------------------------- */

/* Every event in the store is exactly want[], in time order. */
static void
expect_store_events(lead_store *s, const moment *want, size_t n)
{
    moment_list  got = { .n = 0 };
    size_t       i;

    assert_int_equal(lead_store_each_event(s, collect_event, &got), LEAD_OK);
    for (i = 0; i < n || i < got.n; i++) {
        if (i >= n || i >= got.n || got.m[i].who != want[i].who
            || got.m[i].time_ms != want[i].time_ms)
        {
            dump_moments("stored", &got);
            fail_msg("stored event %zu of %zu differs (want %zu)", i, got.n,
                     n);
        }
    }
}

#define EXPECT_STORE(s, ...)                                                  \
    do {                                                                      \
        static const moment  w_[] = { __VA_ARGS__ };                          \
        expect_store_events(s, w_, N_ELEMS(w_));                              \
    } while (0)

static uint64_t
visitor_events(lead_store *s, char who)
{
    lead_visitor  v;
    uint8_t       id[LEAD_ID_LEN];

    visitor_id(id, who);
    return lead_store_get_visitor(s, id, &v) == LEAD_OK ? v.events : 0;
}

/* Whether the file holds the bytes anywhere (a raw scan, pages and all). */
static int
file_has(const char *path, const char *bytes)
{
    FILE    *f = fopen(path, "rb");
    char    *data;
    long     size;
    size_t   n = strlen(bytes), i;
    int      found = 0;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    rewind(f);
    data = malloc((size_t) size);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t) size, f), (size_t) size);
    fclose(f);
    for (i = 0; !found && i + n <= (size_t) size; i++) {
        found = memcmp(data + i, bytes, n) == 0;
    }
    free(data);
    return found;
}

/*
 * Forgetting Ada: her lead, both her devices and what they read (before
 * and after she identified, indexed or still in the log's tail) go; the
 * laptop she shared with Bob keeps Bob's reads, and Bob stays whole.  A
 * compacted backup holds no byte of her e-mail.
 */
static void
test_forget(void **state)
{
    static const post  ada = { 'a', "ada@example.com", "Ada", 1, 0, NULL,
                               300 };
    static const post  ada_phone = { 'b', "ada@example.com", "Ada", 0, 0,
                                     NULL, 350 };
    static const post  bob = { 'c', "bob@example.com", "Bob", 0, 0, NULL,
                               200 };
    static const post  bob_on_laptop = { 'a', "bob@example.com", "Bob", 0, 0,
                                         NULL, 500 };
    uint8_t       a[LEAD_ID_LEN], b[LEAD_ID_LEN];
    lead_erased   e;
    char          backup[sizeof(((fixture *) 0)->dir) + 8], data[128];
    int           more;
    lead_store   *s = open_store(state, 0, 0);

    COMMIT(s, { 'a', 100 }, { 'b', 120 }, { 'c', 150 });
    identify_ok(s, &bob, 1, b);
    identify_ok(s, &ada, 1, a);
    identify_ok(s, &ada_phone, 0, a);
    COMMIT(s, { 'a', 400 }, { 'b', 410 });
    identify_ok(s, &bob_on_laptop, 0, b);
    COMMIT(s, { 'a', 600 }, { 'c', 610 });
    /* the indexes reach 450: the later events are the log's tail */
    assert_int_equal(lead_store_fold(s, NULL, 450, 10000, NULL, NULL, &more),
                     LEAD_OK);
    COMMIT(s, { 'b', 700 });

    assert_int_equal(lead_store_forget(s, "ADA@example.com", 15, &e),
                     LEAD_OK);
    assert_int_equal(e.leads, 1);
    assert_int_equal(e.visitors, 1);            /* the phone */
    assert_int_equal(e.events, 5);

    expect_not_found(s, "ada@example.com");
    EXPECT_STORE(s, { 'c', 150 }, { 'a', 600 }, { 'c', 610 });
    EXPECT_EVENTS(s, b, { 'c', 150 }, { 'a', 600 }, { 'c', 610 });
    EXPECT_DEVICES(s, b, { 'c', 200 }, { 'a', 500 });
    expect_devices(s, a, NULL, 0);
    assert_int_equal(visitor_events(s, 'b'), 0);
    assert_int_equal(lead_store_fold(s, NULL, 1000, 10000, NULL, NULL, &more),
                     LEAD_OK);
    assert_int_equal(visitor_events(s, 'a'), 1);
    assert_int_equal(lead_store_forget(s, "ada@example.com", 15, &e),
                     LEAD_ENOTFOUND);

    snprintf(backup, sizeof(backup), "%s/copy", dir_of(state));
    assert_int_equal(lead_store_backup(s, backup), LEAD_OK);
    snprintf(data, sizeof(data), "%s/data.mdb", backup);
    assert_false(file_has(data, "ada@example.com"));
    assert_true(file_has(data, "bob@example.com"));
    assert_int_equal(unlink(data), 0);
    assert_int_equal(rmdir(backup), 0);

    /* no other process has it open: it is compacted in place */
    assert_int_equal(lead_store_compact(s), LEAD_OK);
    lead_store_close(s);
    snprintf(data, sizeof(data), "%s/data.mdb", dir_of(state));
    assert_false(file_has(data, "ada@example.com"));
    s = open_store(state, 1, 0);
    EXPECT_EVENTS(s, b, { 'c', 150 }, { 'a', 600 }, { 'c', 610 });
    lead_store_close(s);
}

/*
 * Two leads' events in one snapshot, with the log's tail read once for
 * both, then in the next, which sees the tail grown: each the same as
 * read alone, whether indexed or in the tail.
 */
static void
test_events_tail_in_snapshot(void **state)
{
    static const post  ada = { 'a', "ada@example.com", "Ada", 1, 0, NULL,
                               300 };
    static const post  bob = { 'c', "bob@example.com", "Bob", 0, 0, NULL,
                               200 };
    uint8_t       a[LEAD_ID_LEN], b[LEAD_ID_LEN];
    int           more;
    lead_store   *s = open_store(state, 0, 0);

    COMMIT(s, { 'a', 100 }, { 'c', 150 });
    identify_ok(s, &bob, 1, b);
    identify_ok(s, &ada, 1, a);
    assert_int_equal(lead_store_fold(s, NULL, 450, 10000, NULL, NULL, &more),
                     LEAD_OK);
    COMMIT(s, { 'a', 600 }, { 'd', 605 }, { 'c', 610 }, { 'a', 620 });

    assert_int_equal(lead_store_snapshot(s), LEAD_OK);
    EXPECT_EVENTS(s, a, { 'a', 100 }, { 'a', 600 }, { 'a', 620 });
    EXPECT_EVENTS(s, b, { 'c', 150 }, { 'c', 610 });
    lead_store_snapshot_end(s);

    COMMIT(s, { 'c', 700 });
    assert_int_equal(lead_store_snapshot(s), LEAD_OK);
    EXPECT_EVENTS(s, b, { 'c', 150 }, { 'c', 610 }, { 'c', 700 });
    EXPECT_EVENTS(s, a, { 'a', 100 }, { 'a', 600 }, { 'a', 620 });
    lead_store_snapshot_end(s);
    lead_store_close(s);
}

/*
 * Expiry, a few visitors per transaction: anonymous visitors last seen
 * before the cutoff go with their events; a lead's visitor and a recent
 * one stay, whatever the batch size.
 */
static void
test_purge_anonymous(void **state)
{
    static const post  ada = { 'c', "ada@example.com", "Ada", 0, 0, NULL,
                               150 };
    uint8_t       lead[LEAD_ID_LEN], from[LEAD_ID_LEN];
    lead_erased   e;
    int           more, rounds = 0;
    lead_store   *s = open_store(state, 0, 0);

    COMMIT(s, { 'a', 100 }, { 'a', 200 }, { 'b', 300 }, { 'c', 100 },
           { 'd', 5000 }, { 'e', 250 });
    identify_ok(s, &ada, 1, lead);
    assert_int_equal(lead_store_fold(s, NULL, 10000, 10000, NULL, NULL,
                                     &more), LEAD_OK);

    memset(from, 0, sizeof(from));
    memset(&e, 0, sizeof(e));
    do {
        assert_int_equal(lead_store_purge_anonymous(s, 1000, 1, from, &e,
                                                    &more), LEAD_OK);
        rounds++;
    } while (more);
    assert_true(rounds >= 3);
    assert_int_equal(e.visitors, 3);
    assert_int_equal(e.events, 4);
    EXPECT_STORE(s, { 'c', 100 }, { 'd', 5000 });
    EXPECT_EVENTS(s, lead, { 'c', 100 });
    assert_int_equal(visitor_events(s, 'a'), 0);
    assert_int_equal(visitor_events(s, 'd'), 1);

    /* nothing left to purge */
    memset(&e, 0, sizeof(e));
    assert_int_equal(lead_store_purge_anonymous(s, 1000, 100, from, &e,
                                                &more), LEAD_OK);
    assert_int_equal(e.visitors, 0);
    assert_false(more);
    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_identify_same_email),
        T(test_subscription),
        T(test_visitor_lead),
        T(test_retroactive),
        T(test_second_device),
        T(test_relink),
        T(test_find_lead),
        T(test_read_only),
        T(test_map_full),
        T(test_forget),
        T(test_events_tail_in_snapshot),
        T(test_purge_anonymous),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
