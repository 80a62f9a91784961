#include "unit.h"

#include <ctype.h>
#include <math.h>

#include "lead_support.h"
#include "lead_companies.h"
#include "lead_derived.h"

/*
 * The views' short ways (lead_list.c, lead_assets.c) give what the long
 * ones give: a filtered list is the full list with the filter applied
 * row by row, the accounts from the company leads only are those from
 * every lead, the hottest accounts from the kept ones (and their page)
 * are the first of those, each asset's readers are the distinct people that read
 * it, counted from every event (those identified, the devices found
 * lead by lead), the funnel page's walks of the status changes and of
 * every lead's reads give the funnel and calibration their own walks
 * give, and the counts by status kept are those of every lead's row.
 * On a store with reads, identifies, status changes, a deal and a
 * person forgotten, from the kept scores (folded, and with a tail) and
 * from a full scan (rules of another text).
 */

#define N_ELEMS(a)  (sizeof(a) / sizeof((a)[0]))

#define MIN      UINT64_C(60000)
#define HOUR     (60 * MIN)
#define DAY      (24 * HOUR)
#define T0       UINT64_C(1790000000000)
#define VISITORS 48

static const char  scoring[] =
    "half_life 10d;\nreload_window 30m;\nmql_threshold 150;\n"
    "warm_after guide 2 15;\nprofile country GB 20;\n"
    "profile company_email 10;\n";
static const char  assets[] =
    "path,title,stage,points,topic,flags\n"
    "/why,Why,epiphany,5,resilience,open\n"
    "/g1,Guide 1,interest,10,fibre,group=guide\n"
    "/g2,Guide 2,interest,10,fibre,group=guide\n"
    "/g3,Guide 3,evaluation,15,fibre,group=guide\n"
    "/case,Case study,evaluation,20,fibre,\n"
    "/map.pdf,Map,decision,40,fibre,hot\n";

static const char  *paths[] = { "/why", "/g1", "/g2", "/g3", "/case",
                                "/map.pdf", "/untagged" };

#define WORLD_ID_BYTE  0x6b
#include "world_fixture.h"

static int
setup_world(void **state)
{
    world            *w;
    lead_store_opts   opts = { 0, 0, 0, 0 };
    char              err[512], conf[1024], file[512];
    FILE             *fp;
    int               i;

    w = calloc(1, sizeof(*w));
    if (w == NULL || setup(&w->dir) != 0) {
        free(w);
        return -1;
    }
    w->rng = 0x2545f4914f6cdd1dULL;
    assert_int_equal(lead_store_open(&w->s, dir_of(&w->dir), &opts, err,
                                     sizeof(err)), LEAD_OK);

    /* free-mail addresses are no account */
    snprintf(file, sizeof(file), "%s/free.txt", dir_of(&w->dir));
    fp = fopen(file, "w");
    assert_non_null(fp);
    fputs("mail.example\n", fp);
    fclose(fp);

    for (i = 0; i < 2; i++) {
        snprintf(conf, sizeof(conf), "%sfreemail_domains free.txt;\n%s",
                 scoring, i ? "# other text\n" : "");
        if (lead_rules_parse(i ? &w->scan : &w->kept, dir_of(&w->dir), conf,
                             strlen(conf), assets, strlen(assets), err,
                             sizeof(err)) != LEAD_OK)
        {
            fail_msg("%s", err);
        }
    }
    assert_int_equal(lead_store_put_assets(w->s, w->kept), LEAD_OK);
    *state = w;
    return 0;
}

/* n random reads between from and to, stored as one batch; all of
   visitor v's if v is one */
static void
reads(world *w, size_t n, uint64_t from, uint64_t to, int v)
{
    lead_batch  *b = lead_batch_new(1 << 20);
    lead_event   ev;
    const char  *path;
    size_t       i;

    assert_non_null(b);
    for (i = 0; i < n; i++) {
        memset(&ev, 0, sizeof(ev));
        ev.time_ms = from + rnd(w) % (to - from);
        visitor_id(ev.visitor, v >= 0 ? (unsigned) v
                                      : (unsigned) (rnd(w) % VISITORS));
        path = paths[rnd(w) % N_ELEMS(paths)];
        ev.path = (lead_str) { path, strlen(path) };
        ev.status = 200;
        ev.ua_class = rnd(w) % 12 ? LEAD_UA_BROWSER : LEAD_UA_BOT;
        ev.file_size = 1000;
        ev.bytes_sent = 1000;
        ev.country = rnd(w) % 2 ? (lead_str) { "GB", 2 }
                                : (lead_str) { "FR", 2 };
        lead_event_set_asset(&ev, lead_rules_match(w->kept, path,
                                                   strlen(path)));
        assert_int_equal(lead_batch_add(b, &ev), LEAD_OK);
    }
    assert_int_equal(lead_store_commit(w->s, b), LEAD_OK);
    lead_batch_free(b);
}

static void
identify(world *w, unsigned v, unsigned person, uint64_t at,
    uint8_t lead[LEAD_ID_LEN])
{
    lead_form  form;
    uint8_t    visitor[LEAD_ID_LEN];
    int        created;

    memset(&form, 0, sizeof(form));
    if (person % 4 == 0) {
        form.email_len = (size_t) snprintf(form.email, sizeof(form.email),
                                           "p%u@mail.example", person);
    } else {
        form.email_len = (size_t) snprintf(form.email, sizeof(form.email),
                                           "p%u@corp%u.example", person,
                                           person % 5);
    }
    form.name_len = (size_t) snprintf(form.name, sizeof(form.name),
                                      "Person %u", person);
    form.contact = person % 7 == 0;
    visitor_id(visitor, v);
    assert_int_equal(lead_store_identify(w->s, visitor, &form, "fibre", 5,
                                         at, lead, &created), LEAD_OK);
}

/* reads, people identifying, statuses changed, a deal, one forgotten */
static void
fill(world *w)
{
    static const int  to[] = { LEAD_STATUS_MQL, LEAD_STATUS_SAL,
                               LEAD_STATUS_NURTURE, LEAD_STATUS_MQL,
                               LEAD_STATUS_SAL, LEAD_STATUS_SQL };
    lead_outcome      o;
    lead_erased       gone;
    uint8_t           lead[LEAD_ID_LEN];
    unsigned          v, k;

    reads(w, 150, T0, T0 + 10 * DAY, -1);
    for (v = 0; v < VISITORS - 8; v++) {
        identify(w, v, v % 30, T0 + 5 * DAY + v * MIN, lead);
        /* along the funnel, some changes refused: they change nothing */
        for (k = 0; k < v % N_ELEMS(to); k++) {
            (void) lead_store_set_status(w->s, lead, to[k],
                                         T0 + 6 * DAY + v * MIN + k, "test",
                                         "sales", "no fit");
        }
    }
    reads(w, 150, T0 + 10 * DAY, T0 + 20 * DAY, -1);
    fold_all(w, T0 + 15 * DAY);            /* the rest is the tail */

    identify(w, 1, 1, T0 + 20 * DAY, lead);
    (void) lead_store_set_status(w->s, lead, LEAD_STATUS_SQL, T0 + 20 * DAY,
                                 "test", "", "");
    memset(&o, 0, sizeof(o));
    o.amount = 120000;
    memcpy(o.currency, "EUR", 4);
    o.closed_ms = T0 + 20 * DAY + HOUR;
    (void) lead_store_close_deal(w->s, lead, LEAD_STATUS_WON,
                                 T0 + 20 * DAY + HOUR, &o, "test", "");
    assert_int_equal(lead_store_forget(w->s, "p2@corp2.example", 16, &gone),
                     LEAD_OK);
    assert_int_equal(gone.leads, 1);
}

static int
contains(lead_str s, const char *lower)
{
    char    buf[512];
    size_t  i;

    for (i = 0; i < s.len && i < sizeof(buf) - 1; i++) {
        buf[i] = (char) tolower((unsigned char) s.data[i]);
    }
    buf[i] = '\0';
    return strstr(buf, lower) != NULL;
}

typedef struct {
    const char  *key[2], *value[2];
} filter_case;

static size_t  matched;          /* rows the filters let through, in all */

/* The filtered list is the whole list, filtered here row by row. */
static void
expect_filtered(world *w, const lead_rules *r, uint64_t now,
    const filter_case *fc)
{
    lead_list    all, got;
    lead_filter  f;
    char         err[128], q[sizeof(f.search)];
    size_t       i, k = 0;
    int          j;

    assert_int_equal(lead_query_leads(w->s, r, now, NULL, &all), LEAD_OK);
    lead_filter_init(&f);
    for (j = 0; j < 2 && fc->key[j]; j++) {
        assert_int_equal(lead_filter_set(&f, r, fc->key[j], fc->value[j],
                                         strlen(fc->value[j]), err,
                                         sizeof(err)), LEAD_OK);
    }
    assert_int_equal(lead_query_leads(w->s, r, now, &f, &got), LEAD_OK);
    for (i = 0; f.search[i]; i++) {
        q[i] = (char) tolower((unsigned char) f.search[i]);
    }
    q[i] = '\0';

    for (i = 0; i < all.n; i++) {
        const lead_row  *row = &all.rows[i];

        if ((f.status >= 0 && row->status != f.status)
            || (f.stage >= 0 && row->stage_index != f.stage)
            || (f.grade && row->grade != f.grade)
            || (f.band && row->band != f.band)
            || (q[0] && !contains(row->name, q) && !contains(row->email, q)))
        {
            continue;
        }
        if (k >= got.n) {
            fail_msg("%s=%s: %s missing", fc->key[0], fc->value[0],
                     row->email.data);
        }
        assert_memory_equal(got.rows[k].id, row->id, LEAD_ID_LEN);
        assert_int_equal(got.rows[k].grade, row->grade);
        assert_string_equal(got.rows[k].country, row->country);
        assert_true(got.rows[k].engagement == row->engagement);
        k++;
    }
    assert_int_equal(got.n, k);
    assert_int_equal(got.matched, k);
    matched += k;
    assert_int_equal(got.total, all.total);
    assert_memory_equal(got.by_status, all.by_status, sizeof(all.by_status));
    lead_list_free(&all);
    lead_list_free(&got);
}

static void
same_account(const lead_account *a, const lead_account *b)
{
    assert_int_equal(a->company.len, b->company.len);
    assert_memory_equal(a->company.data, b->company.data, a->company.len);
    assert_true(a->engagement == b->engagement);
    assert_int_equal(a->count, b->count);
}

/* The accounts from the company leads only are those from every lead. */
static void
expect_accounts(world *w, const lead_rules *r, uint64_t now)
{
    lead_list      all, some;
    lead_filter    f;
    lead_account  *a, *b;
    size_t         na, nb, i, k;

    assert_int_equal(lead_query_leads(w->s, r, now, NULL, &all), LEAD_OK);
    assert_int_equal(lead_query_accounts(&all, &a, &na), LEAD_OK);
    lead_filter_init(&f);
    f.only = LEAD_ONLY_COMPANIES;
    assert_int_equal(lead_query_leads(w->s, r, now, &f, &some), LEAD_OK);
    assert_int_equal(lead_query_accounts(&some, &b, &nb), LEAD_OK);

    assert_true(na > 2);
    assert_int_equal(na, nb);
    assert_int_equal(all.n, some.n);
    for (i = 0; i < na; i++) {
        same_account(&a[i], &b[i]);
        assert_int_equal(a[i].first, b[i].first);
        assert_false(contains(a[i].company, "mail.example"));
        for (k = a[i].first; k < a[i].first + a[i].count; k++) {
            assert_memory_equal(all.rows[k].id, some.rows[k].id,
                                LEAD_ID_LEN);
            assert_string_equal(all.rows[k].name.data,
                                some.rows[k].name.data);
            assert_int_equal(all.rows[k].status, some.rows[k].status);
        }
    }
    free(a);
    free(b);
    lead_list_free(&all);
    lead_list_free(&some);
}

/*
 * The hottest accounts from the kept ones are the first want of those
 * from every company lead, people and sums alike, and the companies are
 * as many.
 */
static void
expect_accounts_kept(world *w, const lead_rules *r, uint64_t now,
    size_t want)
{
    lead_list      all, top;
    lead_filter    f;
    lead_account  *a, *b;
    size_t         na, nb, companies, i, k, j;

    lead_filter_init(&f);
    f.only = LEAD_ONLY_COMPANIES;
    assert_int_equal(lead_query_leads(w->s, r, now, &f, &all), LEAD_OK);
    assert_int_equal(lead_query_accounts(&all, &a, &na), LEAD_OK);
    assert_int_equal(lead_query_accounts_top(w->s, r, now, want, &top, &b,
                                             &nb, &companies), LEAD_OK);

    assert_true(na > 2);
    assert_int_equal(companies, na);
    assert_int_equal(nb, want < na ? want : na);
    for (i = 0; i < nb; i++) {
        same_account(&a[i], &b[i]);
        for (k = 0; k < a[i].count; k++) {
            const lead_row  *x = &all.rows[a[i].first + k],
                            *y = &top.rows[b[i].first + k];

            assert_memory_equal(x->id, y->id, LEAD_ID_LEN);
            assert_string_equal(x->name.data, y->name.data);
            assert_string_equal(x->email.data, y->email.data);
            assert_true(x->engagement == y->engagement);
            assert_int_equal(x->last_ms, y->last_ms);
            assert_int_equal(x->status, y->status);
        }
    }
    /* want past those left out of the kept: no more than were asked */
    for (j = 0; j < nb; j++) {
        assert_true(b[j].first + b[j].count <= top.n);
    }
    free(a);
    free(b);
    lead_list_free(&all);
    lead_list_free(&top);
}

/* The accounts page from the kept accounts is the full scan's, byte for
   byte: the scan's rules score alike, but their text is another. */
static void
expect_accounts_page(world *w, uint64_t now)
{
    lead_sales_request    req;
    lead_sales_response   kept, scan;
    lead_sales           *app;
    char                  err[256];

    assert_int_equal(lead_sales_new(&app, err, sizeof(err)), LEAD_OK);
    memset(&req, 0, sizeof(req));
    memset(&kept, 0, sizeof(kept));
    memset(&scan, 0, sizeof(scan));
    req.path = (lead_str) { "accounts", 8 };
    req.base = (lead_str) { "/sales/", 7 };
    req.now_ms = now;
    lead_sales_serve(app, w->s, w->kept, &req, &kept);
    lead_sales_serve(app, w->s, w->scan, &req, &scan);
    assert_int_equal(kept.status, 200);
    assert_int_equal(scan.status, 200);
    assert_non_null(strstr(kept.body.data, "corp1.example"));
    assert_string_equal(kept.body.data, scan.body.data);
    lead_buf_free(&kept.body);
    lead_buf_free(&kept.location);
    lead_buf_free(&scan.body);
    lead_buf_free(&scan.location);
    lead_sales_free(app);
}

/* The kept accounts cannot answer for rules not folded: the full scan
   does. */
static void
expect_accounts_other_rules(world *w, const lead_rules *r, uint64_t now)
{
    lead_list      top;
    lead_account  *b;
    size_t         nb, companies;

    assert_int_equal(lead_query_accounts_top(w->s, r, now, 20, &top,
                                             &b, &nb, &companies),
                     LEAD_ENOTFOUND);
}

/* The counts by status, kept, are those of every lead's row. */
static void
expect_counts(world *w, const lead_rules *r, uint64_t now)
{
    lead_list  all;
    size_t     counts[LEAD_NSTATUSES], leads;

    assert_int_equal(lead_query_leads(w->s, r, now, NULL, &all), LEAD_OK);
    assert_int_equal(lead_store_count_statuses(w->s, counts, &leads),
                     LEAD_OK);
    assert_int_equal(leads, all.total);
    assert_memory_equal(counts, all.by_status, sizeof(counts));
    lead_list_free(&all);
}

/*
 * A store without the kept counts (older than them) is counted by a
 * scan, and has them made at its next status change.
 */
static void
expect_counts_made(world *w, uint64_t now)
{
    MDB_txn      *txn;
    MDB_val       key = { 8, (void *) "statuses" }, val;
    lead_list     mqls;
    lead_filter   f;

    assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_del(txn, w->s->meta, &key, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    expect_counts(w, w->kept, now);

    lead_filter_init(&f);
    f.status = LEAD_STATUS_MQL;
    assert_int_equal(lead_query_leads(w->s, w->kept, now, &f, &mqls),
                     LEAD_OK);
    assert_true(mqls.n > 0);
    assert_int_equal(lead_store_set_status(w->s, mqls.rows[0].id,
                                           LEAD_STATUS_SAL, now, "test",
                                           "sales", ""), LEAD_OK);
    lead_list_free(&mqls);

    assert_int_equal(lead_store_read_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_get(txn, w->s->meta, &key, &val), 0);
    lead_store_read_end(w->s, txn);
    expect_counts(w, w->kept, now);
}

/*
 * The kept accounts built for a store that has none (older than them),
 * and again when the rules change: the fold drops them with its states.
 */
static void
expect_accounts_rebuilt(world *w, uint64_t now)
{
    MDB_txn  *txn;
    MDB_val   key = { 8, (void *) "accounts" };
    uint8_t   lead[LEAD_ID_LEN];
    size_t    i;
    int       more;

    assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_drop(txn, w->s->accounts, 0), 0);
    assert_int_equal(mdb_del(txn, w->s->meta, &key, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    expect_accounts_other_rules(w, w->kept, now);
    identify(w, 44, 33, now - HOUR, lead);     /* not kept: not built */
    fold_all(w, now - 2 * HOUR);
    for (i = 1; i <= 6; i++) {
        expect_accounts_kept(w, w->kept, now, i);
    }

    /* a short tail: its few leads' companies asked of their people */
    reads(w, 4, now - HOUR, now, -1);
    for (i = 1; i <= 6; i++) {
        expect_accounts_kept(w, w->kept, now, i);
    }

    /* other rules: folded again from the first event, accounts with it */
    do {
        assert_int_equal(lead_store_fold(w->s, w->scan, now - DAY, 10000,
                                         NULL, NULL, &more), LEAD_OK);
    } while (more);
    for (i = 1; i <= 6; i++) {
        expect_accounts_kept(w, w->scan, now, i);
    }
    expect_accounts_other_rules(w, w->kept, now);
}

#include "views_readers.h"

static int
count_changes(void *arg, const uint8_t lead_id[LEAD_ID_LEN],
    const lead_transition *t)
{
    (void) lead_id;
    (void) t;
    ++*(size_t *) arg;
    return 0;
}

/* The funnel and calibration from one walk (or calibration's leads'
   reads alone when the stages are kept: kept 1) are those from two. */
static void
expect_funnel(world *w, const lead_rules *r, uint64_t now, int kept)
{
    lead_calibration   one, two;
    lead_funnel_rider  count;
    lead_funnel        a, b;
    size_t             i, k, n = 0;

    assert_int_equal(lead_query_funnel_calibration(w->s, r, now, &a, &one),
                     LEAD_OK);
    /* the changes ride along; the reads if the stages walk them */
    memset(&count, 0, sizeof(count));
    count.transition = count_changes;
    count.arg = &n;
    assert_int_equal(lead_query_funnel_with(w->s, r, now, &b, &count),
                     LEAD_OK);
    assert_int_equal(count.walked, !kept);
    assert_true(n > 0);
    assert_int_equal(lead_query_calibration(w->s, r, NULL, now, &two),
                     LEAD_OK);

    assert_memory_equal(&one.current, &two.current, sizeof(one.current));
    assert_int_equal(one.has_proposed, 0);
    assert_true(one.current.all.mql > 2 && one.current.all.sal > 0);

    assert_int_equal(a.leads, b.leads);
    assert_memory_equal(a.status, b.status, sizeof(a.status));
    assert_memory_equal(a.stage, b.stage, sizeof(a.stage));
    assert_memory_equal(a.stage_time, b.stage_time, sizeof(a.stage_time));
    assert_memory_equal(a.cohorts, b.cohorts, sizeof(a.cohorts));
    assert_int_equal(a.ncohorts, b.ncohorts);
    assert_int_equal(a.nmonths, b.nmonths);
    for (i = 0; i < LEAD_FUNNEL_MONTHS; i++) {
        assert_int_equal(a.months[i].mql, b.months[i].mql);
        assert_int_equal(a.months[i].rejected, b.months[i].rejected);
        assert_int_equal(a.months[i].nreasons, b.months[i].nreasons);
        for (k = 0; k < a.months[i].nreasons; k++) {
            assert_int_equal(a.months[i].reasons[k].count,
                             b.months[i].reasons[k].count);
        }
    }
    for (i = 0, k = 0; i <= LEAD_MAX_STAGES; i++) {
        k += a.stage_time[i].leads;
    }
    assert_true(a.leads > 20 && k > 20);
    lead_funnel_free(&a);
    lead_funnel_free(&b);
}

static int
count_walk(void *arg, const lead_stage_walk *lw)
{
    (void) lw;
    ++*(size_t *) arg;
    return 0;
}

/* The time in each buying stage from the kept walks is the full scan's. */
static void
expect_stages(world *w, const lead_rules *kept, const lead_rules *scan,
    uint64_t now)
{
    lead_funnel  a, b;
    size_t       leads, walks = 0;
    int          usable;

    assert_int_equal(lead_store_each_stage_walk(w->s, kept, now, count_walk,
                                                &walks, &leads, &usable),
                     LEAD_OK);
    assert_true(usable && walks > 20 && leads >= walks);

    assert_int_equal(lead_query_funnel(w->s, kept, now, &a), LEAD_OK);
    assert_int_equal(lead_query_funnel(w->s, scan, now, &b), LEAD_OK);
    assert_int_equal(a.leads, b.leads);
    assert_memory_equal(a.stage, b.stage, sizeof(a.stage));
    assert_memory_equal(a.stage_time, b.stage_time, sizeof(a.stage_time));
    lead_funnel_free(&a);
    lead_funnel_free(&b);
}

/*
 * The stages' ends: a store without them (older) lists a stage by the
 * walk until a fold builds them; other rules start them over.
 */
static void
expect_stage_ends(world *w, uint64_t now, const filter_case *cases,
    size_t n)
{
    MDB_txn  *txn;
    MDB_val   key = { 10, (void *) "stage_ends" };
    size_t    i;
    int       more;

    assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_del(txn, w->s->meta, &key, NULL), 0);
    assert_int_equal(mdb_drop(txn, w->s->stage_ends, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    for (i = 0; i < n; i++) {
        expect_filtered(w, w->kept, now + 30 * DAY, &cases[i]);
    }
    fold_all(w, now);
    for (i = 0; i < n; i++) {
        expect_filtered(w, w->kept, now + 30 * DAY, &cases[i]);
    }

    reads(w, 100, now, now + DAY, -1);
    do {
        assert_int_equal(lead_store_fold(w->s, w->scan, now + HOUR, 10000,
                                         NULL, NULL, &more), LEAD_OK);
    } while (more);
    for (i = 0; i < n; i++) {
        expect_filtered(w, w->scan, now + DAY, &cases[i]);
        expect_filtered(w, w->scan, now + 30 * DAY, &cases[i]);
    }
}

/* A table's rows in order: each key's and value's size and bytes; of
   the stages' ends, those of a lead with a summary (a forgotten one's
   are left for its summary, gone, to turn down). */
static void
table_rows(world *w, MDB_dbi dbi, lead_buf *b)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val, id, sum;
    int          op;

    b->len = 0;
    assert_int_equal(lead_store_read_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    for (op = MDB_FIRST; mdb_cursor_get(cur, &key, &val, op) == 0;
         op = MDB_NEXT)
    {
        id.mv_data = (uint8_t *) key.mv_data + 9;
        id.mv_size = LEAD_ID_LEN;
        if (dbi == w->s->stage_ends
            && mdb_get(txn, w->s->summaries, &id, &sum) != 0)
        {
            continue;
        }
        lead_buf_put_u64(b, key.mv_size);
        lead_buf_put(b, key.mv_data, key.mv_size);
        lead_buf_put_u64(b, val.mv_size);
        lead_buf_put(b, val.mv_data, val.mv_size);
    }
    mdb_cursor_close(cur);
    lead_store_read_end(w->s, txn);
    assert_false(b->oom);
}

/* A company's sum scaled to now (its rows' sums are added in another
   order when built: equal but for rounding). */
static double
sum_at(const uint8_t *v, uint64_t now)
{
    MDB_val           val = { 32, (void *) v };
    lead_company_sum  c;

    assert_int_equal(lead_companies_decode(&val, &c), LEAD_OK);
    return c.sum * exp2(-(double) (now - c.ref_ms) / (10.0 * DAY));
}

/*
 * What the fold kept summary by summary (the stages' ends, the accounts)
 * is what a build from every summary makes: the same rows, the sums
 * equal but for rounding.  until: where the fold is, so none is new.
 */
static void
expect_kept_as_built(world *w, uint64_t until)
{
    static const char  *meta[] = { "stage_ends", "accounts" };
    MDB_dbi             dbi[2] = { w->s->stage_ends, w->s->accounts };
    MDB_txn            *txn;
    MDB_val             key;
    lead_buf            kept, built;
    const uint8_t      *a, *b;
    size_t              i, at, k, v;

    memset(&kept, 0, sizeof(kept));
    memset(&built, 0, sizeof(built));
    for (i = 0; i < 2; i++) {
        table_rows(w, dbi[i], &kept);
        assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
        key.mv_data = (void *) meta[i];
        key.mv_size = strlen(meta[i]);
        assert_int_equal(mdb_del(txn, w->s->meta, &key, NULL), 0);
        assert_int_equal(mdb_txn_commit(txn), 0);
        fold_all(w, until);
        table_rows(w, dbi[i], &built);
        assert_true(kept.len > 1000);
        assert_int_equal(kept.len, built.len);

        a = (const uint8_t *) kept.data;
        b = (const uint8_t *) built.data;
        for (at = 0; at < kept.len; at += 16 + k + v) {
            k = lead_get_u64(a + at);
            v = lead_get_u64(a + at + 8 + k);
            assert_memory_equal(a + at, b + at, 16 + k);
            if (i == 0 || a[at + 8] != 0) {
                assert_memory_equal(a + at + 16 + k, b + at + 16 + k, v);
            } else {
                /* a sum: its people, and its engagement at one moment */
                assert_memory_equal(a + at + 16 + k, b + at + 16 + k, 8);
                assert_true(fabs(sum_at(a + at + 16 + k, until)
                                 - sum_at(b + at + 16 + k, until)) < 1e-6);
            }
        }
    }
    lead_buf_free(&kept);
    lead_buf_free(&built);
}

/* The search's list with the leads' kept texts and without: the same;
   how many leads it matched. */
static size_t
same_search(world *w, uint64_t now, const char *q)
{
    filter_case   fc = { { "q", NULL }, { q, NULL } };
    lead_list     a, b;
    lead_filter   f;
    MDB_txn      *txn;
    MDB_val       key = { 5, (void *) "texts" };
    char          err[128];
    size_t        i, found;
    int           built;

    lead_filter_init(&f);
    assert_int_equal(lead_filter_set(&f, w->kept, "q", q, strlen(q), err,
                                     sizeof(err)), LEAD_OK);
    assert_int_equal(lead_query_leads(w->s, w->kept, now, &f, &a), LEAD_OK);
    assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
    built = lead_texts_usable(w->s, txn);
    assert_int_equal(mdb_del(txn, w->s->meta, &key, NULL),
                     built ? 0 : MDB_NOTFOUND);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(lead_query_leads(w->s, w->kept, now, &f, &b), LEAD_OK);
    if (built) {
        assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
        assert_int_equal(lead_store_set_meta_u64(w->s, txn, "texts", 1),
                         LEAD_OK);
        assert_int_equal(mdb_txn_commit(txn), 0);
    }

    assert_int_equal(a.n, b.n);
    assert_int_equal(a.matched, b.matched);
    assert_int_equal(a.total, b.total);
    for (i = 0; i < a.n; i++) {
        assert_memory_equal(a.rows[i].id, b.rows[i].id, LEAD_ID_LEN);
        assert_string_equal(a.rows[i].name.data, b.rows[i].name.data);
        assert_string_equal(a.rows[i].email.data, b.rows[i].email.data);
        assert_int_equal(a.rows[i].status, b.rows[i].status);
        assert_int_equal(a.rows[i].devices, b.rows[i].devices);
        assert_int_equal(a.rows[i].last_ms, b.rows[i].last_ms);
        assert_true(a.rows[i].engagement == b.rows[i].engagement);
    }
    found = a.matched;
    lead_list_free(&a);
    lead_list_free(&b);
    expect_filtered(w, w->kept, now, &fc);
    return found;
}

static void
rename_lead(world *w, unsigned v, const char *email, const char *name,
    uint8_t lead[LEAD_ID_LEN])
{
    lead_form  form;
    uint8_t    visitor[LEAD_ID_LEN];
    int        created;

    memset(&form, 0, sizeof(form));
    form.email_len = strlen(email);
    memcpy(form.email, email, form.email_len);
    form.name_len = strlen(name);
    memcpy(form.name, name, form.name_len);
    visitor_id(visitor, v);
    assert_int_equal(lead_store_identify(w->s, visitor, &form, "", 0,
                                         T0 + 21 * DAY, lead, &created),
                     LEAD_OK);
}

/*
 * A search reads the leads' kept texts: after a rename and a name in
 * another script, with a block damaged (its leads walked, then unbuilt
 * by a write), and for a store without them until a fold builds them.
 */
static void
expect_texts(world *w, uint64_t now)
{
    static const char  *qs[] = { "ZO", "str", "person 1", "person 2",
                                 "CORP3", "@", "p5@", "e", "zz", "person 5" };
    MDB_txn            *txn;
    MDB_val             key, val = { 3, (void *) "\x01\x00\x09" };
    uint8_t             lead[LEAD_ID_LEN];
    size_t              i, k;

    fold_all(w, now);                   /* the kept rules again */
    rename_lead(w, 5, "p5@corp0.example", "Zo\xc3\xab \xc3\x85STR\xc3\x96M",
                lead);
    /* bytes past ASCII match as they are */
    assert_int_equal(same_search(w, now, "ZO\xc3\xab"), 1);
    for (k = 0; k < 4; k++) {
        if (k == 1) {
            /* a block damaged: its leads are walked */
            assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
            key.mv_data = lead;
            key.mv_size = 2;
            assert_int_equal(mdb_put(txn, w->s->texts, &key, &val, 0), 0);
            assert_int_equal(mdb_txn_commit(txn), 0);
        } else if (k == 2) {
            /* written to: no texts until the fold builds them again */
            rename_lead(w, 5, "p5@corp0.example", "Zo\xc3\xab Person 1",
                        lead);
        } else if (k == 3) {
            /* a store without them */
            assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
            assert_int_equal(mdb_drop(txn, w->s->texts, 0), 0);
            assert_int_equal(mdb_txn_commit(txn), 0);
            same_search(w, now, "person 1");
            fold_all(w, now);
        }
        assert_int_equal(lead_store_read_begin(w->s, &txn), LEAD_OK);
        assert_int_equal(lead_texts_usable(w->s, txn), k != 2);
        lead_store_read_end(w->s, txn);
        for (i = 0; i < N_ELEMS(qs); i++) {
            same_search(w, now, qs[i]);
        }
    }
}

static void
test_views_agree(void **state)
{
    static const filter_case  cases[] = {
        { { "status", NULL }, { "mql", NULL } },
        { { "status", NULL }, { "identified", NULL } },
        { { "status", NULL }, { "nurture", NULL } },
        { { "status", NULL }, { "sql", NULL } },
        { { "status", "stage" }, { "mql", "decision" } },
        { { "stage", NULL }, { "interest", NULL } },
        { { "stage", "cell" }, { "evaluation", "B" } },
        { { "stage", "q" }, { "epiphany", "corp" } },
        { { "q", NULL }, { "person 1", NULL } },
        { { "q", "status" }, { "CORP3", "mql" } },
        { { "cell", NULL }, { "C4", NULL } },
        { { "cell", "status" }, { "D3", "mql" } },
    };
    world       *w = *state;
    uint64_t     now = T0 + 21 * DAY;
    uint8_t      lead[LEAD_ID_LEN];
    lead_erased  gone;
    size_t       i;
    int          j, more;

    fill(w);
    for (j = 0; j < 2; j++) {
        const lead_rules  *r = j ? w->scan : w->kept;

        for (i = 0; i < N_ELEMS(cases); i++) {
            expect_filtered(w, r, now, &cases[i]);
            expect_filtered(w, r, now + 30 * DAY, &cases[i]);
        }
        expect_accounts(w, r, now);
        if (!j) {
            /* with a tail: its leads' companies are asked of people */
            for (i = 1; i <= 6; i++) {
                expect_accounts_kept(w, r, now, i);
                expect_accounts_kept(w, r, now + 30 * DAY, i);
            }
            expect_accounts_page(w, now);
        }
        expect_stages(w, w->kept, w->scan, j ? now + 30 * DAY : now);
        expect_funnel(w, r, now, !j);
        expect_funnel(w, r, now + 30 * DAY, !j);
    }
    expect_readers(w);
    /* after the fold, a visitor identifies and a lead becomes mql */
    identify(w, VISITORS - 2, 40, T0 + 8 * DAY, lead);
    identify(w, 6, 6, T0 + 5 * DAY, lead);
    assert_int_equal(lead_store_set_status(w->s, lead, LEAD_STATUS_MQL,
                                           T0 + 12 * DAY, "test", "", ""),
                     LEAD_OK);
    expect_readers_kept(w, T0 + 15 * DAY);
    assert_true(matched > 100);

    /* all folded: no tail */
    fold_all(w, now);
    for (i = 0; i < N_ELEMS(cases); i++) {
        expect_filtered(w, w->kept, now, &cases[i]);
    }
    expect_accounts(w, w->kept, now);
    for (i = 1; i <= 6; i++) {
        expect_accounts_kept(w, w->kept, now, i);
    }
    expect_accounts_page(w, now);
    expect_accounts_other_rules(w, w->scan, now);
    expect_counts(w, w->kept, now);
    expect_counts_made(w, now);
    /* no tail: a person forgotten is a mark alone */
    assert_int_equal(lead_store_forget(w->s, "p3@corp3.example", 16, &gone),
                     LEAD_OK);
    assert_int_equal(gone.leads, 1);
    expect_readers_kept(w, now);
    expect_readers_relaid(w, now);

    expect_stages(w, w->kept, w->scan, now);
    expect_funnel(w, w->kept, now, 1);

    /* a lead of many reads, folded batch by batch: a stage worked out
       every n-th read, n growing with the reads (LEAD_STAGE_EVALS) */
    for (i = 0; i < 3; i++) {
        reads(w, 1000, now + i * DAY, now + (i + 1) * DAY, 3);
        fold_all(w, now + i * DAY + DAY / 2);
        expect_stages(w, w->kept, w->scan, now + (i + 1) * DAY);
    }
    /* its rows grown by the reads each fold indexed */
    expect_readers_kept(w, now + 2 * DAY + DAY / 2);
    expect_kept_as_built(w, now + 2 * DAY + DAY / 2);

    expect_accounts_rebuilt(w, now + 4 * DAY);

    /* other rules (the accounts' check folded with them): the walks are
       the new rules' */
    do {
        assert_int_equal(lead_store_fold(w->s, w->scan, now + 4 * DAY, 10000,
                                         NULL, NULL, &more), LEAD_OK);
    } while (more);
    expect_stages(w, w->scan, w->kept, now + 5 * DAY);
    expect_funnel(w, w->scan, now + 5 * DAY, 1);
    expect_funnel(w, w->kept, now + 5 * DAY, 0);
    expect_stage_ends(w, now + 5 * DAY, cases, N_ELEMS(cases));
    expect_texts(w, now + 5 * DAY);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_views_agree, setup_world,
                                        teardown_world),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
