/*
 * lead profiler: the one public header.
 *
 * Plain C11 (plus POSIX and Linux getrandom); no nginx headers.  The nginx
 * module and leadctl both go through this API, so every number they show
 * comes from the same code.
 */

#ifndef LEAD_H
#define LEAD_H

#include <stddef.h>
#include <stdint.h>

/* Errors: functions return LEAD_OK or one of these negative codes. */
enum {
    LEAD_OK = 0,
    LEAD_EINVAL = -1,      /* malformed input */
    LEAD_ENOMEM = -2,
    LEAD_ENOSTORE = -3,    /* no store at that path */
    LEAD_EFULL = -4,       /* store map is full */
    LEAD_ESCHEMA = -5,     /* store written by a newer version */
    LEAD_ESTORE = -6,      /* LMDB or system error, see the message */
    LEAD_EBATCHFULL = -7,  /* batch reached its byte limit */
    LEAD_ECALLBACK = -8,   /* an iteration callback asked to stop */
    LEAD_ENOTFOUND = -9    /* no such lead */
};

#define LEAD_ID_LEN           16
#define LEAD_MAC_LEN          32
#define LEAD_SECRET_MIN_LEN   32
/* base64url without padding: 16 bytes -> 22 chars, 32 bytes -> 43 chars */
#define LEAD_COOKIE_VALUE_LEN (22 + 1 + 43)
#define LEAD_ID_HEX_LEN       (2 * LEAD_ID_LEN)

/* A span of someone else's bytes (not NUL-terminated). */
typedef struct {
    const char  *data;
    size_t       len;
} lead_str;

/* ---- output text ------------------------------------------------------- */

/* A buffer that grows; after a failed append oom is set and it stays. */
typedef struct {
    char    *data;         /* NUL-terminated when not NULL */
    size_t   len, cap;
    int      oom;
} lead_buf;

void lead_buf_free(lead_buf *b);
void lead_buf_put(lead_buf *b, const char *s, size_t len);
void lead_buf_puts(lead_buf *b, const char *s);
void lead_buf_printf(lead_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* s escaped for HTML text and quoted attribute values */
void lead_buf_html(lead_buf *b, const char *s, size_t len);
/* s as a quoted JSON string (also safe inside HTML) */
void lead_buf_json(lead_buf *b, const char *s, size_t len);
/* s as one RFC 4180 CSV field that spreadsheets will not run */
void lead_buf_csv(lead_buf *b, const char *s, size_t len);

/* ---- visitor cookie ---------------------------------------------------- */

int lead_visitor_new(uint8_t id[LEAD_ID_LEN]);

/* 1 if name may name a cookie: an RFC 6265 token, at most 64 bytes. */
int lead_cookie_name_ok(const char *name, size_t len);

/* Writes LEAD_COOKIE_VALUE_LEN bytes (no NUL) to out. */
void lead_cookie_sign(const uint8_t *secret, size_t secret_len,
    const uint8_t id[LEAD_ID_LEN], char out[LEAD_COOKIE_VALUE_LEN]);

/* LEAD_OK and the id when value is well-formed and its MAC matches. */
int lead_cookie_verify(const uint8_t *secret, size_t secret_len,
    const char *value, size_t len, uint8_t id[LEAD_ID_LEN]);

/*
 * lead_cookie_verify, remembering values that verified: a returning
 * visitor's cookie costs a lookup, not a MAC.  One cache per secret (and
 * per thread); lead_cookie_verify_cached takes a NULL cache too.
 */
typedef struct lead_cookie_cache lead_cookie_cache;

lead_cookie_cache *lead_cookie_cache_new(void);
void lead_cookie_cache_free(lead_cookie_cache *c);
int lead_cookie_verify_cached(lead_cookie_cache *c, const uint8_t *secret,
    size_t secret_len, const char *value, size_t len,
    uint8_t id[LEAD_ID_LEN]);

/*
 * The form's anti-CSRF token: a MAC of the visitor id, so a page on
 * another site cannot know it.  LEAD_TOKEN_LEN characters, no NUL.
 */
#define LEAD_TOKEN_LEN 43

void lead_form_token(const uint8_t *secret, size_t secret_len,
    const uint8_t visitor[LEAD_ID_LEN], char out[LEAD_TOKEN_LEN]);
int lead_form_token_verify(const uint8_t *secret, size_t secret_len,
    const uint8_t visitor[LEAD_ID_LEN], const char *token, size_t len);

/*
 * The sales view's anti-CSRF token: a MAC of the browser's visitor id and
 * the user nginx authenticated ($remote_user, may be empty).
 */
void lead_sales_token(const uint8_t *secret, size_t secret_len,
    const uint8_t visitor[LEAD_ID_LEN], const char *user, size_t user_len,
    char out[LEAD_TOKEN_LEN]);
int lead_sales_token_verify(const uint8_t *secret, size_t secret_len,
    const uint8_t visitor[LEAD_ID_LEN], const char *user, size_t user_len,
    const char *token, size_t len);

/* Writes LEAD_ID_HEX_LEN lower-case hex digits (no NUL). */
void lead_id_to_hex(const uint8_t id[LEAD_ID_LEN], char *out);
int lead_id_from_hex(const char *hex, size_t len, uint8_t id[LEAD_ID_LEN]);

/* ---- parsing request facts -------------------------------------------- */

typedef enum {
    LEAD_UA_UNKNOWN = 0,
    LEAD_UA_BROWSER = 1,
    LEAD_UA_BOT = 2
} lead_ua_class;

const char *lead_ua_class_name(int ua_class);
lead_ua_class lead_ua_classify(const char *ua, size_t len);

/*
 * lead_ua_classify, remembered: a site's visitors send the same few user
 * agents over and over.  An agent is known by a 64-bit hash and its
 * length; one that collides with another is classed as that one, which
 * gains nothing its sender could not have by sending the other agent.
 * One cache per thread; lead_ua_classify_cached takes a NULL cache too.
 */
typedef struct lead_ua_cache lead_ua_cache;

lead_ua_cache *lead_ua_cache_new(void);
void lead_ua_cache_free(lead_ua_cache *c);
lead_ua_class lead_ua_classify_cached(lead_ua_cache *c, const char *ua,
    size_t len);

#define LEAD_PATH_MAX 1024

/*
 * Normalises a request target as nginx maps it to a file: the query is
 * dropped, %XX decoded, "//" merged, "." and ".." resolved.  Returns the
 * length written to out (at most LEAD_PATH_MAX bytes), or LEAD_EINVAL for
 * a target nginx itself refuses (no leading '/', %00, bad escapes, ".."
 * above the root) or one longer than LEAD_PATH_MAX.
 */
int lead_path_normalize(const char *target, size_t len,
    char out[LEAD_PATH_MAX]);

#define LEAD_HOST_MAX 255

/* Writes the lower-cased host of an absolute http(s) URL; 0 if none. */
size_t lead_referrer_host(const char *url, size_t len,
    char out[LEAD_HOST_MAX]);

#define LEAD_UTM_MAX 128

typedef struct {
    char    source[LEAD_UTM_MAX];
    char    medium[LEAD_UTM_MAX];
    char    campaign[LEAD_UTM_MAX];
    size_t  source_len, medium_len, campaign_len;
} lead_utm;

/*
 * Decodes utm_source, utm_medium and utm_campaign from a query string
 * (without '?').  Values are percent- and plus-decoded, cut at
 * LEAD_UTM_MAX bytes, control characters and invalid UTF-8 dropped.
 */
void lead_utm_parse(const char *query, size_t len, lead_utm *utm);

#define LEAD_MAX_RANGES 8

typedef struct {
    uint64_t  start;   /* inclusive */
    uint64_t  end;     /* inclusive */
} lead_range;

/*
 * Resolves a "bytes=..." Range header against the full size.  Returns the
 * number of satisfiable ranges stored (at most LEAD_MAX_RANGES), 0 for a
 * header that asks for nothing satisfiable, LEAD_EINVAL if malformed.
 */
int lead_range_parse(const char *header, size_t len, uint64_t size,
    lead_range ranges[LEAD_MAX_RANGES]);

/* ---- where a visitor reads from ----------------------------------------- */

struct sockaddr;

typedef struct lead_geoip lead_geoip;

#define LEAD_COUNTRY_LEN  3        /* ISO 3166 alpha-2 and a NUL */
#define LEAD_REGION_MAX   16
#define LEAD_CITY_MAX     64

typedef struct {
    char  country[LEAD_COUNTRY_LEN];   /* "" when unknown */
    char  region[LEAD_REGION_MAX];     /* e.g. "ENG"; "" in a Country DB */
    char  city[LEAD_CITY_MAX];         /* English name; "" when unknown */
} lead_geo;

/* Opens a MaxMind DB read-only; a missing, foreign or broken file fails. */
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
    uint16_t     status;
    uint8_t      ua_class;
    uint64_t     bytes_sent;
    uint64_t     file_size;
    unsigned     nranges;
    lead_range   ranges[LEAD_MAX_RANGES];
    lead_str     path;
    lead_str     referrer_host;
    lead_str     utm_source;
    lead_str     utm_medium;
    lead_str     utm_campaign;
    /* the asset rule that matched when it was read; asset_id 0: untagged */
    uint64_t     asset_id;
    int32_t      points;
    uint8_t      asset_flags;
    lead_str     stage;
    lead_str     topic;
    lead_str     group;
    /* where it was read from (lead_geoip), never the address itself */
    lead_str     country;
    lead_str     region;
    lead_str     city;
} lead_event;

/*
 * Upper bound of an encoded event's size: the head, then every field at
 * its limit with its tag and length (3 bytes).
 */
#define LEAD_EVENT_MAX_SIZE                                                   \
    (44 + 3 + LEAD_PATH_MAX + 3 + LEAD_HOST_MAX + 3 * (3 + LEAD_UTM_MAX)      \
     + 3 + LEAD_MAX_RANGES * 16                                               \
     + 3 + 8 + 3 + 4 + 3 + 1 + 3 * (3 + LEAD_NAME_MAX)        /* asset */     \
     + 3 + LEAD_COUNTRY_LEN - 1 + 3 + LEAD_REGION_MAX + 3 + LEAD_CITY_MAX)

/* Returns the encoded length, or LEAD_EINVAL if a field is over its limit. */
int lead_event_encode(const lead_event *ev, uint8_t *buf, size_t size);

/* Strings in ev point into buf. */
int lead_event_decode(const uint8_t *buf, size_t len, lead_event *ev);

/* A worker's pending events, committed together in one transaction. */
typedef struct lead_batch lead_batch;

lead_batch *lead_batch_new(size_t max_bytes);
void lead_batch_free(lead_batch *b);
int lead_batch_add(lead_batch *b, const lead_event *ev);
size_t lead_batch_count(const lead_batch *b);
void lead_batch_clear(lead_batch *b);

/* ---- the store --------------------------------------------------------- */

#define LEAD_SCHEMA_VERSION     1
#define LEAD_DEFAULT_MAP_SIZE   ((uint64_t) 1 << 30)

typedef struct lead_store lead_store;

typedef struct {
    uint64_t  map_size;    /* 0: LEAD_DEFAULT_MAP_SIZE, or the file's */
    int       read_only;
    int       existing;    /* refuse a missing store instead of creating it;
                              keep its map size */
    int       nosync;      /* commits are not synced: only for bulk loads
                              that can be run again (generated datasets) */
} lead_store_opts;

/*
 * Opens (creating when writable) the LMDB environment in the directory
 * dir, clears reader slots left by crashed processes and checks the schema
 * version.  On failure *out is NULL and errbuf says why.
 */
int lead_store_open(lead_store **out, const char *dir,
    const lead_store_opts *opts, char *errbuf, size_t errlen);
void lead_store_close(lead_store *s);

/*
 * Another handle on an open store, for another thread of the same
 * process (LMDB allows one environment per process): its own error
 * message, the same environment.  Close it before the store it shares.
 */
lead_store *lead_store_share(lead_store *s);

/* The last error's detail, for logs. */
const char *lead_store_errmsg(const lead_store *s);

/*
 * Commits every event of the batch in one write transaction, appending to
 * the event log and updating the visitor index.  The batch is left intact;
 * the caller clears it (also after LEAD_EFULL, when it chooses to drop).
 */
int lead_store_commit(lead_store *s, const lead_batch *b);

typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint64_t  first_ms;
    uint64_t  last_ms;
    uint64_t  events;
} lead_visitor;

/*
 * Events come in time order; seq numbers them in the order they were
 * stored.  A callback returns 0 to go on, anything else to stop
 * (LEAD_ECALLBACK).
 */
typedef int (*lead_event_fn)(void *arg, uint64_t seq, const lead_event *ev);
typedef int (*lead_visitor_fn)(void *arg, const lead_visitor *v);

/* Reads run in one read-only snapshot and never block the writers. */
int lead_store_each_event(lead_store *s, lead_event_fn fn, void *arg);
int lead_store_each_visitor(lead_store *s, lead_visitor_fn fn, void *arg);

/* One visitor's counts, or LEAD_ENOTFOUND. */
int lead_store_get_visitor(lead_store *s, const uint8_t id[LEAD_ID_LEN],
    lead_visitor *v);

/* ---- rules: what content means, as marketers write it ------------------ */

#define LEAD_RULES_MAX_ROWS      10000
#define LEAD_RULES_MAX_FILE      (4 * 1024 * 1024)
#define LEAD_TITLE_MAX           200
#define LEAD_NAME_MAX            64      /* stage, topic, group names */
#define LEAD_MAX_STAGES          16
#define LEAD_POINTS_LIMIT        1000    /* |points| per asset or rule */

enum {
    LEAD_ASSET_HOT = 1,
    LEAD_ASSET_OPEN = 2,
    LEAD_ASSET_GATED = 4
};

typedef struct {
    uint64_t     id;          /* stable: derived from the path pattern */
    const char  *path;        /* as written; a prefix ends in '*' */
    const char  *title;
    const char  *stage;
    unsigned     stage_index;
    int32_t      points;
    const char  *topic;
    const char  *group;       /* "" when none */
    unsigned     flags;
    unsigned     line;        /* in assets.csv */
} lead_asset;

typedef struct {
    const char  *name;
    unsigned     count;       /* distinct assets read to be warm */
    int32_t      points;
} lead_group_rule;

typedef struct {
    char         codes[64][3];
    unsigned     ncodes;
    int32_t      points;
} lead_country_rule;

typedef struct {
    const char        *stages[LEAD_MAX_STAGES];
    unsigned           nstages;
    unsigned           gate_from;          /* stage index */
    uint64_t           half_life_ms;
    uint64_t           reload_window_ms;
    int32_t            mql_threshold;
    int32_t            stage_min;          /* engagement a stage needs */
    lead_group_rule   *groups;
    unsigned           ngroups;
    int32_t            grade_min[3];       /* profile points for A, B, C */
    int32_t            band_min[3];        /* engagement for 1, 2, 3 */
    int32_t            company_email_points;
    int32_t            freemail_points;
    int32_t            subscribed_points;
    int32_t            contact_points;
    lead_country_rule *countries;
    unsigned           ncountries;
    size_t             nfreemail;
} lead_scoring;

typedef struct lead_rules lead_rules;

/*
 * Loads dir/scoring.conf then dir/assets.csv.  All or nothing: on any
 * error *out is NULL and err holds "file:line: what is wrong (expected)".
 */
int lead_rules_load(lead_rules **out, const char *dir, char *err,
    size_t errlen);
void lead_rules_free(lead_rules *r);

/*
 * The same from the two files' contents; dir names them in messages and
 * holds the file that freemail_domains names.
 */
int lead_rules_parse(lead_rules **out, const char *dir, const char *scoring,
    size_t scoring_len, const char *assets, size_t assets_len, char *err,
    size_t errlen);

/* The asset with this id in the rules, or NULL. */
const lead_asset *lead_rules_find(const lead_rules *r, uint64_t id);

/* The most specific rule for a normalised path, or NULL if untagged. */
const lead_asset *lead_rules_match(const lead_rules *r, const char *path,
    size_t len);

/*
 * The texts a rule set was parsed from, so a copy kept in the store gives
 * leadctl the very rules nginx scores with.
 */
enum {
    LEAD_RULES_SCORING,
    LEAD_RULES_ASSETS,
    LEAD_RULES_FREEMAIL,
    LEAD_RULES_NTEXTS
};

lead_str lead_rules_text(const lead_rules *r, int which);

/* lead_rules_parse with the free-mail list given as text, not a file. */
int lead_rules_parse_texts(lead_rules **out, const char *dir,
    const char *scoring, size_t scoring_len, const char *assets,
    size_t assets_len, const lead_str *freemail, char *err, size_t errlen);

size_t lead_rules_count(const lead_rules *r);
const lead_asset *lead_rules_asset(const lead_rules *r, size_t i);
const lead_scoring *lead_rules_scoring(const lead_rules *r);
int lead_rules_is_freemail(const lead_rules *r, const char *domain,
    size_t len);

/* Gives the event the meaning of the asset (or none when a is NULL). */
void lead_event_set_asset(lead_event *ev, const lead_asset *a);

/* ... and the place it was read from; ev points into geo. */
void lead_event_set_geo(lead_event *ev, const lead_geo *geo);

/*
 * Hits: what a worker keeps of each request it served, for the store's
 * thread to make the events of off the request path.  The worker only
 * copies: an event without path, asset or place, the target as the
 * client sent it (up to its query) and the client's address (NULL: no
 * place).  lead_hits_finish normalises each target, matches it against
 * the rules and looks the place up; the address goes no further.
 */
#define LEAD_TARGET_MAX    (3 * LEAD_PATH_MAX + 1)  /* longer never normalises */
#define LEAD_HIT_MAX_SIZE  /* the target's and a sockaddr_in6's fields more */  \
    (LEAD_EVENT_MAX_SIZE + 3 + LEAD_TARGET_MAX + 3 + 28)

typedef struct lead_hits lead_hits;

lead_hits *lead_hits_new(size_t max_bytes);
void lead_hits_free(lead_hits *h);

/* LEAD_EINVAL for an event with a path, asset or place, or over a limit. */
int lead_hits_add(lead_hits *h, const lead_event *ev, const char *target,
    size_t len, const struct sockaddr *client);
size_t lead_hits_count(const lead_hits *h);
void lead_hits_clear(lead_hits *h);

/*
 * The events of the hits, into events (cleared first); a hit whose target
 * does not normalise is left out.  rules and geoip may be NULL.
 */
int lead_hits_finish(const lead_hits *h, const lead_rules *rules,
    const lead_geoip *geoip, lead_batch *events);

/*
 * The store keeps a catalogue of every asset rule events were read under,
 * so titles stay known after the rules change.
 */
int lead_store_put_assets(lead_store *s, const lead_rules *r);

/*
 * The rules nginx last recorded events under (written with the
 * catalogue), or LEAD_ENOTFOUND.
 */
int lead_store_get_rules(lead_store *s, lead_rules **out, char *err,
    size_t errlen);

typedef int (*lead_asset_fn)(void *arg, const lead_asset *a);
int lead_store_each_asset(lead_store *s, lead_asset_fn fn, void *arg);

/* ---- the minimal form ------------------------------------------------- */

#define LEAD_FORM_BODY_MAX     4096
#define LEAD_EMAIL_MAX         254
#define LEAD_PERSON_NAME_MAX   100     /* characters */
#define LEAD_RETURN_MAX        2048
#define LEAD_TMPL_MAX          (256 * 1024)

enum {
    LEAD_FORM_NAME,
    LEAD_FORM_EMAIL,
    LEAD_FORM_SUBSCRIBE,
    LEAD_FORM_CONTACT,
    LEAD_FORM_RETURN,
    LEAD_FORM_TOKEN,
    LEAD_FORM_NFIELDS
};

typedef struct {
    lead_str  field[LEAD_FORM_NFIELDS];   /* decoded; data NULL if absent */
    char      buf[LEAD_FORM_BODY_MAX];
} lead_form_fields;

/*
 * Splits and decodes an application/x-www-form-urlencoded body ('+' and
 * %XX; a malformed escape stays as it is; the first of a repeated key
 * wins).  LEAD_EINVAL if longer than LEAD_FORM_BODY_MAX.
 */
int lead_form_parse(const char *body, size_t len, lead_form_fields *f);

/*
 * Practical e-mail check (ASCII, one '@', dotted domain, at most 254
 * bytes); writes it trimmed and lower-cased, the form a lead is unique by.
 */
int lead_email_normalize(const char *in, size_t len,
    char out[LEAD_EMAIL_MAX]);

/* 1 when s is a path on this site that is safe to redirect to. */
int lead_return_valid(const char *s, size_t len);

/*
 * A checked form.  With errors, name and email hold what can be shown
 * again (a long name cut, the e-mail as typed); without, the values to
 * store (name trimmed, e-mail normalised).
 */
typedef struct {
    char         name[LEAD_PERSON_NAME_MAX * 4];
    size_t       name_len;
    char         email[LEAD_EMAIL_MAX];
    size_t       email_len;
    char         ret[LEAD_RETURN_MAX];   /* "/" when missing or unsafe */
    size_t       ret_len;
    int          subscribe;
    int          contact;
    const char  *name_error;             /* for people, next to the field */
    const char  *email_error;
} lead_form;

/* Returns the number of fields with an error (0: the form is good). */
int lead_form_validate(const lead_form_fields *f, lead_form *form);

/* ---- leads ------------------------------------------------------------- */

typedef struct {
    uint8_t    id[LEAD_ID_LEN];
    lead_str   email;          /* normalised */
    lead_str   name;
    lead_str   topics;         /* subscribed topics, space-separated */
    uint64_t   created_ms;     /* first identified */
    uint64_t   updated_ms;     /* last filled the form */
    int        contact;        /* asked to be contacted */
    int        subscribed;
} lead_person;

typedef int (*lead_person_fn)(void *arg, const lead_person *p);
typedef int (*lead_device_fn)(void *arg, const uint8_t visitor[LEAD_ID_LEN],
    uint64_t since_ms);

/*
 * A valid form from this visitor: finds or creates the lead by e-mail,
 * records name, subscription (to topic, if any) and contact request, and
 * links the visitor to it.  Its earlier anonymous events become the
 * lead's; a visitor linked to another lead before keeps what it read
 * then with that lead.  One write transaction.
 */
int lead_store_identify(lead_store *s, const uint8_t visitor[LEAD_ID_LEN],
    const lead_form *form, const char *topic, size_t topic_len,
    uint64_t now_ms, uint8_t lead_id[LEAD_ID_LEN], int *created);

/*
 * Lead statuses.  A lead becomes mql by itself (engagement, a hot asset,
 * asking for a call); sales move it on or back to marketing (nurture).
 */
enum {
    LEAD_STATUS_ANONYMOUS,     /* a visitor with no lead */
    LEAD_STATUS_IDENTIFIED,
    LEAD_STATUS_MQL,
    LEAD_STATUS_SAL,
    LEAD_STATUS_SQL,
    LEAD_STATUS_WON,
    LEAD_STATUS_NURTURE,
    LEAD_NSTATUSES
};

const char *lead_status_name(int status);
int lead_status_parse(const char *name, size_t len);   /* -1 if unknown */

/* 1 when a lead may go from one status to the other. */
int lead_status_allowed(int from, int to);

#define LEAD_WHO_MAX     128
#define LEAD_REASON_MAX  500

typedef struct {
    uint64_t   time_ms;
    int        from;
    int        to;
    lead_str   cause;      /* what made it happen */
    lead_str   who;        /* a salesperson, or "" for lead itself */
    lead_str   reason;     /* why sales rejected it (nurture) */
} lead_transition;

typedef int (*lead_transition_fn)(void *arg,
    const uint8_t lead_id[LEAD_ID_LEN], const lead_transition *t);

int lead_store_get_status(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int *status, uint64_t *since_ms);

/*
 * Moves a lead to another status, keeping the transition with its time,
 * cause, who and reason.  LEAD_EINVAL (message set) for a move that is
 * not allowed, or a nurture without a reason.
 */
int lead_store_set_status(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    int to, uint64_t now_ms, const char *cause, const char *who,
    const char *reason);

/* One lead's transitions in time order, or every lead's (lead_id NULL). */
int lead_store_each_transition(lead_store *s,
    const uint8_t lead_id[LEAD_ID_LEN], lead_transition_fn fn, void *arg);

/* The lead a visitor is now linked to, or LEAD_ENOTFOUND. */
int lead_store_visitor_lead(lead_store *s,
    const uint8_t visitor[LEAD_ID_LEN], uint8_t lead_id[LEAD_ID_LEN]);

int lead_store_each_lead(lead_store *s, lead_person_fn fn, void *arg);

/* By e-mail or hex id; LEAD_ENOTFOUND if there is none. */
int lead_store_find_lead(lead_store *s, const char *who, size_t len,
    lead_person_fn fn, void *arg);

/* What an erase took away. */
typedef struct {
    size_t  leads;
    size_t  visitors;
    size_t  events;
} lead_erased;

/*
 * Erases a person (by e-mail or hex id): the lead, its statuses and kept
 * score, and every event of its devices that was its; a device left with
 * no lead and no events goes too (a shared device keeps the other leads'
 * events, and those leads are scored again).  One write transaction;
 * LEAD_ENOTFOUND if there is no such lead.
 */
int lead_store_forget(lead_store *s, const char *who, size_t len,
    lead_erased *out);

/*
 * One short write transaction of expiry: anonymous visitors (never linked
 * to a lead) last seen before before_ms go with their events, at most max
 * of them, resuming at the visitor id from (zeros: the first).  *more says
 * there is more to look at, from where from now points.  out adds up.
 */
int lead_store_purge_anonymous(lead_store *s, uint64_t before_ms, size_t max,
    uint8_t from[LEAD_ID_LEN], lead_erased *out, int *more);

/*
 * A consistent, compacted copy of the store into dir/data.mdb (dir is
 * created if missing; a copy there is replaced atomically).  Safe while
 * nginx writes: it is one read snapshot.
 */
int lead_store_backup(lead_store *s, const char *dir);

/*
 * Rewrites the store compacted (freed pages, with whatever they held,
 * are gone).  Refused while another process has the store open.
 */
int lead_store_compact(lead_store *s);

/*
 * The map made bytes larger, for good (nginx's workers follow): a store
 * so full that even erasing from it fails gets the room erasing needs.
 */
int lead_store_grow(lead_store *s, uint64_t bytes);

/* The lead's visitors (devices) and when each was linked. */
int lead_store_each_device(lead_store *s,
    const uint8_t lead_id[LEAD_ID_LEN], lead_device_fn fn, void *arg);

/* Every event attributed to the lead, in time order. */
int lead_store_lead_events(lead_store *s,
    const uint8_t lead_id[LEAD_ID_LEN], lead_event_fn fn, void *arg);

/*
 * Templates: {{name}} (HTML-escaped), {{#name}}...{{/name}} shown when
 * the value is not empty, {{^name}}...{{/name}} when it is,
 * {{*list}}...{{/list}} once per item of a list, {{&name}} HTML made by
 * the caller.  names is the NULL-terminated list of placeholders the page
 * may use ("*list" for a list, "&name" for HTML); render takes their
 * values in that order and returns the length the page needs (it writes
 * at most size bytes, like snprintf).
 */
typedef struct lead_tmpl lead_tmpl;

int lead_tmpl_parse(lead_tmpl **out, const char *text, size_t len,
    const char *const *names, const char *label, char *err, size_t errlen);
int lead_tmpl_load(lead_tmpl **out, const char *path,
    const char *const *names, char *err, size_t errlen);
void lead_tmpl_free(lead_tmpl *t);
size_t lead_tmpl_render(const lead_tmpl *t, const lead_str *values,
    char *out, size_t size);

/*
 * For a list, item fills values with the fields of its item i and
 * returns 1, or 0 when there are no more; list is the list's index in
 * names.  Lists may nest: item is asked for the inner items while the
 * outer one is current.
 */
typedef int (*lead_tmpl_item_fn)(void *arg, unsigned list, size_t i,
    lead_str *values);

void lead_tmpl_render_buf(const lead_tmpl *t, lead_str *values,
    lead_tmpl_item_fn item, void *arg, lead_buf *out);

/* ---- the model -------------------------------------------------------- */

#define LEAD_HOT_MAX     10
#define LEAD_WHY_MAX     5
#define LEAD_TOPICS_MAX  8
#define LEAD_CAUSE_MAX   128

/* What one asset (or a warm_after bonus) adds to a subject's score. */
typedef struct {
    uint64_t    asset_id;        /* 0 for a group bonus */
    int         group_bonus;
    char        stage[LEAD_NAME_MAX + 1];
    char        topic[LEAD_NAME_MAX + 1];
    char        group[LEAD_NAME_MAX + 1];
    int         stage_index;     /* in the current stages; -1: none */
    int         hot;
    unsigned    reads;           /* counted: reloads in the window are one */
    uint64_t    events;          /* every recorded request */
    uint64_t    first_ms;
    uint64_t    last_ms;
    double      depth;           /* 0..1: share of its bytes received */
    double      score;           /* its contribution, decayed to now */
} lead_contribution;

typedef struct {
    char    topic[LEAD_NAME_MAX + 1];
    double  engagement;
} lead_topic;

typedef struct {
    double             engagement;
    double             stages[LEAD_MAX_STAGES];   /* by stage, what counts
                                                     toward stage_index */
    int                stage_index;    /* buying stage; -1: none yet */
    int                band;           /* 1 (hottest) .. 4 */
    lead_contribution  hot[LEAD_HOT_MAX];       /* hot content, ranked */
    unsigned           nhot;
    lead_contribution  why[LEAD_WHY_MAX];       /* largest contributions */
    unsigned           nwhy;
    lead_topic         topics[LEAD_TOPICS_MAX];    /* top ones, ranked */
    unsigned           ntopics;
    char               countries[4][LEAD_COUNTRY_LEN];  /* latest first */
    unsigned           ncountries;
    uint64_t           trigger_ms;     /* first MQL trigger since, or 0 */
    uint64_t           trigger_asset;  /* the hot asset that was it, or 0 */
    char               trigger[LEAD_CAUSE_MAX];
} lead_score;

/*
 * Scores one subject from its events, added in time order.  Triggers (a
 * hot asset read, engagement reaching mql_threshold) count from since_ms.
 */
typedef struct lead_scorer lead_scorer;

lead_scorer *lead_scorer_new(const lead_scoring *sc);
void lead_scorer_free(lead_scorer *s);
void lead_scorer_reset(lead_scorer *s, uint64_t since_ms);
int lead_scorer_add(lead_scorer *s, const lead_event *ev);
double lead_scorer_engagement(const lead_scorer *s, uint64_t now_ms);
int lead_scorer_result(const lead_scorer *s, uint64_t now_ms,
    lead_score *out);

/*
 * Scores every lead in one pass over the events, in one snapshot, and
 * calls fn with each lead (leads with no events score 0).
 */
typedef int (*lead_scored_fn)(void *arg, const lead_person *p,
    const lead_score *score);

int lead_store_score_leads(lead_store *s, const lead_scoring *sc,
    uint64_t now_ms, lead_scored_fn fn, void *arg);

/* An anonymous visitor's score: all its events. */
int lead_store_score_visitor(lead_store *s, const lead_scoring *sc,
    const uint8_t visitor[LEAD_ID_LEN], uint64_t now_ms, lead_score *out);

/* One lead's score at now_ms, triggers counted from since_ms. */
int lead_store_score_lead(lead_store *s, const lead_scoring *sc,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t since_ms, uint64_t now_ms,
    lead_score *out);

typedef int (*lead_promoted_fn)(void *arg,
    const uint8_t lead_id[LEAD_ID_LEN], const lead_score *score,
    const char *cause);

/*
 * Keeps the per-visitor indexes and every lead's score in the store, so
 * lists read a record a lead instead of every event (lead_fold.c): folds
 * the events stored up to until_ms into them, working at most budget_ms
 * (one write transaction); *more says there is more to fold.  A lead
 * (identified, or back in nurture) that meets a trigger as its events
 * are folded becomes mql, at the trigger's time, and fn hears of it once
 * that is committed.  Without rules (NULL) it keeps the indexes only.
 * until_ms leaves time for other writers' batches on their way: a late
 * one costs its leads a scoring from scratch.  Call it after commits,
 * often.
 */
int lead_store_fold(lead_store *s, const lead_rules *r, uint64_t until_ms,
    unsigned budget_ms, lead_promoted_fn fn, void *arg, int *more);

/* A monotonic clock in milliseconds, for budgets and timings. */
double lead_clock_ms(void);

/*
 * A lead that just identified: mql at once when it asked for a call or
 * had met a trigger before (the fold judges the others as it scores
 * them); score is scratch, fn hears of a promotion.
 */
int lead_store_promote_lead(lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms, lead_score *score,
    lead_promoted_fn fn, void *arg);

/*
 * The notice posted when a lead becomes mql, appended to out: the lead,
 * its cell, the cause and its hot content.
 */
void lead_mql_json(lead_buf *out, const lead_rules *r, const lead_person *p,
    const lead_score *score, const char *cause, uint64_t at_ms);

/* Engagement band 1..4 from the engagement thresholds. */
int lead_band(const lead_scoring *sc, double engagement);

/* The buying stage of engagement by stage (each times scale), or -1. */
int lead_stage_of(const lead_scoring *sc, const double *by_stage,
    double scale);

/*
 * The account (company) a lead belongs to: its e-mail domain, or "" for
 * a free-mail address.  Leads of one account are rolled up together.
 */
lead_str lead_company(const lead_rules *r, lead_str email);

/* Profile points from what is known without asking; country may be "". */
int lead_profile_points(const lead_rules *r, const lead_person *p,
    const char *country);
char lead_grade(const lead_scoring *sc, int profile_points);

/* ---- what sales and marketers read ------------------------------------- */

/*
 * One query code for leadctl and the sales view, so every number agrees:
 * the leads list (filtered, sorted), one lead in full, the funnel, the
 * accounts and the assets.  Results own their strings; free a result
 * that was returned with LEAD_OK with its _free function.
 */

/* "2026-12-24T09:30:00.000Z" */
#define LEAD_TIME_LEN 25
void lead_format_time(uint64_t ms, char out[LEAD_TIME_LEN]);

/* "45m", "3.5h", "12.0d" */
void lead_format_duration(uint64_t ms, char out[32]);

/* The rules nginx last recorded in the store; defaults when there are none. */
int lead_store_rules(lead_store *s, lead_rules **out, char *err,
    size_t errlen);

typedef struct {
    uint8_t      id[LEAD_ID_LEN];
    lead_str     email;
    lead_str     name;
    lead_str     topics;         /* subscribed to, space-separated */
    lead_str     company;        /* the e-mail domain; "" for free-mail */
    lead_str     read_topics;    /* read about, most engaged first */
    lead_str     top_asset;      /* the first of its hot content, or "" */
    uint64_t     top_asset_id;
    uint64_t     created_ms;     /* identified */
    uint64_t     first_ms;       /* first seen */
    uint64_t     last_ms;        /* last seen (read, or filled the form) */
    int          subscribed;
    int          contact;
    int          status;
    uint64_t     status_ms;      /* in that status since */
    double       engagement;
    int          stage_index;    /* -1: none yet */
    int          band;
    char         grade;
    char         country[LEAD_COUNTRY_LEN];    /* read from lately */
    unsigned     devices;
} lead_row;

enum { LEAD_SORT_SCORE, LEAD_SORT_RECENT, LEAD_SORT_NAME };

typedef struct {
    int          status;         /* -1: any */
    int          stage;          /* stage index; -1: any */
    char         topic[LEAD_NAME_MAX + 1];    /* "": any */
    char         grade;          /* 0: any */
    int          band;           /* 0: any */
    char         search[LEAD_EMAIL_MAX + 1];  /* in name or e-mail */
    int          sort;
    size_t       offset;         /* the rows wanted: from here, */
    size_t       limit;          /* ... this many; 0: all */
} lead_filter;

void lead_filter_init(lead_filter *f);

/*
 * Sets one filter from text, as people type it: "status", "stage",
 * "topic", "cell" (A1, or a grade A, or a band 1), "q" (search), "sort"
 * (score, recent, name).  An empty value means any.  LEAD_EINVAL with
 * err saying what is expected.
 */
int lead_filter_set(lead_filter *f, const lead_rules *r, const char *key,
    const char *value, size_t len, char *err, size_t errlen);

typedef struct lead_arena lead_arena;

typedef struct {
    lead_row    *rows;           /* matching the filter, sorted, paged */
    size_t       n;
    size_t       matched;        /* rows matching the filter */
    size_t       total;          /* every identified lead */
    size_t       by_status[LEAD_NSTATUSES];   /* ... in each status */
    lead_arena  *arena;
} lead_list;

int lead_query_leads(lead_store *s, const lead_rules *r, uint64_t now_ms,
    const lead_filter *f, lead_list *out);
void lead_list_free(lead_list *l);

/* An account: a company domain, its people rows[first..first+count). */
typedef struct {
    lead_str     company;
    double       engagement;     /* its people's, summed */
    size_t       first, count;
} lead_account;

/*
 * Groups a list's company leads by domain (the list is reordered, its
 * free-mail leads left out); accounts come hottest first.
 */
int lead_query_accounts(lead_list *l, lead_account **out, size_t *n);

/* Every asset rule events were read under, with its readers. */
typedef struct {
    lead_asset   a;              /* strings owned by the list */
    uint64_t     people;         /* reads by people */
    uint64_t     bots;
    uint64_t     readers;        /* distinct visitors, bots aside */
    uint64_t     identified_readers;
    uint64_t     before_identified;   /* read it, then identified */
    uint64_t     before_mql;          /* read it before their lead's mql */
} lead_asset_stats;

typedef struct {
    lead_asset_stats  *rows;     /* by asset id */
    size_t             n;
    uint64_t           untagged_people, untagged_bots;
    lead_arena        *arena;
} lead_asset_list;

/* counts: 0 for the catalogue alone (titles), 1 to count the readers */
int lead_query_assets(lead_store *s, int counts, lead_asset_list *out);
void lead_asset_list_free(lead_asset_list *l);
const char *lead_asset_title(const lead_asset_list *l, uint64_t id);

typedef struct {
    uint64_t     now;            /* leads in it now */
    uint64_t     ever;           /* leads that were in it */
    uint64_t     went_on;        /* ... and went on to the next status */
    uint64_t     median_ms;      /* time spent in it */
} lead_funnel_status;

typedef struct {
    uint64_t             leads;
    lead_funnel_status   status[LEAD_NSTATUSES];
    uint64_t             stage[LEAD_MAX_STAGES + 1];   /* last: none yet */
} lead_funnel;

/* From every lead (an unfiltered list) and every status change. */
int lead_query_funnel(lead_store *s, const lead_list *all, uint64_t now_ms,
    lead_funnel *out);

#define LEAD_TREND_DAYS  30

/*
 * A lead's engagement at the end of each of the last LEAD_TREND_DAYS
 * days, the last one now: what it was then, from what was read by then.
 */
int lead_query_trend(lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms,
    double trend[LEAD_TREND_DAYS]);

typedef struct {
    uint8_t      visitor[LEAD_ID_LEN];
    uint64_t     since_ms;       /* linked to the lead */
} lead_device;

typedef struct {
    lead_event   ev;             /* strings owned by the detail */
    lead_str     title;          /* the asset's title, or "" */
    int          before_identified;
} lead_read;

typedef struct {
    lead_row          row;       /* as the list shows it */
    lead_score        score;
    lead_str          hot_titles[LEAD_HOT_MAX];
    lead_str          why_titles[LEAD_WHY_MAX];
    double            trend[LEAD_TREND_DAYS];
    lead_transition  *history;   /* oldest first */
    size_t            nhistory;
    lead_device      *devices;
    size_t            ndevices;
    lead_read        *reads;     /* every event, oldest first */
    size_t            nreads;
    lead_arena       *arena;
} lead_detail;

/* By e-mail or id; LEAD_ENOTFOUND if there is no such lead. */
int lead_query_lead(lead_store *s, const lead_rules *r, const char *who,
    size_t len, uint64_t now_ms, lead_detail *out);
void lead_detail_free(lead_detail *d);

/* ---- the sales view ---------------------------------------------------- */

/*
 * The web app sales use (html/sales/, built in): who to call, one lead
 * with its actions, the funnel, the accounts, and JSON and CSV of them.
 * The server hands over each request and sends the response filled in.
 */
typedef struct lead_sales lead_sales;

int lead_sales_new(lead_sales **out, char *err, size_t errlen);
void lead_sales_free(lead_sales *app);

typedef struct {
    int             post;           /* POST; else GET (or HEAD) */
    lead_str        path;           /* below the location: "", "lead/ID" */
    lead_str        query;          /* without '?' */
    lead_str        body;           /* a POST's urlencoded form */
    lead_str        base;           /* the location, for links: "/sales/" */
    lead_str        user;           /* who the server authenticated, or "" */
    const uint8_t  *secret;
    size_t          secret_len;
    uint8_t         browser[LEAD_ID_LEN];   /* its visitor cookie's id */
    int             browser_known;  /* the cookie came with the request */
    uint64_t        now_ms;
} lead_sales_request;

typedef struct {
    int             status;         /* 200, 303, 4xx, 5xx */
    const char     *type;           /* Content-Type */
    const char     *disposition;    /* Content-Disposition, or NULL */
    int             cacheable;      /* the style sheet and script */
    lead_buf        location;       /* where a 303 goes */
    lead_buf        body;
} lead_sales_response;

/* Fills resp (free its buffers after); never fails without a page. */
void lead_sales_serve(const lead_sales *app, lead_store *s,
    const lead_rules *r, const lead_sales_request *req,
    lead_sales_response *resp);

/*
 * The machine formats, the same for leadctl --json/--csv and the sales
 * view's .json/.csv: appended to out.
 */
void lead_report_leads_json(lead_buf *out, const lead_rules *r,
    const lead_list *l);
void lead_report_leads_csv(lead_buf *out, const lead_rules *r,
    const lead_list *l);
void lead_report_lead_json(lead_buf *out, const lead_rules *r,
    const lead_detail *d);
void lead_report_funnel_json(lead_buf *out, const lead_rules *r,
    const lead_funnel *f);
void lead_report_accounts_json(lead_buf *out, const lead_list *l,
    const lead_account *a, size_t n);
void lead_report_assets_json(lead_buf *out, const lead_asset_list *l);

#endif /* LEAD_H */
