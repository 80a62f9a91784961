/*
 * libFuzzer: the sales view's requests as any browser may send them
 * (path, query string, POST body, user), served from a small real store.
 * Input: a flags byte (1 POST, 2 the browser has a cookie, 4 signed in,
 * 8 the page of the store's lead with a valid token first in the body: a
 * fuzzer cannot guess either), then path, query and body separated by
 * newlines.  Every answer is a page with a status; only a POST answered
 * 303 changes the lead's status or owner, and none does without a valid
 * token.
 */

#define _GNU_SOURCE                 /* memmem */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lead.h"
#include "lead_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char  scoring[] = "mql_threshold 40;\n";
static const char  assets[] = "path,title,stage,points,topic,flags\n"
                              "/map.pdf,Map,decision,40,fibre,hot\n";
static const uint8_t  secret[32] = "fuzzing the sales view's secret";
static const lead_keys  keys = {
    { { (const char *) secret, sizeof(secret) } }, 1
};

static char         dir[] = "/tmp/lead-fuzz-sales-XXXXXX";
static lead_store  *store;
static lead_rules  *rules;
static lead_sales  *app;
static uint8_t      lead[LEAD_ID_LEN];

/* LMDB keeps its open files: gone from /tmp, whatever way the run ends */
static void
remove_store_files(void)
{
    char  path[sizeof(dir) + 16];

    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    lead_store_opts  opts = { 0, 0, 0, 0 };
    lead_form        form;
    lead_batch      *b;
    lead_event       ev;
    uint8_t          visitor[LEAD_ID_LEN];
    char             err[512];
    int              created;

    (void) argc;
    (void) argv;
    if (mkdtemp(dir) == NULL
        || lead_store_open(&store, dir, &opts, err, sizeof(err)) != LEAD_OK
        || lead_rules_parse(&rules, "rules", scoring, strlen(scoring),
                            assets, strlen(assets), err, sizeof(err))
           != LEAD_OK
        || lead_sales_new(&app, err, sizeof(err)) != LEAD_OK)
    {
        abort();
    }
    remove_store_files();
    lead_store_put_assets(store, rules);

    memset(visitor, 'v', sizeof(visitor));
    memset(&form, 0, sizeof(form));
    memcpy(form.email, "ada@acme.example", 16);
    form.email_len = 16;
    memcpy(form.name, "<Ada>", 5);
    form.name_len = 5;
    lead_store_identify(store, visitor, &form, NULL, 0, 1790000000000ULL,
                        lead, &created);

    memset(&ev, 0, sizeof(ev));
    memcpy(ev.visitor, visitor, LEAD_ID_LEN);
    ev.time_ms = 1790000001000ULL;
    ev.status = 200;
    ev.path = (lead_str) { "/map.pdf", 8 };
    lead_event_set_asset(&ev, lead_rules_match(rules, "/map.pdf", 8));
    b = lead_batch_new(1 << 16);
    lead_batch_add(b, &ev);
    lead_store_commit(store, b);
    lead_batch_free(b);
    lead_store_set_status(store, lead, LEAD_STATUS_MQL, 1790000001000ULL,
                          "read the map", "", "");
    return 0;
}

/* The lead's owner as a string (valid until the next call). */
static const char *
owner_of(void)
{
    static char  name[LEAD_WHO_MAX + 1];
    MDB_txn     *txn;
    lead_str     o = { "", 0 };

    name[0] = '\0';
    if (lead_store_read_begin(store, &txn) == LEAD_OK) {
        if (lead_store_owner_txn(store, txn, lead, &o) == LEAD_OK
            && o.len <= LEAD_WHO_MAX)
        {
            memcpy(name, o.data, o.len);
            name[o.len] = '\0';
        }
        lead_store_read_end(store, txn);
    }
    return name;
}

/* The next newline-ended part of the input, or the rest. */
static lead_str
part(const char **p, const char *end)
{
    const char  *nl = memchr(*p, '\n', (size_t) (end - *p));
    lead_str     s = { *p, (size_t) ((nl ? nl : end) - *p) };

    *p = nl ? nl + 1 : end;
    return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lead_sales_request   req;
    lead_sales_response  resp;
    lead_str             path;
    lead_buf             target, body;
    const char          *p, *end;
    char                *copy, token[LEAD_TOKEN_LEN], hex[LEAD_ID_HEX_LEN];
    char                 owner[LEAD_WHO_MAX + 1];
    uint64_t             since, since_after;
    int                  status, status_after, rc, rc_after, owned;

    if (size < 1 || size > 8192) {
        return 0;
    }
    /* the request's bytes on the heap: ASan sees every overread */
    copy = malloc(size);
    memcpy(copy, data, size);
    p = copy + 1;
    end = copy + size;

    memset(&req, 0, sizeof(req));
    req.post = copy[0] & 1;
    path = part(&p, end);
    req.query = part(&p, end);
    req.body = (lead_str) { p, (size_t) (end - p) };
    req.base = (lead_str) { "/sales/", 7 };
    req.user = (copy[0] & 4) ? (lead_str) { "sam", 3 } : (lead_str) { "", 0 };
    req.keys = &keys;
    memset(req.browser, 'b', LEAD_ID_LEN);
    req.browser_known = (copy[0] & 2) != 0;
    req.now_ms = 1790000100000ULL;

    memset(&target, 0, sizeof(target));
    memset(&body, 0, sizeof(body));
    if (copy[0] & 8) {
        lead_buf_puts(&target, "lead/");
        lead_id_to_hex(lead, hex);
        lead_buf_put(&target, hex, LEAD_ID_HEX_LEN);
        lead_buf_put(&target, path.data, path.len);
        path = (lead_str) { target.data, target.len };

        lead_sales_token(&keys, req.browser, req.user.data, req.user.len,
                         token);
        lead_buf_puts(&body, "token=");
        lead_buf_put(&body, token, LEAD_TOKEN_LEN);
        lead_buf_puts(&body, "&");
        lead_buf_put(&body, req.body.data, req.body.len);
        req.body = (lead_str) { body.data, body.len };
    }
    req.path = path;

    rc = lead_store_get_status(store, lead, &status, &since);
    snprintf(owner, sizeof(owner), "%s", owner_of());
    lead_sales_serve(app, store, rules, &req, &resp);
    rc_after = lead_store_get_status(store, lead, &status_after,
                                     &since_after);
    owned = strcmp(owner, owner_of()) != 0;

    if (resp.status < 200 || resp.status > 599 || resp.type == NULL
        || (resp.status != 303 && resp.body.len == 0 && !resp.body.oom))
    {
        __builtin_trap();
    }
    /* what a salesperson's decision writes (a status, or an owner: an
       owner set again to the same name changes nothing), and only that */
    if (((rc != rc_after || status != status_after || since != since_after)
         || owned)
        && !(req.post && resp.status == 303))
    {
        __builtin_trap();
    }
    if (req.post && resp.status == 303 && !owned
        && rc == rc_after && status == status_after && since == since_after
        && !memmem(req.body.data, req.body.len, "assign", 6))
    {
        __builtin_trap();
    }
    if (resp.status == 303
        && (!req.post || !req.browser_known || !(copy[0] & 8)))
    {
        __builtin_trap();
    }

    lead_buf_free(&resp.body);
    lead_buf_free(&resp.location);
    lead_buf_free(&target);
    lead_buf_free(&body);
    free(copy);
    return 0;
}
