/*
 * lead: the profiler's public API, what the nginx module and leadctl use.
 * Plain C11 (and POSIX); no nginx headers.  Functions return LEAD_OK or a
 * negative LEAD_E* code; a store's functions leave the detail in
 * lead_store_errmsg.  Strings are lead_str spans of someone else's bytes.
 * Each layer keeps the rest in its own header (LAYER/lead_LAYER.h).
 */

#ifndef LEAD_H
#define LEAD_H

#include <stddef.h>
#include <stdint.h>

enum {
    LEAD_OK = 0, LEAD_ENOMEM = -2,
    LEAD_EINVAL = -1,      /* malformed input */
    LEAD_ENOSTORE = -3,    /* no store at that path */
    LEAD_EFULL = -4,       /* store map is full */
    LEAD_ESCHEMA = -5,     /* store written by a newer version */
    LEAD_ESTORE = -6,      /* LMDB or system error, see the message */
    LEAD_EBATCHFULL = -7,  /* batch reached its byte limit */
    LEAD_ECALLBACK = -8,   /* an iteration callback asked to stop */
    LEAD_ENOTFOUND = -9,   /* no such lead, or nothing recorded */
    LEAD_EDAMAGED = -10    /* the store's file is damaged: never map it */
};

#define LEAD_ID_LEN           16
#define LEAD_ID_HEX_LEN       (2 * LEAD_ID_LEN)
#define LEAD_SECRET_MIN_LEN   32
#define LEAD_COOKIE_VALUE_LEN (22 + 1 + 43)    /* id, "." or "~", MAC */
#define LEAD_TOKEN_LEN        43
#define LEAD_PATH_MAX         1024
#define LEAD_TARGET_MAX       (3 * LEAD_PATH_MAX + 1)  /* more: no path */
#define LEAD_HOST_MAX         255
#define LEAD_UTM_MAX          128
#define LEAD_MAX_RANGES       8
#define LEAD_COUNTRY_LEN      3        /* ISO 3166 alpha-2 and a NUL */
#define LEAD_REGION_MAX       16
#define LEAD_CITY_MAX         64
#define LEAD_TITLE_MAX        200
#define LEAD_NAME_MAX         64       /* stage, topic, group names */
#define LEAD_FORM_BODY_MAX    4096
#define LEAD_EMAIL_MAX        254
#define LEAD_PERSON_NAME_MAX  100      /* characters */
#define LEAD_RETURN_MAX       2048
#define LEAD_CAUSE_MAX        128
#define LEAD_TIME_LEN         25       /* "2026-12-24T09:30:00.000Z" */
#define LEAD_DEFAULT_MAP_SIZE ((uint64_t) 1 << 30)

typedef struct { const char *data; size_t len; } lead_str; struct sockaddr;

/* ---- output ------------------------------------------------------------ */

/* A buffer that grows (data NUL-terminated when not NULL); after a
   failed append oom is set and it stays. */
typedef struct { char *data; size_t len, cap; int oom; } lead_buf;
void lead_buf_free(lead_buf *b);
void lead_buf_puts(lead_buf *b, const char *s);
void lead_buf_printf(lead_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s as a JSON string (safe in HTML); one CSV field a spreadsheet will
   not run; a line for a terminal */
void lead_buf_json(lead_buf *b, const char *s, size_t len);
void lead_buf_csv(lead_buf *b, const char *s, size_t len);
void lead_buf_text(lead_buf *b, const char *s, size_t len);
void lead_format_time(uint64_t ms, char out[LEAD_TIME_LEN]);
/* For people, into 32 bytes: "1,234,567" and "443 MiB" */
const char *lead_format_count(uint64_t n, char out[32]);
const char *lead_format_size(uint64_t bytes, char out[32]);

/* ---- visitors and their cookie ----------------------------------------- */

int lead_visitor_new(uint8_t id[LEAD_ID_LEN]);
void lead_id_to_hex(const uint8_t id[LEAD_ID_LEN], char *out);  /* no NUL */
int lead_cookie_name_ok(const char *name, size_t len);  /* 1: RFC 6265, <=64 */
/* lead_secret's keys (each of LEAD_SECRET_MIN_LEN bytes or more): the
   first signs cookies and tokens, every one verifies them.  A cookie says,
   signed, whether its visitor identified; one an older key signed
   verifies with RESIGN: send it again, signed with the first. */
#define LEAD_KEYS_MAX  4
typedef struct { lead_str key[LEAD_KEYS_MAX]; unsigned n; } lead_keys;
enum { LEAD_COOKIE_IDENTIFIED = 1, LEAD_COOKIE_RESIGN = 2 };
void lead_cookie_sign(const lead_keys *k, const uint8_t id[LEAD_ID_LEN],
    unsigned claims, char out[LEAD_COOKIE_VALUE_LEN]);     /* no NUL */
/* LEAD_OK, the id and claims when a key's MAC is right; a cache (one per
   thread, or NULL) remembers the values that verified under these keys. */
typedef struct lead_cookie_cache lead_cookie_cache;
lead_cookie_cache *lead_cookie_cache_new(void);
void lead_cookie_cache_free(lead_cookie_cache *c);
int lead_cookie_verify_cached(lead_cookie_cache *c, const lead_keys *k,
    const char *value, size_t len, uint8_t id[LEAD_ID_LEN], unsigned *claims);
void lead_form_token(const lead_keys *k, const uint8_t visitor[LEAD_ID_LEN],
    char out[LEAD_TOKEN_LEN]);          /* the form's anti-CSRF token */
int lead_form_token_verify(const lead_keys *k,
    const uint8_t visitor[LEAD_ID_LEN], const char *token, size_t len);

/* ---- what a request tells ---------------------------------------------- */

typedef enum { LEAD_UA_UNKNOWN, LEAD_UA_BROWSER, LEAD_UA_BOT } lead_ua_class;
const char *lead_ua_class_name(int ua_class);
/* A user agent's class, one pass, cached per thread; bot: a bot's name */
typedef struct lead_ua_cache lead_ua_cache;
lead_ua_cache *lead_ua_cache_new(void);
void lead_ua_cache_free(lead_ua_cache *c);
lead_ua_class lead_ua_classify_cached(lead_ua_cache *c, const char *ua,
    size_t len, lead_str *bot);     /* bot NULL, or a span of ua ("curl") */
/* A target as nginx maps it to a file (query dropped, %XX decoded, "//",
   "." and ".." resolved): its length, or LEAD_EINVAL where nginx refuses */
int lead_path_normalize(const char *target, size_t len,
    char out[LEAD_PATH_MAX]);
/* The lower-cased host of an absolute http(s) URL; 0 if none.  _own: 1
   when it is own_host (a Host, port aside; or a name: "*.x", ".x"). */
size_t lead_referrer_host(const char *url, size_t len,
    char out[LEAD_HOST_MAX]);
int lead_referrer_own(const char *host, size_t len, const char *own_host,
    size_t own_len);
typedef struct {
    char    source[LEAD_UTM_MAX], medium[LEAD_UTM_MAX], campaign[LEAD_UTM_MAX];
    size_t  source_len, medium_len, campaign_len;
} lead_utm;
/* utm_source, _medium and _campaign of a query: decoded, cut, cleaned. */
void lead_utm_parse(const char *query, size_t len, lead_utm *utm);
typedef struct { uint64_t start, end; } lead_range;     /* inclusive */
/* A Range header against size: how many ranges, or LEAD_EINVAL. */
int lead_range_parse(const char *header, size_t len, uint64_t size,
    lead_range ranges[LEAD_MAX_RANGES]);
/* Cache-Control (values comma-joined) no shared cache keeps: "private"
   and the rest of in; out has room for 2 * len + 9 bytes. */
size_t lead_cache_private(const char *in, size_t len, char *out);

/* Where a visitor reads from (MaxMind DB); never the address itself. */
typedef struct lead_geoip lead_geoip;
typedef struct {
    char  country[LEAD_COUNTRY_LEN];   /* "" when unknown */
    char  region[LEAD_REGION_MAX];     /* "" in a Country database */
    char  city[LEAD_CITY_MAX];
} lead_geo;
int lead_geoip_open(lead_geoip **out, const char *path, char *err,
    size_t errlen);
void lead_geoip_close(lead_geoip *g);
/* A miss (a private address) is LEAD_OK with empty fields. */
int lead_geoip_lookup(const lead_geoip *g, const struct sockaddr *sa,
    lead_geo *geo);

/* ---- events ------------------------------------------------------------ */

typedef struct {
    uint64_t     time_ms;
    uint8_t      visitor[LEAD_ID_LEN];
    uint8_t      id[LEAD_ID_LEN];     /* the request's; zeros: none */
    uint16_t     status; uint8_t ua_class, rating;  /* 1-5: feedback */
    uint64_t     bytes_sent, file_size;
    unsigned     nranges;
    lead_range   ranges[LEAD_MAX_RANGES];
    lead_str     path, referrer_host, agent, comment;  /* a bot's name */
    lead_str     utm_source, utm_medium, utm_campaign;
    uint64_t     asset_id;    /* the rule it was read under; 0: untagged */
    int32_t      points; uint8_t asset_flags;
    lead_str     stage, topic, group;
    lead_str     country, region, city;   /* where it was read from */
} lead_event;

typedef struct lead_batch lead_batch;           /* events to commit together */
lead_batch *lead_batch_new(size_t max_bytes);
void lead_batch_free(lead_batch *b);
/* Hits: what a worker keeps of each request it served (an event without
   path, asset or place, the target as sent, the client's address or
   NULL); lead_hits_finish makes their events off the request path, each
   target normalised and matched against the rules, the place looked up. */
typedef struct lead_hits lead_hits;
lead_hits *lead_hits_new(size_t max_bytes);
void lead_hits_free(lead_hits *h);
int lead_hits_add(lead_hits *h, const lead_event *ev, const char *target,
    size_t len, const struct sockaddr *client);
size_t lead_hits_count(const lead_hits *h);
void lead_hits_clear(lead_hits *h);
/* rules and geoip may be NULL; events is cleared first. */
typedef struct lead_rules lead_rules;
int lead_hits_finish(const lead_hits *h, const lead_rules *rules,
    const lead_geoip *geoip, lead_batch *events);

/* ---- the store --------------------------------------------------------- */

typedef struct lead_store lead_store;
/* map_size 0: LEAD_DEFAULT_MAP_SIZE, or the file's; existing: refuse a
   missing store, keep its map size; nosync: for bulk loads run again. */
typedef struct { uint64_t map_size; int read_only, existing, nosync; }
    lead_store_opts;

/* Opens (creating when writable) the store in dir; errbuf says why not. */
int lead_store_open(lead_store **out, const char *dir,
    const lead_store_opts *opts, char *errbuf, size_t errlen);
void lead_store_close(lead_store *s);
/* Another handle for another thread; close it before s. */
lead_store *lead_store_share(lead_store *s);
const char *lead_store_errmsg(const lead_store *s);
/* LEAD_EDAMAGED, why in err, if data.mdb is not whole (walk: all trees) */
int lead_store_verify(const char *dir, int walk, char *err, size_t errlen);
/* The rules' assets into the catalogue, so titles outlive the rules. */
int lead_store_put_assets(lead_store *s, const lead_rules *r);
/* The map made bytes larger, for good: room to erase from a full store. */
int lead_store_grow(lead_store *s, uint64_t bytes);
typedef struct { uint8_t id[LEAD_ID_LEN]; uint64_t first_ms, last_ms,
    events; } lead_visitor;
/* In time order; a callback returns non-zero to stop (LEAD_ECALLBACK).
   Events from since_ms to until_ms (0: no end), of lead_id's (NULL: all) */
typedef int (*lead_event_fn)(void *arg, uint64_t seq, const lead_event *ev);
typedef int (*lead_visitor_fn)(void *arg, const lead_visitor *v);
int lead_store_each_event_in(lead_store *s, uint64_t since_ms,
    uint64_t until_ms, const uint8_t *lead_id, lead_event_fn fn, void *arg);
#define lead_store_each_event(s, fn, arg) \
    lead_store_each_event_in(s, 0, 0, NULL, fn, arg)
int lead_store_each_visitor(lead_store *s, lead_visitor_fn fn, void *arg);

/* ---- rules: what content means, as marketers write it ------------------ */

enum { LEAD_ASSET_HOT = 1, LEAD_ASSET_OPEN = 2, LEAD_ASSET_GATED = 4 };
typedef struct {
    uint64_t     id;          /* stable: derived from the path pattern */
    const char  *path;        /* as written; a prefix ends in '*' */
    const char  *title, *stage;
    unsigned     stage_index;
    int32_t      points;
    const char  *topic;
    const char  *group;       /* "" when none */
    unsigned     flags;
    unsigned     line;        /* in assets.csv */
} lead_asset;
/* dir/scoring.conf and dir/assets.csv, all or nothing: err holds
   "file:line: what is wrong (expected)". */
int lead_rules_load(lead_rules **out, const char *dir, char *err,
    size_t errlen);
void lead_rules_free(lead_rules *r);
/* The rules nginx last recorded in the store, or the defaults. */
int lead_store_rules(lead_store *s, lead_rules **out, char *err,
    size_t errlen);
/* The most specific rule for a normalised path, or NULL; ..._file: for a
   file's path below the root, where "/d/index.*" stands for "/d/". */
const lead_asset *lead_rules_match(const lead_rules *r, const char *path,
    size_t len);
const lead_asset *lead_rules_match_file(const lead_rules *r,
    const char *path, size_t len);
size_t lead_rules_count(const lead_rules *r);
const lead_asset *lead_rules_asset(const lead_rules *r, size_t i);
unsigned lead_rules_stages(const lead_rules *r);
const char *lead_rules_currency(const lead_rules *r);  /* scoring.conf's */
/* 1 when the rules gate the asset: flagged so, or at or past gate_from. */
int lead_rules_gated(const lead_rules *r, const lead_asset *a);

/* ---- templates --------------------------------------------------------- */

/* {{name}} (HTML-escaped), {{#name}}..{{/name}} when not empty, {{^name}}
   ..{{/name}} when empty, {{*list}}..{{/list}} per item, {{&name}} HTML.
   names: the placeholders (NULL-ended) in render's order of values (it
   returns the length needed, like snprintf); builtin: html/form.html's. */
typedef struct lead_tmpl lead_tmpl;
int lead_tmpl_load(lead_tmpl **out, const char *path,
    const char *const *names, char *err, size_t errlen);
int lead_form_builtin(lead_tmpl **out, const char *const *names,
    char *err, size_t errlen);
void lead_tmpl_free(lead_tmpl *t);
size_t lead_tmpl_render(const lead_tmpl *t, const lead_str *values,
    char *out, size_t size);

/* ---- the minimal form -------------------------------------------------- */

enum { LEAD_FORM_NAME, LEAD_FORM_EMAIL, LEAD_FORM_SUBSCRIBE,
       LEAD_FORM_CONTACT, LEAD_FORM_RETURN, LEAD_FORM_TOKEN,
       LEAD_FORM_NFIELDS };
typedef struct {
    lead_str  field[LEAD_FORM_NFIELDS];   /* decoded; data NULL if absent */
    char      buf[LEAD_FORM_BODY_MAX];
} lead_form_fields;
/* A urlencoded body's fields; LEAD_EINVAL if over LEAD_FORM_BODY_MAX. */
int lead_form_parse(const char *body, size_t len, lead_form_fields *f);
/* 1 when s is a path on this site that is safe to redirect to. */
int lead_return_valid(const char *s, size_t len);

/* A checked form: the values to store, or with errors what to show. */
typedef struct {
    char         name[LEAD_PERSON_NAME_MAX * 4];
    char         email[LEAD_EMAIL_MAX];
    char         ret[LEAD_RETURN_MAX];   /* "/" when missing or unsafe */
    size_t       name_len, email_len, ret_len;
    int          subscribe, contact;
    const char  *name_error, *email_error;   /* for people, by the field */
} lead_form;
/* The number of fields with an error (0: the form is good). */
int lead_form_validate(const lead_form_fields *f, lead_form *form);

/* ---- leads ------------------------------------------------------------- */

typedef struct {
    uint8_t    id[LEAD_ID_LEN];
    lead_str   email, name;    /* the e-mail normalised */
    lead_str   topics;         /* subscribed topics, space-separated */
    uint64_t   created_ms, updated_ms;   /* identified; last form */
    int        contact, subscribed, sales; /* a call; news; sales added it */
} lead_person;
typedef int (*lead_person_fn)(void *arg, const lead_person *p);
/* A valid form, one write transaction: the lead of its e-mail (found or
   made) takes its name, flags, the visitor and its reading; from a device
   not the lead's, a claim that changes nothing (NOTIFY: send a confirm). */
enum { LEAD_IDENT_UPDATED, LEAD_IDENT_CREATED, LEAD_IDENT_CLAIMED,
       LEAD_IDENT_NOTIFY, LEAD_IDENT_REFUSED /* the day's claims spent */ };
int lead_store_identify(lead_store *s, const uint8_t visitor[LEAD_ID_LEN],
    const lead_form *form, const char *topic, size_t topic_len,
    uint64_t now_ms, uint8_t lead_id[LEAD_ID_LEN], int *outcome);
/* LEAD_OK if the visitor holds a pending claim (the gate lets it in). */
int lead_store_visitor_claims(lead_store *s,
    const uint8_t visitor[LEAD_ID_LEN], uint64_t now_ms);
/* A confirm token: its device into visitor, fn hears of the lead, with
   apply the device is linked; LEAD_EINVAL: bad, LEAD_ENOTFOUND: none. */
int lead_store_confirm(lead_store *s, const lead_keys *k, const char *token,
    size_t len, uint64_t now_ms, int apply, uint8_t visitor[LEAD_ID_LEN],
    lead_person_fn fn, void *arg);
/* The lead a visitor is linked to now, or LEAD_ENOTFOUND. */
int lead_store_visitor_lead(lead_store *s,
    const uint8_t visitor[LEAD_ID_LEN], uint8_t lead_id[LEAD_ID_LEN]);
/* By e-mail or hex id; LEAD_ENOTFOUND if there is none. */
int lead_store_find_lead(lead_store *s, const char *who, size_t len,
    lead_person_fn fn, void *arg);
/* A lead sales found (no visitor; source "sales"): sal, who added it. */
int lead_store_add_lead(lead_store *s, const lead_form *form,
    const char *who, uint64_t now_ms, uint8_t lead_id[LEAD_ID_LEN]);

/* A lead becomes mql by itself; sales move it to won, lost or nurture. */
enum { LEAD_STATUS_ANONYMOUS /* no lead */, LEAD_STATUS_IDENTIFIED,
       LEAD_STATUS_MQL, LEAD_STATUS_SAL, LEAD_STATUS_SQL, LEAD_STATUS_WON,
       LEAD_STATUS_NURTURE, LEAD_STATUS_LOST, LEAD_NSTATUSES };
const char *lead_status_name(int status);
int lead_status_parse(const char *name, size_t len);   /* -1 if unknown */
int lead_store_get_status(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int *status, uint64_t *since_ms);
/* Kept with its cause, who and reason; LEAD_EINVAL for a move not allowed. */
int lead_store_set_status(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int to, uint64_t now_ms, const char *cause, const char *who,
    const char *reason);
/* A deal won (amount in cents of currency, ISO 4217 "EUR"; close date) or
   lost (amount 0, a reason), kept with the change that closes it. */
typedef struct { int64_t amount; char currency[4]; uint64_t closed_ms; }
    lead_outcome;
int lead_store_close_deal(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int to, uint64_t now_ms, const lead_outcome *o, const char *who,
    const char *reason);
/* "12000" or "12000.50" as cents; LEAD_EINVAL for junk, a sign, more than
   2 decimals or over 10^13 cents (so that sums of them never overflow). */
int lead_amount_parse(const char *s, size_t len, int64_t *cents);

/* What an erase took away; bytes: of anonymous data. */
typedef struct { size_t leads, visitors, events, bytes; } lead_erased;
/* MQLs not accepted within r's accept_within back to nurture, oldest
   first, at most max a transaction; then fn hears of each, and why. */
typedef int (*lead_returned_fn)(void *arg,
    const uint8_t lead_id[LEAD_ID_LEN], const char *reason);
int lead_store_return_overdue(lead_store *s, const lead_rules *r,
    uint64_t now_ms, size_t max, lead_returned_fn fn, void *arg);
/* The lead's owner ("" unsets); who accepts a lead (sal) owns it. */
int lead_store_assign(lead_store *s, const char *who, size_t len,
    const char *owner, size_t owner_len);

/* A person erased (by e-mail or hex id): lead, statuses, scores, reads. */
int lead_store_forget(lead_store *s, const char *who, size_t len,
    lead_erased *out);
/* The batch's events in short transactions, anonymous data (visitors with
   no lead) under anon_max bytes (0: no bound): the oldest are evicted. */
typedef struct { size_t stored, dropped; lead_erased evicted; } lead_committed;
int lead_store_commit_bounded(lead_store *s, const lead_batch *b,
    uint64_t anon_max, lead_committed *out);
/* One short transaction of expiry: at most max anonymous visitors last
   seen before before_ms go, from the visitor id from on; *more if more. */
int lead_store_purge_anonymous(lead_store *s, uint64_t before_ms, size_t max,
    uint8_t from[LEAD_ID_LEN], lead_erased *out, int *more);
/* A compacted copy into dir/data.mdb, safe while nginx writes. */
int lead_store_backup(lead_store *s, const char *dir);
/* The store rewritten compacted; refused while another process has it. */
int lead_store_compact(lead_store *s);

/* ---- scores ------------------------------------------------------------ */

/* What a request shows of its visitor ($lead_score and the others): the
   engagement rounded, LEAD_STATUS_ANONYMOUS for no lead, the cell "A1". */
typedef struct { int64_t score; int status; char cell[3]; } lead_profile;
/* The visitor's, or with lead_id (its lead, NULL: none) the lead's. */
int lead_store_profile(lead_store *s, const lead_rules *r,
    const uint8_t visitor[LEAD_ID_LEN], const uint8_t *lead_id,
    uint64_t now_ms, lead_profile *out);

typedef int (*lead_promoted_fn)(void *arg,
    const uint8_t lead_id[LEAD_ID_LEN], const char *cause, double engagement);

/* Folds the events stored up to until_ms into the kept indexes and
   scores (one transaction of at most budget_ms; *more if there is more);
   a lead that meets a trigger becomes mql and fn hears of it once that
   is committed.  rules NULL: the indexes only.  Call it after commits. */
int lead_store_fold(lead_store *s, const lead_rules *r, uint64_t until_ms,
    unsigned budget_ms, lead_promoted_fn fn, void *arg, int *more);

/* mql now if it asked for a call or met a trigger: a lead that just
   identified, or the leads of a batch just committed (fn as above). */
int lead_store_promote_lead(lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms,
    lead_promoted_fn fn, void *arg);
int lead_store_promote_batch(lead_store *s, const lead_rules *r,
    const lead_batch *b, uint64_t now_ms, lead_promoted_fn fn, void *arg);

/* Notices (mql, returned, confirm) queued in the store with what they
   announce.  A run, one transaction: done's outcomes applied (2xx: sent;
   else retried after retry_ms doubling to 5 min, failed after 10 tries;
   DROP: gone; RELEASE: due now), then up to max due leased for 2 min
   into taken (send 0: dropped instead; trimmed: over the queue's cap). */
enum { LEAD_NOTICE_DROP = 1, LEAD_NOTICE_RELEASE };
typedef struct {
    uint64_t due_ms, at_ms;         /* kind, at_ms and lead: its identity */
    uint8_t lead[LEAD_ID_LEN], visitor[LEAD_ID_LEN];
    int kind; unsigned tries, status;     /* the last answer's, 0: none */
    char text[512];
} lead_notice;
typedef struct {
    uint64_t now_ms, retry_ms; int send; lead_notice *done, *taken;
    size_t ndone, max, ntaken, trimmed;
} lead_notices_run;
int lead_store_notices_run(lead_store *s, lead_notices_run *run);
/* Its JSON with an "id" a receiver dedupes on, the lead as it is now;
   LEAD_ENOTFOUND: the lead is gone, LEAD_EINVAL: no confirm url. */
int lead_notice_json(lead_buf *out, lead_store *s, const lead_rules *r,
    const lead_notice *n, const lead_keys *k, const char *confirm_url);

/* ---- what sales and marketers read ------------------------------------- */

typedef struct {
    int          status, stage, sort;  /* -1: any; stage: its index */
    char         topic[LEAD_NAME_MAX + 1];    /* "": any */
    char         grade; int band;    /* 0: any */
    char         search[LEAD_EMAIL_MAX + 1];  /* in name or e-mail */
    char         owner[128 + 1]; /* "": anyone's, or none's (only) */
    unsigned     only;           /* LEAD_ONLY_*: overdue, unassigned, calls */
    size_t       offset, limit;  /* the rows wanted; limit 0: all */
} lead_filter;
void lead_filter_init(lead_filter *f);
/* One filter as people type it: "status", "stage", "topic", "cell" (A1,
   A or 1), "q" (search), "sort" (score, recent, name); "" means any. */
int lead_filter_set(lead_filter *f, const lead_rules *r, const char *key,
    const char *value, size_t len, char *err, size_t errlen);
enum { LEAD_REPORT_LEADS, LEAD_REPORT_LEAD, LEAD_REPORT_FUNNEL,
       LEAD_REPORT_ACCOUNTS, LEAD_REPORT_ASSETS, LEAD_REPORT_NOTICES,
       LEAD_REPORT_CALIBRATION, LEAD_REPORT_ATTRIBUTION, LEAD_REPORT_FEEDBACK};
enum { LEAD_REPORT_TEXT, LEAD_REPORT_JSON, LEAD_REPORT_CSV };
enum { LEAD_BY_ASSET, LEAD_BY_CAMPAIGN, LEAD_BY_CHANNEL };
enum { LEAD_MODEL_FIRST, LEAD_MODEL_LAST, LEAD_MODEL_LINEAR, LEAD_NMODELS };
typedef struct {
    int                 what, format;   /* LEAD_REPORT_*; CSV: leads, assets */
    const lead_rules   *rules, *proposed;   /* calibration's, or NULL */
    const lead_filter  *filter;     /* leads, funnel, accounts; NULL: all */
    const char         *who;        /* the lead (e-mail, hex id); an asset */
    int                 by, model, feedback;  /* attribution's; assets' */
    uint64_t            now_ms, since_ms;   /* since: attribution's, to now */
    int (*flush)(void *arg, lead_buf *out); void *flush_arg;  /* or NULL */
} lead_report_request;

/* A report as leadctl prints it and the sales view exports it, from one
   snapshot, appended to out (leads' CSV: flushed part by part, flush
   emptying out, non-zero to stop); LEAD_ENOTFOUND for no such lead. */
int lead_report(lead_buf *out, lead_store *s, const lead_report_request *req);

/* ---- the sales view ---------------------------------------------------- */

/* The web app sales use (html/sales/, built in), request by request. */
typedef struct lead_sales lead_sales;
int lead_sales_new(lead_sales **out, char *err, size_t errlen);
void lead_sales_free(lead_sales *app);

typedef struct {
    int             post;           /* POST; else GET (or HEAD) */
    lead_str        path;           /* below the location: "", "lead/ID" */
    lead_str        query;          /* without '?' */
    lead_str        body;           /* a POST's urlencoded form */
    lead_str        base;           /* the location, for links */
    lead_str        user;           /* who the server authenticated, or "" */
    const lead_keys *keys;          /* lead_secret's */
    uint8_t         browser[LEAD_ID_LEN];   /* its visitor cookie's id */
    int             browser_known;  /* the cookie came with the request */
    uint64_t        now_ms;
} lead_sales_request;

typedef struct {
    int             status;         /* 200, 303, 4xx, 5xx */
    const char     *type;           /* Content-Type */
    const char     *disposition;    /* Content-Disposition, or NULL */
    int             cacheable;      /* the style sheet and script */
    lead_buf        location, body; /* where a 303 goes; the page */
} lead_sales_response;

/* Fills resp (free its buffers after); never fails without a page. */
void lead_sales_serve(const lead_sales *app, lead_store *s,
    const lead_rules *r, const lead_sales_request *req,
    lead_sales_response *resp);

#endif /* LEAD_H */
