/*
 * The assets' readers, kept (derived/lead_readers.c), held to a count by
 * hand and to the scan: with marks and a tail, made from nothing, and
 * made again from another layout.  Included by test_views.c after its
 * world and its reads.
 */

#ifndef VIEWS_READERS_H
#define VIEWS_READERS_H

/* every (asset, visitor) pair of the people's reads, counted by hand;
   and the visitors that are a lead's device, found lead by lead */
typedef struct {
    uint64_t  asset[4096];
    uint8_t   visitor[4096][LEAD_ID_LEN];
    size_t    n;
    uint8_t   device[VISITORS][LEAD_ID_LEN];
    size_t    ndevices;
    world    *w;
} pairs;

static int
each_device(void *arg, const uint8_t visitor[LEAD_ID_LEN], uint64_t since)
{
    pairs  *p = arg;

    (void) since;
    assert_true(p->ndevices < VISITORS);
    memcpy(p->device[p->ndevices++], visitor, LEAD_ID_LEN);
    return 0;
}

static int
each_person(void *arg, const lead_person *person)
{
    pairs  *p = arg;

    assert_int_equal(lead_store_each_device(p->w->s, person->id, each_device,
                                            p), LEAD_OK);
    return 0;
}

static int
is_device(const pairs *p, const uint8_t visitor[LEAD_ID_LEN])
{
    size_t  i;

    for (i = 0; i < p->ndevices; i++) {
        if (memcmp(p->device[i], visitor, LEAD_ID_LEN) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
each_pair(void *arg, uint64_t seq, const lead_event *ev)
{
    pairs   *p = arg;
    size_t   i;

    (void) seq;
    if (ev->asset_id == 0 || ev->ua_class == LEAD_UA_BOT
        || lead_event_is_feedback(ev))
    {
        return 0;
    }
    for (i = 0; i < p->n; i++) {
        if (p->asset[i] == ev->asset_id
            && memcmp(p->visitor[i], ev->visitor, LEAD_ID_LEN) == 0)
        {
            return 0;
        }
    }
    assert_true(p->n < N_ELEMS(p->asset));
    p->asset[p->n] = ev->asset_id;
    memcpy(p->visitor[p->n++], ev->visitor, LEAD_ID_LEN);
    return 0;
}

static void
expect_readers(world *w)
{
    lead_asset_list  l;
    pairs           *p = calloc(1, sizeof(pairs));
    size_t           i, k, readers, identified, sum = 0,
                     sum_identified = 0;

    assert_non_null(p);
    p->w = w;
    assert_int_equal(lead_store_each_event(w->s, each_pair, p), LEAD_OK);
    assert_int_equal(lead_store_each_lead(w->s, each_person, p), LEAD_OK);
    assert_int_equal(lead_query_assets(w->s, 1, &l), LEAD_OK);
    for (i = 0; i < l.n; i++) {
        for (k = 0, readers = 0, identified = 0; k < p->n; k++) {
            readers += p->asset[k] == l.rows[i].a.id;
            identified += p->asset[k] == l.rows[i].a.id
                          && is_device(p, p->visitor[k]);
        }
        assert_int_equal(l.rows[i].readers, readers);
        assert_int_equal(l.rows[i].identified_readers, identified);
        sum_identified += identified;
        assert_true(l.rows[i].before_identified
                    <= l.rows[i].identified_readers);
        sum += readers;
    }
    assert_int_equal(sum, p->n);
    assert_true(sum > 20 && sum_identified > 10 && sum_identified < sum);
    lead_asset_list_free(&l);
    free(p);
}

/* Two answers of the assets' counts, row by row. */
static void
expect_same_assets(const lead_asset_list *a, const lead_asset_list *b)
{
    size_t  i;

    assert_int_equal(a->n, b->n);
    assert_int_equal(a->untagged_people, b->untagged_people);
    assert_int_equal(a->untagged_bots, b->untagged_bots);
    for (i = 0; i < a->n; i++) {
        assert_true(a->rows[i].a.id == b->rows[i].a.id);
        assert_int_equal(a->rows[i].people, b->rows[i].people);
        assert_int_equal(a->rows[i].bots, b->rows[i].bots);
        assert_int_equal(a->rows[i].readers, b->rows[i].readers);
        assert_int_equal(a->rows[i].identified_readers,
                         b->rows[i].identified_readers);
        assert_int_equal(a->rows[i].before_identified,
                         b->rows[i].before_identified);
        assert_int_equal(a->rows[i].before_mql, b->rows[i].before_mql);
    }
}

/* Whether the kept readers answer (1) or the scan does (0). */
static int
readers_kept(world *w)
{
    lead_reader_counts  *c;
    size_t               n;
    int                  rc;

    rc = lead_store_reader_counts(w->s, &c, &n);
    free(c);
    assert_true(rc == LEAD_OK || rc == LEAD_ENOTFOUND);
    return rc == LEAD_OK;
}

/*
 * The assets' readers kept (with marks and a tail to add) are those of
 * every event, and so are those made again from nothing up to the fold.
 */
static void
expect_readers_kept(world *w, uint64_t until)
{
    lead_asset_list  kept, scan, made;
    MDB_txn         *txn;
    MDB_val          key;
    size_t           i, before = 0;

    assert_true(readers_kept(w));
    assert_int_equal(lead_query_assets(w->s, 1, &kept), LEAD_OK);

    assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
    key.mv_data = "readers";
    key.mv_size = 7;
    assert_int_equal(mdb_del(txn, w->s->meta, &key, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_false(readers_kept(w));
    assert_int_equal(lead_query_assets(w->s, 1, &scan), LEAD_OK);
    expect_same_assets(&kept, &scan);

    fold_all(w, until);
    assert_true(readers_kept(w));
    assert_int_equal(lead_query_assets(w->s, 1, &made), LEAD_OK);
    expect_same_assets(&made, &scan);

    for (i = 0; i < scan.n; i++) {
        before += scan.rows[i].before_identified + scan.rows[i].before_mql;
    }
    assert_true(before > 10 && scan.untagged_people > 0);
    lead_asset_list_free(&kept);
    lead_asset_list_free(&scan);
    lead_asset_list_free(&made);
}

/*
 * A table kept in another layout (layout 1: each visitor's rows in
 * "readers" itself) is dropped and made again, to the same answer.
 */
static void
expect_readers_relaid(world *w, uint64_t until)
{
    lead_asset_list  kept, made;
    MDB_txn         *txn;
    MDB_val          key, val, row;
    uint8_t          meta[64], k[1 + LEAD_ID_LEN + 8], v[17];

    assert_int_equal(lead_query_assets(w->s, 1, &kept), LEAD_OK);
    memset(k, 0x6b, sizeof(k));
    k[0] = 1;
    memset(v, 0, sizeof(v));
    row.mv_data = k;
    row.mv_size = sizeof(k);

    assert_int_equal(lead_store_write_begin(w->s, &txn), LEAD_OK);
    key.mv_data = "readers";
    key.mv_size = 7;
    assert_int_equal(mdb_get(txn, w->s->meta, &key, &val), 0);
    assert_true(val.mv_size <= sizeof(meta));
    memcpy(meta, val.mv_data, val.mv_size);
    meta[0] ^= 1;                       /* the hash of layout 1's */
    val.mv_data = meta;
    assert_int_equal(mdb_put(txn, w->s->meta, &key, &val, 0), 0);
    val.mv_data = v;
    val.mv_size = sizeof(v);
    assert_int_equal(mdb_put(txn, w->s->readers, &row, &val, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_false(readers_kept(w));

    fold_all(w, until);
    assert_true(readers_kept(w));
    assert_int_equal(lead_query_assets(w->s, 1, &made), LEAD_OK);
    expect_same_assets(&made, &kept);
    assert_int_equal(lead_store_read_begin(w->s, &txn), LEAD_OK);
    assert_int_equal(mdb_get(txn, w->s->readers, &row, &val), MDB_NOTFOUND);
    lead_store_read_end(w->s, txn);
    lead_asset_list_free(&kept);
    lead_asset_list_free(&made);
}

#endif /* VIEWS_READERS_H */
