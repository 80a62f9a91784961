#include "unit.h"

#include "event_fixture.h"
#include "dir_fixture.h"
#include "claim_fixture.h"

/*
 * Claims: a device that types a known e-mail changes nothing of the lead
 * until the person confirms it from the link they are sent; then the
 * device is the lead's, and what it read with it.  Caps bound how many
 * addresses a device claims and how many notices it causes a day.
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))
#define T0          UINT64_C(1790000000000)
#define DAY         (UINT64_C(24) * 60 * 60 * 1000)

static lead_store *
open_store(void **state)
{
    lead_store_opts  opts = { 0, 0, 0, 0 };

    return unit_store_open(dir_of(state), &opts);
}

static void
visitor_id(uint8_t id[LEAD_ID_LEN], char who)
{
    memset(id, who, LEAD_ID_LEN);
}

/* One event of visitor who at t. */
static void
read_at(lead_store *s, char who, uint64_t t)
{
    fx_event     ev;
    lead_batch  *b = lead_batch_new(2 * LEAD_EVENT_MAX_SIZE);

    assert_non_null(b);
    fx_event_make(&ev, 1, 0);
    visitor_id(ev.ev.visitor, who);
    ev.ev.time_ms = t;
    assert_int_equal(lead_batch_add(b, &ev.ev), LEAD_OK);
    assert_int_equal(lead_store_commit(s, b), LEAD_OK);
    lead_batch_free(b);
}

/* A form from who: its outcome, the lead in lead. */
static int
form(lead_store *s, char who, const char *email, const char *name,
    int contact, uint64_t t, uint8_t lead[LEAD_ID_LEN])
{
    lead_form  f;
    uint8_t    visitor[LEAD_ID_LEN];
    int        n, outcome = -1;

    memset(&f, 0, sizeof(f));
    n = lead_email_normalize(email, strlen(email), f.email);
    assert_true(n > 0);
    f.email_len = (size_t) n;
    f.name_len = strlen(name);
    memcpy(f.name, name, f.name_len);
    f.ret[0] = '/';
    f.ret_len = 1;
    f.contact = contact;
    f.subscribe = contact;

    visitor_id(visitor, who);
    assert_int_equal(lead_store_identify(s, visitor, &f, "fibre", 5, t, lead,
                                         &outcome), LEAD_OK);
    return outcome;
}

typedef struct {
    char      name[LEAD_PERSON_NAME_MAX * 4 + 1];
    int       contact, subscribed;
    uint64_t  updated_ms;
} seen;

static int
see(void *arg, const lead_person *p)
{
    seen  *w = arg;

    snprintf(w->name, sizeof(w->name), "%.*s", (int) p->name.len,
             p->name.data);
    w->contact = p->contact;
    w->subscribed = p->subscribed;
    w->updated_ms = p->updated_ms;
    return 0;
}

static seen
person(lead_store *s, const char *who)
{
    seen  w;

    memset(&w, 0, sizeof(w));
    assert_int_equal(lead_store_find_lead(s, who, strlen(who), see, &w),
                     LEAD_OK);
    return w;
}

/* The devices (or claims) of a lead, as a string of their characters. */
typedef struct {
    char    who[16];
    size_t  n;
} chars;

static int
add_char(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    chars  *c = arg;

    (void) since;
    if (c->n + 1 < sizeof(c->who)) {
        c->who[c->n++] = (char) visitor[0];
    }
    return 0;
}

static int
add_event(void *arg, uint64_t seq, const lead_event *ev)
{
    (void) seq;
    return add_char(arg, ev->visitor, ev->time_ms);
}

static const char *
devices(lead_store *s, const uint8_t lead[LEAD_ID_LEN], chars *c)
{
    memset(c, 0, sizeof(*c));
    assert_int_equal(lead_store_each_device(s, lead, add_char, c), LEAD_OK);
    return c->who;
}

static const char *
claims(lead_store *s, const uint8_t lead[LEAD_ID_LEN], uint64_t now,
    chars *c)
{
    memset(c, 0, sizeof(*c));
    assert_int_equal(lead_store_each_claim(s, lead, now, add_char, c),
                     LEAD_OK);
    return c->who;
}

static const char *
events(lead_store *s, const uint8_t lead[LEAD_ID_LEN], chars *c)
{
    memset(c, 0, sizeof(*c));
    assert_int_equal(lead_store_lead_events(s, lead, add_event, c), LEAD_OK);
    return c->who;
}

/*
 * The finding: a second browser types Ada's address (another case) with
 * another name and "contact me".  Ada's lead keeps its name, flags,
 * status, devices and timeline; the browser is no lead's, yet the gate
 * lets it read; the claim is pending.
 */
static void
test_claim_changes_nothing(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      ada[LEAD_ID_LEN], got[LEAD_ID_LEN], m[LEAD_ID_LEN];
    int          status;
    uint64_t     since;
    chars        c;
    seen         p;

    read_at(s, 'a', T0);
    assert_int_equal(form(s, 'a', "ada@acme.example", "Ada", 0, T0 + 10,
                          ada), LEAD_IDENT_CREATED);
    read_at(s, 'm', T0 + 20);          /* the claimer reads before */

    assert_int_equal(form(s, 'm', "ADA@Acme.Example", "Mallory", 1,
                          T0 + 30, got), LEAD_IDENT_NOTIFY);
    assert_memory_equal(got, ada, LEAD_ID_LEN);
    read_at(s, 'm', T0 + 40);

    p = person(s, "ada@acme.example");
    assert_string_equal(p.name, "Ada");
    assert_false(p.contact);
    assert_false(p.subscribed);
    assert_int_equal(p.updated_ms, T0 + 10);
    assert_int_equal(lead_store_get_status(s, ada, &status, &since), LEAD_OK);
    assert_int_equal(status, LEAD_STATUS_IDENTIFIED);
    assert_string_equal(devices(s, ada, &c), "a");
    assert_string_equal(events(s, ada, &c), "a");

    visitor_id(m, 'm');
    assert_int_equal(lead_store_visitor_lead(s, m, got), LEAD_ENOTFOUND);
    assert_int_equal(lead_store_visitor_claims(s, m, T0 + 50), LEAD_OK);
    assert_string_equal(claims(s, ada, T0 + 50, &c), "m");

    /* pending for a while only: then the gate asks again */
    assert_int_equal(lead_store_visitor_claims(s, m,
                                               T0 + 30 + LEAD_CLAIM_TTL_MS),
                     LEAD_ENOTFOUND);
    assert_string_equal(claims(s, ada, T0 + 30 + LEAD_CLAIM_TTL_MS, &c), "");

    lead_store_close(s);
}

/* The lead's own browser filling the form again is no claim. */
static void
test_own_device_updates(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      ada[LEAD_ID_LEN], got[LEAD_ID_LEN];
    seen         p;

    assert_int_equal(form(s, 'a', "ada@acme.example", "Ada", 0, T0, ada),
                     LEAD_IDENT_CREATED);
    assert_int_equal(form(s, 'a', "Ada@acme.example", "Ada L.", 1, T0 + 10,
                          got), LEAD_IDENT_UPDATED);
    p = person(s, "ada@acme.example");
    assert_string_equal(p.name, "Ada L.");
    assert_true(p.contact);
    assert_true(p.subscribed);

    lead_store_close(s);
}

/* The link confirms: the device is the lead's, with what it read. */
static void
test_confirm_merges(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      ada[LEAD_ID_LEN], got[LEAD_ID_LEN], b[LEAD_ID_LEN];
    uint8_t      dev[LEAD_ID_LEN];
    char         token[LEAD_CONFIRM_TOKEN_LEN];
    chars        c;
    seen         p;

    assert_int_equal(form(s, 'a', "ada@acme.example", "Ada", 0, T0, ada),
                     LEAD_IDENT_CREATED);
    read_at(s, 'b', T0 + 5);
    assert_int_equal(form(s, 'b', "ada@acme.example", "Ada on her phone", 0,
                          T0 + 10, got), LEAD_IDENT_NOTIFY);
    read_at(s, 'b', T0 + 20);
    visitor_id(b, 'b');

    /* opening the link shows the lead and changes nothing */
    claim_token(b, ada, T0 + 10, token);
    memset(&p, 0, sizeof(p));
    assert_int_equal(lead_store_confirm(s, &claim_keys,
                                        token, sizeof(token), T0 + 30, 0,
                                        dev, see, &p), LEAD_OK);
    assert_string_equal(p.name, "Ada");
    assert_memory_equal(dev, b, LEAD_ID_LEN);
    assert_string_equal(devices(s, ada, &c), "a");

    /* confirming it links the device from the claim on */
    assert_int_equal(lead_store_confirm(s, &claim_keys,
                                        token, sizeof(token), T0 + 40, 1,
                                        dev, NULL, NULL), LEAD_OK);
    assert_string_equal(devices(s, ada, &c), "ab");
    assert_string_equal(events(s, ada, &c), "bb");
    assert_int_equal(lead_store_visitor_lead(s, b, got), LEAD_OK);
    assert_memory_equal(got, ada, LEAD_ID_LEN);
    assert_string_equal(claims(s, ada, T0 + 40, &c), "");
    assert_string_equal(person(s, "ada@acme.example").name, "Ada");

    /* twice is once; and the device may now update the lead itself */
    assert_int_equal(lead_store_confirm(s, &claim_keys,
                                        token, sizeof(token), T0 + 50, 1,
                                        dev, NULL, NULL), LEAD_OK);
    assert_int_equal(form(s, 'b', "ada@acme.example", "Ada B.", 0, T0 + 60,
                          got), LEAD_IDENT_UPDATED);
    assert_string_equal(person(s, "ada@acme.example").name, "Ada B.");

    lead_store_close(s);
}

/* A link that is not this key's, altered, expired or not pending. */
static void
test_confirm_refuses(void **state)
{
    static const lead_keys  others = {
        { { "another-secret-of-thirty-two-bytes!!", 36 } }, 1
    };
    lead_store  *s = open_store(state);
    uint8_t      ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], got[LEAD_ID_LEN];
    uint8_t      m[LEAD_ID_LEN], v[LEAD_ID_LEN], l[LEAD_ID_LEN];
    uint8_t      dev[LEAD_ID_LEN];
    char         token[LEAD_CONFIRM_TOKEN_LEN], bad[LEAD_CONFIRM_TOKEN_LEN];
    size_t       i;
    chars        c;

    assert_int_equal(form(s, 'a', "ada@acme.example", "Ada", 0, T0, ada),
                     LEAD_IDENT_CREATED);
    assert_int_equal(form(s, 'c', "bob@acme.example", "Bob", 0, T0, bob),
                     LEAD_IDENT_CREATED);
    assert_int_equal(form(s, 'm', "ada@acme.example", "M", 0, T0 + 10, got),
                     LEAD_IDENT_NOTIFY);
    visitor_id(m, 'm');
    claim_token(m, ada, T0 + 10, token);

    assert_int_equal(lead_confirm_token_verify(&claim_keys, token,
                                               sizeof(token), T0, v, l),
                     LEAD_OK);
    assert_memory_equal(v, m, LEAD_ID_LEN);
    assert_memory_equal(l, ada, LEAD_ID_LEN);

    /* any one character changed fails */
    for (i = 0; i < sizeof(token); i++) {
        memcpy(bad, token, sizeof(bad));
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_int_equal(lead_store_confirm(s, &claim_keys,
                                            bad, sizeof(bad), T0 + 20, 1,
                                            dev, NULL, NULL), LEAD_EINVAL);
    }
    assert_int_equal(lead_store_confirm(s, &claim_keys,
                                        token, sizeof(token) - 1, T0 + 20, 1,
                                        dev, NULL, NULL), LEAD_EINVAL);
    assert_int_equal(lead_store_confirm(s, &others, token, sizeof(token),
                                        T0 + 20, 1, dev, NULL, NULL),
                     LEAD_EINVAL);
    /* expired */
    assert_int_equal(lead_store_confirm(s, &claim_keys,
                                        token, sizeof(token),
                                        T0 + 10 + LEAD_CLAIM_TTL_MS, 1, dev, NULL,
                                        NULL), LEAD_EINVAL);
    /* well signed, but no such claim: the device never claimed Bob */
    claim_token(m, bob, T0 + 10, bad);
    assert_int_equal(lead_store_confirm(s, &claim_keys,
                                        bad, sizeof(bad), T0 + 20, 1, dev, NULL,
                                        NULL), LEAD_ENOTFOUND);

    assert_string_equal(devices(s, ada, &c), "a");
    assert_string_equal(devices(s, bob, &c), "c");
    assert_int_equal(lead_store_visitor_lead(s, m, got), LEAD_ENOTFOUND);

    lead_store_close(s);
}

/*
 * One device claims at most LEAD_CLAIMS_PER_DAY addresses a day and
 * causes at most LEAD_CLAIM_NOTICES_PER_DAY notices; one lead is sent at
 * most that many links a day, however many devices claim it.
 */
static void
test_caps(void **state)
{
    lead_store  *s = open_store(state);
    uint8_t      lead[LEAD_ID_LEN], ada[LEAD_ID_LEN], m[LEAD_ID_LEN];
    char         email[64];
    int          i, notices;
    chars        c;

    for (i = 0; i < 6; i++) {
        snprintf(email, sizeof(email), "p%d@acme.example", i);
        assert_int_equal(form(s, (char) ('A' + i), email, "P", 0, T0, lead),
                         LEAD_IDENT_CREATED);
    }

    /* addresses a day */
    for (i = 0; i < 6; i++) {
        snprintf(email, sizeof(email), "p%d@acme.example", i);
        assert_int_equal(form(s, 'm', email, "M", 1, T0 + 10 + i, lead),
                         i < LEAD_CLAIMS_PER_DAY ? LEAD_IDENT_NOTIFY
                                                 : LEAD_IDENT_REFUSED);
    }
    assert_string_equal(claims(s, lead, T0 + 20, &c), "");
    visitor_id(m, 'm');
    assert_int_equal(lead_store_visitor_claims(s, m, T0 + 20), LEAD_OK);

    /* a new day, new claims; one address again and again: few notices */
    assert_int_equal(form(s, 'm', "p5@acme.example", "M", 1, T0 + DAY, lead),
                     LEAD_IDENT_NOTIFY);
    for (i = 0, notices = 1; i < 10; i++) {
        notices += form(s, 'm', "p5@acme.example", "M", 1, T0 + DAY + 1 + i,
                        lead) == LEAD_IDENT_NOTIFY;
    }
    assert_int_equal(notices, LEAD_CLAIM_NOTICES_PER_DAY);
    assert_string_equal(claims(s, lead, T0 + DAY + 20, &c), "m");

    /* many devices, one lead: its links a day are bounded too */
    assert_int_equal(form(s, 'a', "ada@acme.example", "Ada", 0, T0, ada),
                     LEAD_IDENT_CREATED);
    for (i = 0, notices = 0; i < 8; i++) {
        notices += form(s, (char) ('r' + i), "ada@acme.example", "X", 1,
                        T0 + 2 * DAY + i, lead) == LEAD_IDENT_NOTIFY;
    }
    assert_int_equal(notices, LEAD_CLAIM_NOTICES_PER_DAY);
    assert_string_equal(claims(s, ada, T0 + 2 * DAY + 10, &c), "rstuvwxy");

    lead_store_close(s);
}

/* Forgetting a lead takes its claims; expiry takes a claimer's. */
static void
test_forget_and_purge(void **state)
{
    lead_store   *s = open_store(state);
    uint8_t       ada[LEAD_ID_LEN], bob[LEAD_ID_LEN], got[LEAD_ID_LEN];
    uint8_t       m[LEAD_ID_LEN], from[LEAD_ID_LEN];
    lead_erased   e;
    chars         c;
    int           more;

    assert_int_equal(form(s, 'a', "ada@acme.example", "Ada", 0, T0, ada),
                     LEAD_IDENT_CREATED);
    assert_int_equal(form(s, 'b', "bob@acme.example", "Bob", 0, T0, bob),
                     LEAD_IDENT_CREATED);
    read_at(s, 'm', T0 + 5);
    assert_int_equal(form(s, 'm', "ada@acme.example", "M", 0, T0 + 10, got),
                     LEAD_IDENT_NOTIFY);
    assert_int_equal(form(s, 'n', "bob@acme.example", "N", 0, T0 + 10, got),
                     LEAD_IDENT_NOTIFY);
    read_at(s, 'n', T0 + 11);
    visitor_id(m, 'm');

    assert_int_equal(lead_store_forget(s, "ada@acme.example", 16, &e),
                     LEAD_OK);
    assert_int_equal(lead_store_visitor_claims(s, m, T0 + 20),
                     LEAD_ENOTFOUND);
    assert_string_equal(claims(s, ada, T0 + 20, &c), "");

    /* the visitors' index the sweep reads is the fold's */
    assert_int_equal(lead_store_fold(s, NULL, T0 + DAY, 10000, NULL, NULL,
                                     &more), LEAD_OK);
    memset(from, 0, sizeof(from));
    assert_int_equal(lead_store_purge_anonymous(s, T0 + DAY, 100, from, &e,
                                                &more), LEAD_OK);
    assert_string_equal(claims(s, bob, T0 + 20, &c), "");

    lead_store_close(s);
}

int
main(void)
{
#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest  tests[] = {
        T(test_claim_changes_nothing),
        T(test_own_device_updates),
        T(test_confirm_merges),
        T(test_confirm_refuses),
        T(test_caps),
        T(test_forget_and_purge),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
