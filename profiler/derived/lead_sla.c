/*
 * The SLA clock and owners: MQLs by the time they became one, so that
 * those sales did not accept within accept_within go back to nurture
 * without a scan of every lead, and who owns each lead.
 *
 * "mqls"     became mql (BE u64) + lead id -> flags (u8: asked for a call)
 * "owners"   lead id -> the owner's name (bytes, no NUL)
 * meta "mqls" -> "": the index holds every mql (a store older than it
 *                    has it built from "statuses" once)
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"
#include "lead_derived.h"

#define MQL_KEY_LEN  (8 + LEAD_ID_LEN)
#define MQL_CALL     1              /* the lead asked for a call */

static const char  built_key[] = LEAD_META_MQLS;

/* ---- the index --------------------------------------------------------- */

static int
id_cmp(const void *x, const void *y)
{
    return memcmp(x, y, LEAD_ID_LEN);
}

static void
mql_key(uint8_t k[MQL_KEY_LEN], uint64_t since_ms, const uint8_t *lead_id)
{
    lead_put_be64(k, since_ms);
    memcpy(k + 8, lead_id, LEAD_ID_LEN);
}

static int
asked_for_call(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    int *call)
{
    MDB_val      key, val;
    lead_person  p;
    int          rc;

    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->leads, &key, &val);
    *call = rc == 0 && lead_decode_person(lead_id, &val, &p) == LEAD_OK
            && p.contact;
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading a lead");
}

static int
put_mql(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    uint64_t since_ms)
{
    MDB_val  key, val;
    uint8_t  k[MQL_KEY_LEN], flags;
    int      rc, call;

    rc = asked_for_call(s, txn, lead_id, &call);
    if (rc != LEAD_OK) {
        return rc;
    }
    flags = call ? MQL_CALL : 0;
    mql_key(k, since_ms, lead_id);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    val.mv_data = &flags;
    val.mv_size = 1;
    rc = mdb_put(txn, s->mqls, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "indexing an mql");
}

static int
del_mql(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    uint64_t since_ms)
{
    MDB_val  key;
    uint8_t  k[MQL_KEY_LEN];
    int      rc;

    mql_key(k, since_ms, lead_id);
    key.mv_data = k;
    key.mv_size = sizeof(k);
    rc = mdb_del(txn, s->mqls, &key, NULL);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "unindexing an mql");
}

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
        b->rc = put_mql(b->s, b->txn, key->mv_data,
                        lead_get_u64((uint8_t *) val->mv_data + 1));
    }
    return b->rc != LEAD_OK;
}

/*
 * A store written before the index existed has mqls it does not hold:
 * every lead whose status is mql goes in once, then meta "mqls" says so.
 * Putting one already there changes nothing, so this may follow the
 * transitions that kept the index since the table was made.
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
lead_sla_transition_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    int from, uint64_t since_ms, int to, uint64_t now_ms, const char *who)
{
    int  rc = LEAD_OK;

    if (!s->sla) {
        return LEAD_OK;
    }
    if (from == LEAD_STATUS_MQL) {
        rc = del_mql(s, txn, lead_id, since_ms);
    }
    if (rc == LEAD_OK && to == LEAD_STATUS_MQL) {
        rc = put_mql(s, txn, lead_id, now_ms);
    }
    /* who accepts a lead owns it (a system move has no who) */
    if (rc == LEAD_OK && to == LEAD_STATUS_SAL && who != NULL
        && who[0] != '\0')
    {
        rc = lead_sla_set_owner_txn(s, txn, lead_id, who, strlen(who));
    }
    return rc;
}

int
lead_sla_call_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id)
{
    uint64_t  since;
    int       rc, status;

    if (!s->sla) {
        return LEAD_OK;
    }
    rc = lead_store_get_status_txn(s, txn, lead_id, &status, &since);
    if (rc == LEAD_ENOTFOUND || (rc == LEAD_OK
                                 && status != LEAD_STATUS_MQL))
    {
        return LEAD_OK;
    }
    return rc == LEAD_OK ? put_mql(s, txn, lead_id, since) : rc;
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
        rc = del_mql(s, txn, lead_id, since);
    }
    if (rc != LEAD_OK && rc != LEAD_ENOTFOUND) {
        return rc;
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_del(txn, s->owners, &key, NULL);
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing an owner");
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
            rc = del_mql(s, txn, due[i].id, due[i].since_ms);
            memset(due[i].id, 0, LEAD_ID_LEN);
            continue;
        }
        if (rc == LEAD_OK) {
            rc = lead_store_transition(s, txn, due[i].id,
                                       LEAD_STATUS_NURTURE, now_ms,
                                       LEAD_CAUSE_ACCEPT_WITHIN, "", reason);
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

/* MQLs that asked for a call, from the index, sorted by id; *known 0 if
   it is not built yet (a store older than it, before nginx built it). */
int
lead_store_calls(lead_store *s, uint8_t **ids, size_t *n, int *known)
{
    MDB_txn     *txn;
    MDB_cursor  *cur;
    MDB_val      key, val;
    uint8_t     *v = NULL, *grown;
    size_t       cap = 0;
    int          rc, op, oom = 0;

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
        rc = mdb_cursor_open(txn, s->mqls, &cur);
        if (rc != 0) {
            rc = lead_store_mdb_fail(s, rc, "mdb_cursor_open");
        }
    }
    if (rc == LEAD_OK && *known) {
        for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &key, &val, op)) == 0;
             op = MDB_NEXT)
        {
            if (key.mv_size != MQL_KEY_LEN || val.mv_size != 1
                || !(((uint8_t *) val.mv_data)[0] & MQL_CALL))
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
            memcpy(v + *n * LEAD_ID_LEN, (uint8_t *) key.mv_data + 8,
                   LEAD_ID_LEN);
            (*n)++;
        }
        mdb_cursor_close(cur);
        rc = oom ? lead_store_fail(s, LEAD_ENOMEM, "out of memory")
             : rc == MDB_NOTFOUND ? LEAD_OK
             : lead_store_mdb_fail(s, rc, "reading mqls");
    }
    lead_store_read_end(s, txn);

    if (rc != LEAD_OK) {
        free(v);
        *n = 0;
        return rc;
    }
    lead_sort(v, *n, LEAD_ID_LEN, id_cmp);
    *ids = v;
    return LEAD_OK;
}

/* ---- owners ------------------------------------------------------------ */

/* 1 when name may be an owner's: a line of UTF-8 text, no controls. */
int
lead_owner_valid(const char *name, size_t len)
{
    uint32_t  cp;
    size_t    i, n;

    if (len == 0 || len > LEAD_WHO_MAX) {
        return 0;
    }
    for (i = 0; i < len; i += n) {
        n = lead_utf8_char((const unsigned char *) name + i, len - i, &cp);
        if (n == 0 || lead_char_control(cp)) {
            return 0;
        }
    }
    return 1;
}

int
lead_sla_set_owner_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    const char *owner, size_t len)
{
    MDB_val  key, val;
    int      rc;

    if (!s->sla) {
        return lead_store_fail(s, LEAD_ESTORE, "this store keeps no owners "
                               "(opened read-only before it had them)");
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    if (len == 0) {
        rc = mdb_del(txn, s->owners, &key, NULL);
        return rc == 0 || rc == MDB_NOTFOUND
               ? LEAD_OK : lead_store_mdb_fail(s, rc, "erasing an owner");
    }
    if (!lead_owner_valid(owner, len)) {
        return lead_store_fail(s, LEAD_EINVAL, "an owner is a name of 1 to "
                               "%d bytes of UTF-8 text, without control "
                               "characters", LEAD_WHO_MAX);
    }
    val.mv_data = (void *) owner;
    val.mv_size = len;
    rc = mdb_put(txn, s->owners, &key, &val, 0);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "writing an owner");
}

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
        rc = lead_sla_set_owner_txn(s, txn, id, owner, owner_len);
    }
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

int
lead_store_owner_txn(lead_store *s, MDB_txn *txn, const uint8_t *lead_id,
    lead_str *owner)
{
    MDB_val  key, val;
    int      rc;

    owner->data = "";
    owner->len = 0;
    if (!s->sla) {
        return LEAD_OK;
    }
    key.mv_data = (void *) lead_id;
    key.mv_size = LEAD_ID_LEN;
    rc = mdb_get(txn, s->owners, &key, &val);
    if (rc == 0) {
        owner->data = val.mv_data;
        owner->len = val.mv_size;
    }
    return rc == 0 || rc == MDB_NOTFOUND
           ? LEAD_OK : lead_store_mdb_fail(s, rc, "reading an owner");
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
