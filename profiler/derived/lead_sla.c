/*
 * The SLA clock and owners, whole: MQLs sales did not accept within
 * accept_within back to nurture, from the oldest on and without a scan
 * of every lead; the tables built for a store older than them; the MQLs
 * that asked for a call; owners assigned and listed.  lead_mqls.c keeps
 * the tables row by row.
 *
 * meta "mqls" -> "": "mqls" and "calls" hold every mql and every lead
 *                    that asked for a call (an older store has them
 *                    built from "statuses" and "leads" once)
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define MQL_KEY_LEN  LEAD_MQL_KEY_LEN

static const char  built_key[] = LEAD_META_MQLS;

/* ---- the index --------------------------------------------------------- */

static int
built(lead_store *s, MDB_txn *txn, int *yes)
{
    MDB_val  key, val;
    int      rc;

    key.mv_data = (void *) built_key;
    key.mv_size = sizeof(built_key) - 1;
    rc = mdb_get(txn, s->meta, &key, &val);
    *yes = rc == 0;
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading meta mqls");
}

typedef struct {
    lead_store  *s;
    MDB_txn     *txn;
    int          rc;
} building;

static int
build_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    building  *b = ctx;

    if (key->mv_size == LEAD_ID_LEN && val->mv_size == 9
        && ((uint8_t *) val->mv_data)[0] == LEAD_STATUS_MQL)
    {
        b->rc = lead_mqls_put_txn(b->s, b->txn, key->mv_data,
                                  lead_get_u64((uint8_t *) val->mv_data + 1));
    }
    return b->rc != LEAD_OK;
}

static int
build_call(const MDB_val *key, const MDB_val *val, void *ctx)
{
    building     *b = ctx;
    lead_person   p;

    if (key->mv_size == LEAD_ID_LEN
        && lead_decode_person(key->mv_data, val, &p) == LEAD_OK && p.contact)
    {
        b->rc = lead_calls_put_txn(b->s, b->txn, key->mv_data);
    }
    return b->rc != LEAD_OK;
}

/*
 * A store written before the tables existed has mqls and calls they do
 * not hold: every lead whose status is mql, and every one that asked for
 * a call, goes in once, then meta "mqls" says so.  Putting a row already
 * there changes nothing, so this may follow the status changes and forms
 * that kept the tables since they were made.
 */
static int
build_index(lead_store *s, MDB_txn *txn)
{
    MDB_val   key, val;
    building  b = { s, txn, LEAD_OK };
    int       rc, yes;

    if (s->sla_built) {
        return LEAD_OK;
    }
    rc = built(s, txn, &yes);
    if (rc != LEAD_OK || yes) {
        s->sla_built = yes;
        return rc;
    }
    rc = lead_store_scan_txn(s, txn, s->statuses, build_row, &b);
    if (rc == LEAD_OK) {
        rc = lead_store_scan_txn(s, txn, s->leads, build_call, &b);
    }
    if (rc == LEAD_ECALLBACK) {
        rc = b.rc;
    }
    if (rc != LEAD_OK) {
        return rc;
    }
    key.mv_data = (void *) built_key;
    key.mv_size = sizeof(built_key) - 1;
    val.mv_data = (void *) "";
    val.mv_size = 0;
    rc = mdb_put(txn, s->meta, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing meta mqls");
}

int
lead_sla_forget_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    MDB_val   key;
    uint64_t  since;
    int       rc, status;

    if (!s->sla) {
        return LEAD_OK;
    }
    rc = lead_store_get_status_txn(s, txn, lead_id, &status, &since);
    if (rc == LEAD_OK && status == LEAD_STATUS_MQL) {
        rc = lead_mqls_del_txn(s, txn, lead_id, since);
    }
    if (rc != LEAD_OK && rc != LEAD_ENOTFOUND) {
        return rc;
    }
    rc = lead_owner_set_txn(s, txn, lead_id, "", 0);
    if (rc != LEAD_OK) {
        return rc;
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_del(txn, s->calls, &key, NULL);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing a call");
}

/* ---- returning what waited too long ------------------------------------ */

typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint64_t  since_ms;
} overdue;

/*
 * 1 when the oldest mql is due, read without the writer's lock: a flush
 * of every worker asks, and it is nearly always no.
 */
static int
any_due(lead_store *s, uint64_t now_ms, uint64_t within_ms)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    int          rc, due = 1;

    if (lead_store_read_begin(s, &txn) != LEAD_OK) {
        return 1;                       /* the write will say why */
    }
    if (mdb_cursor_open(txn, s->mqls, &cur) == 0) {
        rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
        due = rc == 0 && key.mv_size == MQL_KEY_LEN
              && now_ms >= lead_get_be64(key.mv_data)
              && now_ms - lead_get_be64(key.mv_data) >= within_ms;
        mdb_cursor_close(cur);
    }
    lead_store_read_end(s, txn);
    return due;
}

int
lead_store_return_overdue(lead_store *s, const lead_rules *r,
    uint64_t now_ms, size_t max, lead_returned_fn fn, void *arg)
{
    const lead_scoring  *sc = lead_rules_scoring(r);
    MDB_txn             *txn;
    MDB_cursor          *cur;
    MDB_val              key, val;
    overdue             *due;
    uint64_t             since;
    size_t               n = 0, i;
    char                 reason[64];
    int                  rc, op, status;

    if (s->read_only || !s->sla
        || (s->sla_built && (sc->accept_within_ms == 0 || max == 0
                             || !any_due(s, now_ms, sc->accept_within_ms))))
    {
        return LEAD_OK;
    }

    due = malloc((max ? max : 1) * sizeof(overdue));
    if (due == NULL) {
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        free(due);
        return rc;
    }
    rc = build_index(s, txn);

    /* oldest first: the first one not yet due ends the walk */
    if (rc == LEAD_OK && sc->accept_within_ms) {
        rc = mdb_cursor_open(txn, s->mqls, &cur);
        if (rc != 0) {
            rc = lead_store_mdb_fail(s, rc, "mdb_cursor_open");
        }
    }
    if (rc == LEAD_OK && sc->accept_within_ms) {
        for (op = MDB_FIRST;
             n < max && (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
             op = MDB_NEXT)
        {
            if (key.mv_size != MQL_KEY_LEN) {
                continue;
            }
            since = lead_get_be64(key.mv_data);
            if (now_ms < since || now_ms - since < sc->accept_within_ms) {
                break;
            }
            due[n].since_ms = since;
            memcpy(due[n++].id, (uint8_t *) key.mv_data + 8, LEAD_ID_LEN);
        }
        mdb_cursor_close(cur);
        rc = rc == 0 || rc == MDB_NOTFOUND
             ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading mqls");
    }

    snprintf(reason, sizeof(reason), "not accepted within %s",
             sc->accept_within ? sc->accept_within : "");

    for (i = 0; rc == LEAD_OK && i < n; i++) {
        rc = lead_store_get_status_txn(s, txn, due[i].id, &status, &since);
        if (rc == LEAD_ENOTFOUND
            || (rc == LEAD_OK && (status != LEAD_STATUS_MQL
                                  || since != due[i].since_ms)))
        {
            /* a stale row (the lead moved on, or was forgotten): drop it */
            rc = lead_mqls_del_txn(s, txn, due[i].id, due[i].since_ms);
            memset(due[i].id, 0, LEAD_ID_LEN);
            continue;
        }
        /* its "returned" notice goes with it: sent exactly once */
        if (rc == LEAD_OK) {
            rc = lead_store_transition(s, txn, due[i].id,
                                       LEAD_STATUS_NURTURE, now_ms,
                                       LEAD_CAUSE_ACCEPT_WITHIN, "", reason);
        }
        if (rc == LEAD_OK) {
            rc = lead_store_notice_add_txn(s, txn, LEAD_NOTICE_RETURNED,
                                           due[i].id, NULL, now_ms, reason);
        }
    }

    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        free(due);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        free(due);
        return lead_store_mdb_fail(s, rc, "mdb_txn_commit");
    }
    s->sla_built = 1;

    for (i = 0; fn != NULL && i < n; i++) {
        static const uint8_t  none[LEAD_ID_LEN];

        if (memcmp(due[i].id, none, LEAD_ID_LEN) != 0
            && fn(arg, due[i].id, reason) != 0)
        {
            break;
        }
    }
    free(due);
    return LEAD_OK;
}

/* MQLs that asked for a call, sorted by id; *known 0 if the tables are
   not built yet (a store older than them, before nginx built them). */
int
lead_store_calls(lead_store *s, uint8_t **ids, size_t *n, int *known)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t     *v = NULL, *grown;
    uint64_t     since;
    size_t       cap = 0;
    int          rc, op, oom = 0, status;

    *ids = NULL;
    *n = 0;
    *known = 0;
    if (s->empty || s->partial || !s->sla) {
        return LEAD_OK;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = built(s, txn, known);
    if (rc == LEAD_OK && *known) {
        rc = mdb_cursor_open(txn, s->calls, &cur);
        if (rc != 0) {
            rc = lead_store_mdb_fail(s, rc, "mdb_cursor_open");
        }
    }
    if (rc == LEAD_OK && *known) {
        /* the leads that asked for a call (a few in a hundred), the mqls */
        for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
             op = MDB_NEXT)
        {
            if (key.mv_size != LEAD_ID_LEN
                || lead_store_get_status_txn(s, txn, key.mv_data, &status,
                                             &since) != LEAD_OK
                || status != LEAD_STATUS_MQL)
            {
                continue;
            }
            if (*n == cap) {
                cap = cap ? cap * 2 : 16;
                grown = realloc(v, cap * LEAD_ID_LEN);
                if (grown == NULL) {
                    oom = 1;
                    break;
                }
                v = grown;
            }
            memcpy(v + *n * LEAD_ID_LEN, key.mv_data, LEAD_ID_LEN);
            (*n)++;
        }
        mdb_cursor_close(cur);
        rc = oom ? lead_store_fail(s, LEAD_ENOMEM, "out of memory")
             : rc == MDB_NOTFOUND ? LEAD_OK
             : lead_store_mdb_fail(s, rc, "reading calls");
    }
    lead_store_read_end(s, txn);

    if (rc != LEAD_OK) {
        free(v);
        *n = 0;
        return rc;
    }
    *ids = v;                           /* by id: the table's order */
    return LEAD_OK;
}

/* ---- owners ------------------------------------------------------------ */

int
lead_store_assign(lead_store *s, const char *who, size_t len,
    const char *owner, size_t owner_len)
{
    MDB_txn  *txn;
    MDB_val   person;
    uint8_t   id[LEAD_ID_LEN];
    int       rc;

    /* " ana " is ana: the form's field and the shell's quotes add blanks */
    while (owner_len && owner[0] == ' ') {
        owner++;
        owner_len--;
    }
    while (owner_len && owner[owner_len - 1] == ' ') {
        owner_len--;
    }

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = lead_store_lookup_txn(s, txn, who, len, id, &person);
    if (rc == LEAD_OK) {
        rc = lead_owner_set_txn(s, txn, id, owner, owner_len);
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

/*
 * Every owner, by lead id (the table's order), pointing into the read
 * transaction: the caller holds a snapshot while it uses them.
 */
int
lead_store_owners(lead_store *s, lead_owner **out, size_t *n)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    MDB_stat     st;
    lead_owner  *v;
    int          rc, op;

    *out = NULL;
    *n = 0;
    if (s->empty || s->partial || !s->sla) {
        return LEAD_OK;
    }
    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }
    rc = mdb_stat(txn, s->owners, &st);
    if (rc != 0 || st.ms_entries == 0) {
        lead_store_read_end(s, txn);
        return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_stat");
    }
    v = malloc(st.ms_entries * sizeof(lead_owner));
    if (v == NULL) {
        lead_store_read_end(s, txn);
        return lead_store_fail(s, LEAD_ENOMEM, "out of memory");
    }
    rc = mdb_cursor_open(txn, s->owners, &cur);
    if (rc == 0) {
        for (op = MDB_FIRST;
             *n < st.ms_entries
             && (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
             op = MDB_NEXT)
        {
            if (key.mv_size == LEAD_ID_LEN) {
                memcpy(v[*n].id, key.mv_data, LEAD_ID_LEN);
                v[*n].name.data = val.mv_data;
                v[(*n)++].name.len = val.mv_size;
            }
        }
        mdb_cursor_close(cur);
    }
    lead_store_read_end(s, txn);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        free(v);
        *n = 0;
        return lead_store_mdb_fail(s, rc, "reading owners");
    }
    *out = v;
    return LEAD_OK;
}
