/*
 * The parse layer's own: what reads outside input (cookies, rules,
 * templates, forms) offers the layers above and the API does not.
 */

#ifndef LEAD_PARSE_H
#define LEAD_PARSE_H

#include "lead_support.h"

typedef struct lead_scoring lead_scoring;

/* lead_amount_parse's bound: a million of them sum within an int64. */
#define LEAD_AMOUNT_MAX  INT64_C(10000000000000)

/* LEAD_OK and out NUL-ended when s is three capitals (ISO 4217 "EUR"). */
int lead_currency_parse(const char *s, size_t len, char out[4]);
/* A close date as a form's date field sends it, "2026-12-24" (from 1970):
   its midnight (UTC) in ms. */
int lead_date_parse(const char *s, size_t len, uint64_t *ms);

/* LEAD_OK, the id and its claims when value is well-formed and one key's
   MAC matches (LEAD_COOKIE_RESIGN: not the first's). */
int lead_cookie_verify(const lead_keys *k, const char *value, size_t len,
    uint8_t id[LEAD_ID_LEN], unsigned *claims);

/*
 * The sales view's anti-CSRF token: a MAC of the browser's visitor id and
 * the user nginx authenticated ($remote_user, may be empty).
 */
void lead_sales_token(const lead_keys *k, const uint8_t visitor[LEAD_ID_LEN],
    const char *user, size_t user_len, char out[LEAD_TOKEN_LEN]);
int lead_sales_token_verify(const lead_keys *k,
    const uint8_t visitor[LEAD_ID_LEN], const char *user, size_t user_len,
    const char *token, size_t len);

/*
 * A claim's confirmation token: base64url(visitor, lead id, expiry ms)
 * "." base64url(HMAC-SHA256(key, "confirm:" ...)), signed with the first
 * key.  Verify gives the visitor and lead of a token one of the keys
 * signed that has not expired.
 */
#define LEAD_CONFIRM_TOKEN_LEN  (54 + 1 + 43)
void lead_confirm_token(const lead_keys *k, const uint8_t visitor[LEAD_ID_LEN],
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t expires_ms,
    char out[LEAD_CONFIRM_TOKEN_LEN]);
int lead_confirm_token_verify(const lead_keys *k, const char *token,
    size_t len, uint64_t now_ms, uint8_t visitor[LEAD_ID_LEN],
    uint8_t lead_id[LEAD_ID_LEN]);

/*
 * The same from the two files' contents; dir names them in messages and
 * holds the file that freemail_domains names.
 */
int lead_rules_parse(lead_rules **out, const char *dir, const char *scoring,
    size_t scoring_len, const char *assets, size_t assets_len, char *err,
    size_t errlen);

/*
 * campaigns.csv (lead_campaigns_csv.c), optional in the rules folder:
 * each campaign's cost in cents, by name; -1 for one not listed.
 * lead_rules_load reads it when it is there.
 */
typedef struct {
    const char  *name;
    size_t       len;
    int64_t      cost;
    unsigned     line;
} lead_campaign;

int64_t lead_rules_campaign_cost(const lead_rules *r, const char *name,
    size_t len);
size_t lead_rules_campaigns(const lead_rules *r, const lead_campaign **out);
/* The campaigns from a text, over r's; err: "dir/campaigns.csv:3: ..." */
int lead_rules_parse_campaigns(lead_rules *r, const char *dir,
    const char *text, size_t len, char *err, size_t errlen);

/* The asset with this id in the rules, or NULL. */
const lead_asset *lead_rules_find(const lead_rules *r, uint64_t id);

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

/*
 * Practical e-mail check (ASCII, one '@', dotted domain, at most 254
 * bytes); writes it trimmed and lower-cased, the form a lead is unique by.
 */
int lead_email_normalize(const char *in, size_t len,
    char out[LEAD_EMAIL_MAX]);

/*
 * One record of CSV (RFC 4180: quoted fields may hold commas, doubled
 * quotes and line breaks; a record ends at CRLF, LF or CR), read from p:
 * its fields decoded back to back into buf, which has room for
 * max_fields (at most LEAD_CSV_FIELDS_MAX) of max_field_len bytes; line
 * counts the lines.  1, 0 at the end, or LEAD_EINVAL and why.
 */
#define LEAD_CSV_FIELDS_MAX  128
typedef struct {
    const char  *p, *end;
    unsigned     line;
    size_t       max_fields, max_field_len;
    char        *buf;
    size_t       off[LEAD_CSV_FIELDS_MAX], len[LEAD_CSV_FIELDS_MAX];
    int          nfields;
    char         why[128];
} lead_csv;
int lead_csv_next(lead_csv *c);

/*
 * A line's fields (lead_line.h), in the CSV's column order: the encoder
 * (model/lead_line_out.c) and the parser (lead_line.c) name them alike.
 */
#define LEAD_LINE_FIELDS(X)                                                   \
    X(ID, "id") X(TIME, "time") X(NODE, "node") X(KIND, "kind")               \
    X(VISITOR, "visitor") X(PATH, "path") X(ASSET, "asset")                   \
    X(STAGE, "stage") X(TOPIC, "topic") X(GROUP, "group")                     \
    X(FLAGS, "flags") X(POINTS, "points") X(STATUS, "status")                 \
    X(BYTES, "bytes") X(SIZE, "size") X(RANGES, "ranges")                     \
    X(DEPTH, "depth") X(REFERRER, "referrer")                                 \
    X(UTM_SOURCE, "utm_source") X(UTM_MEDIUM, "utm_medium")                   \
    X(UTM_CAMPAIGN, "utm_campaign") X(COUNTRY, "country")                     \
    X(REGION, "region") X(CITY, "city") X(AGENT, "agent") X(BOT, "bot")      \
    X(LEAD, "lead") X(EMAIL, "email") X(NAME, "name")                         \
    X(SUBSCRIBE, "subscribe") X(CONTACT, "contact")                           \
    X(TOPICS, "topics") X(SALES, "sales") X(OWNER, "owner")                   \
    X(AMOUNT, "amount") X(CURRENCY, "currency") X(CLOSED, "closed")           \
    X(CAUSE, "cause") X(WHO, "who") X(REASON, "reason")                       \
    X(SIGNAL, "signal") X(RATING, "rating") X(COMMENT, "comment")
#define LEAD_LINE_FIELD_ENUM(id, name)  LEAD_LINE_F_##id,
enum { LEAD_LINE_FIELDS(LEAD_LINE_FIELD_ENUM) LEAD_LINE_NFIELDS };
/* A field's name ("id", ...), or NULL; a kind's fields in the order of
   its JSON, ending in -1 (NULL: no such kind). */
const char *lead_line_field_name(int field);
const int *lead_line_kind_fields(int kind);
/* The field of that name, or -1; ci: ignoring ASCII case. */
int lead_line_field(const char *name, size_t len, int ci);

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

#define LEAD_MAC_LEN          32
#define LEAD_RULES_MAX_ROWS   10000
#define LEAD_RULES_MAX_FILE   (4 * 1024 * 1024)
#define LEAD_POINTS_LIMIT     1000    /* |points| per asset or rule */
#define LEAD_TMPL_MAX         (256 * 1024)

lead_ua_class lead_ua_classify(const char *ua, size_t len);
/* The name a bot's agent gives (the word around what made it a bot, at
   most LEAD_AGENT_MAX printable bytes: "HeadlessChrome"), a span of ua;
   empty for an agent that is no bot. */
#define LEAD_AGENT_MAX  32

/* Feedback on content (an event with a rating): a rating of 1 to
   LEAD_RATING_MAX, and a comment of at most LEAD_COMMENT_MAX characters
   of UTF-8 text (newlines allowed, no other control character). */
#define LEAD_RATING_MAX     5
#define LEAD_COMMENT_MAX    1000
#define LEAD_COMMENT_BYTES  (4 * LEAD_COMMENT_MAX)
/* A comment (or a sales note) as kept, in place: CRLF made LF, trimmed of
   blank characters and newlines at either end.  Its length in characters,
   or -1 when it is not UTF-8 or holds a control other than LF. */
long lead_comment_text(lead_str *c);
lead_str lead_ua_bot_name(const char *ua, size_t len);

/* An application/x-www-form-urlencoded body in p, decoded in place: the
   value of each of keys in field (data NULL when absent, the first when
   repeated).  Returns the index of the first key sent twice, or -1. */
int lead_urlencoded_fields(char *p, size_t len, const char *const *keys,
    size_t nkeys, lead_str *field);

int lead_id_from_hex(const char *hex, size_t len, uint8_t id[LEAD_ID_LEN]);

/* scoring.conf's warm_after: a group read enough to be warm */
typedef struct lead_group_rule {
    const char  *name;
    unsigned     count;       /* distinct assets read to be warm */
    int32_t      points;
    const char  *title;       /* as people read it; "" when none */
} lead_group_rule;

/* scoring.conf's signal: an event the web server never sees (a webinar
   attended, a call logged), ingested as a "signal" line, scored as a
   read of its points and topic. */
#define LEAD_SIGNALS_MAX  32
typedef struct lead_signal_rule {
    const char  *name;
    int32_t      points;
    const char  *topic;       /* "" when none */
    uint64_t     asset_id;    /* its events': an asset's id of "signal:NAME" */
    const char  *path;        /* "signal:NAME", as the catalogue shows it */
} lead_signal_rule;

/* The signal of that name, or NULL. */
const lead_signal_rule *lead_rules_signal(const lead_rules *r,
    const char *name, size_t len);

/* scoring.conf's country: profile points for where a lead reads from */
typedef struct lead_country_rule {
    char         codes[64][3];
    unsigned     ncodes;
    int32_t      points;
} lead_country_rule;

int lead_rules_is_freemail(const lead_rules *r, const char *domain,
    size_t len);

/* lead_tmpl_load of text in memory; label names it in messages. */
int lead_tmpl_parse(lead_tmpl **out, const char *text, size_t len,
    const char *const *names, const char *label, char *err, size_t errlen);

#define LEAD_MAX_STAGES  16

/* scoring.conf's knobs */
struct lead_scoring {
    const char               *stages[LEAD_MAX_STAGES];
    unsigned                  nstages;
    unsigned                  gate_from;        /* stage index */
    uint64_t                  half_life_ms;
    uint64_t                  reload_window_ms;
    int32_t                   mql_threshold;
    uint64_t                  accept_within_ms; /* 0: an MQL waits */
    const char               *accept_within;    /* as written, or NULL */
    char                      currency[4];      /* of amounts: "EUR" */
    int32_t                   stage_min;        /* engagement a stage
                                                   needs */
    struct lead_group_rule   *groups;
    unsigned                  ngroups;
    int32_t                   grade_min[3];     /* profile points, A B C */
    int32_t                   band_min[3];      /* engagement, 1 2 3 */
    int32_t                   company_email_points;
    int32_t                   freemail_points;
    int32_t                   subscribed_points;
    int32_t                   contact_points;
    int32_t                   feedback_points;  /* an asset rated */
    struct lead_country_rule *countries;
    unsigned                  ncountries;
    size_t                    nfreemail;
    struct lead_signal_rule  *signals;
    unsigned                  nsignals;
};


const lead_scoring *lead_rules_scoring(const lead_rules *r);

/*
 * A title as people read it (lead_title.c), in place: control characters
 * and whitespace runs one space, invalid UTF-8 '?', trimmed, cut to
 * LEAD_TITLE_MAX on a character; its length, 0 if empty or {{template}}.
 */
size_t lead_title_clean(char *out, size_t n, size_t size);

#endif /* LEAD_PARSE_H */
