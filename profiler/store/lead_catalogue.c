/*
 * The catalogue: every asset rule events were read under, by asset id,
 * so titles stay known after the rules change, and the texts of the
 * rules nginx last recorded, so leadctl scores as nginx does.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "lead.h"
#include "lead_support.h"
#include "lead_store.h"

typedef struct {
    lead_asset_fn    fn;
    void            *arg;
} asset_scan;

/*
 * Catalogue records: id (u64), points (i32), flags and stage index (u8
 * each), then path, title, stage, topic and group, each NUL-terminated.
 */
#define ASSET_HEAD  14
/* a title may be as long as a path: an empty one defaults to it */
#define ASSET_MAX   (ASSET_HEAD + 2 * LEAD_PATH_MAX + 3 * LEAD_NAME_MAX + 5)

static size_t
asset_encode(const lead_asset *a, uint8_t *buf)
{
    const char  *strs[5] = { a->path, a->title, a->stage, a->topic,
                             a->group };
    size_t       n = ASSET_HEAD, len, i;

    lead_put_u64(buf, a->id);
    lead_put_u64(buf + 8, (uint64_t) (uint32_t) a->points);
    buf[12] = (uint8_t) a->flags;
    buf[13] = (uint8_t) a->stage_index;

    for (i = 0; i < 5; i++) {
        len = strlen(strs[i]) + 1;
        memcpy(buf + n, strs[i], len);
        n += len;
    }

    return n;
}

static const char  rules_key[] = "rules";

/* meta "rules": each text of the rule set, u32 length then bytes */
static int
put_rules_texts(lead_store *s, MDB_txn *txn, const lead_rules *r)
{
    MDB_val   key, val;
    size_t    size = 0, n = 0;
    uint8_t  *p;
    lead_str  t;
    int       i, rc;

    for (i = 0; i < LEAD_RULES_NTEXTS; i++) {
        size += 4 + lead_rules_text(r, i).len;
    }

    key.mv_data = (void *) rules_key;
    key.mv_size = sizeof(rules_key) - 1;
    val.mv_size = size;

    rc = mdb_put(txn, s->meta, &key, &val, MDB_RESERVE);
    if (rc != 0) {
        return lead_store_mdb_fail(s, rc, "writing the rules");
    }

    p = val.mv_data;
    for (i = 0; i < LEAD_RULES_NTEXTS; i++) {
        t = lead_rules_text(r, i);
        p[n] = (uint8_t) t.len;
        p[n + 1] = (uint8_t) (t.len >> 8);
        p[n + 2] = (uint8_t) (t.len >> 16);
        p[n + 3] = (uint8_t) (t.len >> 24);
        memcpy(p + n + 4, t.data, t.len);
        n += 4 + t.len;
    }

    return LEAD_OK;
}

/* The rules recorded, or LEAD_ENOTFOUND. */
static int
recorded_rules(lead_store *s, lead_rules **out, char *err, size_t errlen)
{
    MDB_txn        *txn;
    MDB_val         key, val;
    lead_str        texts[LEAD_RULES_NTEXTS];
    const uint8_t  *p;
    size_t          n = 0, len;
    int             i, rc;

    *out = NULL;

    if (s->empty || s->partial) {
        return LEAD_ENOTFOUND;
    }

    rc = lead_store_read_begin(s, &txn);
    if (rc != LEAD_OK) {
        snprintf(err, errlen, "%s", s->err);
        return rc;
    }

    key.mv_data = (void *) rules_key;
    key.mv_size = sizeof(rules_key) - 1;
    rc = mdb_get(txn, s->meta, &key, &val);
    if (rc != 0) {
        lead_store_read_end(s, txn);
        snprintf(err, errlen, "no rules recorded in the store yet");
        return LEAD_ENOTFOUND;
    }

    p = val.mv_data;
    for (i = 0; i < LEAD_RULES_NTEXTS; i++) {
        if (val.mv_size - n < 4) {
            break;
        }
        len = (size_t) p[n] | (size_t) p[n + 1] << 8
              | (size_t) p[n + 2] << 16 | (size_t) p[n + 3] << 24;
        if (val.mv_size - n - 4 < len) {
            break;
        }
        texts[i].data = (const char *) p + n + 4;
        texts[i].len = len;
        n += 4 + len;
    }

    rc = i < LEAD_RULES_NTEXTS
         ? (snprintf(err, errlen, "the rules in the store are damaged"),
            LEAD_EINVAL)
         : lead_rules_parse_texts(out, "(store)", texts[0].data, texts[0].len,
                                  texts[1].data, texts[1].len, &texts[2],
                                  err, errlen);

    lead_store_read_end(s, txn);
    return rc;
}

int
lead_store_put_asset_txn(lead_store *s, MDB_txn *txn, const lead_asset *a)
{
    MDB_val  key, val;
    uint8_t  kbuf[8], rec[ASSET_MAX];
    int      rc;

    lead_put_be64(kbuf, a->id);
    key.mv_data = kbuf;
    key.mv_size = 8;
    val.mv_data = rec;
    val.mv_size = asset_encode(a, rec);

    rc = mdb_put(txn, s->assets, &key, &val, 0);
    return rc == 0 ? LEAD_OK
                   : lead_store_mdb_fail(s, rc, "writing the asset catalogue");
}

int
lead_store_put_assets(lead_store *s, const lead_rules *r)
{
    MDB_txn           *txn;
    const lead_asset  *a;
    size_t             i;
    int                rc;

    rc = lead_store_write_begin(s, &txn);
    if (rc != LEAD_OK) {
        return rc;
    }

    rc = put_rules_texts(s, txn, r);
    if (rc != LEAD_OK) {
        mdb_txn_abort(txn);
        return rc;
    }

    for (i = 0; (a = lead_rules_asset(r, i)) != NULL; i++) {
        rc = lead_store_put_asset_txn(s, txn, a);
        if (rc != LEAD_OK) {
            mdb_txn_abort(txn);
            return rc;
        }
    }

    rc = mdb_txn_commit(txn);
    return rc == 0 ? LEAD_OK : lead_store_mdb_fail(s, rc, "mdb_txn_commit");
}

static int
asset_row(const MDB_val *key, const MDB_val *val, void *ctx)
{
    asset_scan        *c = ctx;
    lead_asset       a;
    char             buf[ASSET_MAX];
    const char      *strs[5];
    size_t           n = ASSET_HEAD, i, len;

    if (key->mv_size != 8 || val->mv_size <= ASSET_HEAD
        || val->mv_size > ASSET_MAX)
    {
        return 0;
    }

    memcpy(buf, val->mv_data, val->mv_size);

    for (i = 0; i < 5; i++) {
        len = strnlen(buf + n, val->mv_size - n);
        if (n + len >= val->mv_size) {
            return 0;                       /* not NUL-terminated: skip */
        }
        strs[i] = buf + n;
        n += len + 1;
    }

    memset(&a, 0, sizeof(a));
    a.id = lead_get_u64((uint8_t *) buf);
    a.points = (int32_t) (uint32_t) lead_get_u64((uint8_t *) buf + 8);
    a.flags = (uint8_t) buf[12];
    a.stage_index = (uint8_t) buf[13];
    a.path = strs[0];
    a.title = strs[1];
    a.stage = strs[2];
    a.topic = strs[3];
    a.group = strs[4];

    return c->fn(c->arg, &a);
}

int
lead_store_each_asset(lead_store *s, lead_asset_fn fn, void *arg)
{
    asset_scan  c = { fn, arg };

    return lead_store_scan(s, s->assets, asset_row, &c);
}

int
lead_store_rules(lead_store *s, lead_rules **out, char *err, size_t errlen)
{
    static const char  header[] = "path,title,stage,points,topic,flags";
    int                rc;

    rc = recorded_rules(s, out, err, errlen);

    /* a store written without lead_rules: default knobs, nothing tagged */
    if (rc == LEAD_ENOTFOUND) {
        rc = lead_rules_parse(out, "(defaults)", "", 0, header,
                              sizeof(header) - 1, err, errlen);
    }
    return rc;
}
