/*
 * The sales view's insides, shared by its files: lead_sales.c (the app
 * and the router), lead_sales_view.c (what every page uses), and the
 * pages: lead_sales_leads.c, lead_sales_lead.c, lead_sales_funnel.c,
 * lead_sales_notices.c, lead_sales_attribution.c, lead_sales_asset.c.
 * The router calls the pages, the pages call the view's helpers, and
 * the helpers call nothing of the sales view's above them.
 */

#ifndef LEAD_SALES_H
#define LEAD_SALES_H

#include <stdint.h>
#include <string.h>

#include "lead.h"
#include "lead_report.h"

#define MAX_PAGE   1000000
#define QUERY_MAX  4096

/* ---- the templates ----------------------------------------------------- */

enum { T_LAYOUT, T_LEADS, T_LEAD, T_FUNNEL, T_ACCOUNTS, T_ERROR, T_NOTICES,
       T_ATTRIBUTION, T_ASSET, T_COUNT };

/*
 * Each template's placeholders, in the order its values are given: one
 * line each, its index and its name in the template.  The enums below
 * and the name lists lead_sales.c hands lead_tmpl_parse are both made
 * from these tables, so they cannot get out of step.
 */

#define LAYOUT_VALUES(X)                                                      \
    X(L_BASE, "base")                                                         \
    X(L_TITLE, "title")                                                       \
    X(L_USER, "user")                                                         \
    X(L_NOW, "now")                                                           \
    X(L_NAV_LEADS, "nav_leads")                                               \
    X(L_NAV_FUNNEL, "nav_funnel")                                             \
    X(L_NAV_ACCOUNTS, "nav_accounts")                                         \
    X(L_NAV_NOTICES, "nav_notices")                                           \
    X(L_NAV_ATTRIBUTION, "nav_attribution")                                   \
    X(L_BODY, "&body")

#define LEADS_VALUES(X)                                                       \
    X(LS_BASE, "base")                                                        \
    X(LS_COUNT, "count")                                                      \
    X(LS_TOTAL, "total")                                                      \
    X(LS_NEW_COUNT, "new_count")                                              \
    X(LS_NEW_PLURAL, "new_plural")                                            \
    X(LS_Q, "q")                                                              \
    X(LS_QUERY, "query")                                                      \
    X(LS_ERROR, "error")                                                      \
    X(LS_NONE, "none")                                                        \
    X(LS_PREV, "prev")                                                        \
    X(LS_NEXT, "next")                                                        \
    X(LS_PAGE, "page")                                                        \
    X(LS_PAGES, "pages")                                                      \
    X(LS_STATUSES, "*statuses")                                               \
    X(LS_STAGES, "*stages")                                                   \
    X(LS_TOPICS, "*topics")                                                   \
    X(LS_CELLS, "*cells")                                                     \
    X(LS_VALUE, "value")                                                      \
    X(LS_LABEL, "label")                                                      \
    X(LS_SELECTED, "selected")                                                \
    X(LS_ROWS, "*rows")                                                       \
    X(LS_NEW, "new")                                                          \
    X(LS_SCORE, "score")                                                      \
    X(LS_TREND_LABEL, "trend_label")                                          \
    X(LS_SPARK, "spark")                                                      \
    X(LS_ID, "id")                                                            \
    X(LS_NAME, "name")                                                        \
    X(LS_EMAIL, "email")                                                      \
    X(LS_COMPANY, "company")                                                  \
    X(LS_BAND, "band")                                                        \
    X(LS_CELL, "cell")                                                        \
    X(LS_STATUS, "status")                                                    \
    X(LS_STAGE, "stage")                                                      \
    X(LS_TOP_ASSET, "top_asset")                                              \
    X(LS_LAST_ISO, "last_iso")                                                \
    X(LS_LAST_AGO, "last_ago")                                                \
    X(LS_COUNTRY, "country")                                                  \
    X(LS_CALL, "call")                                                        \
    X(LS_WAITING, "waiting")                                                  \
    X(LS_OVERDUE, "overdue")                                                  \
    X(LS_OWNER, "owner")                                                      \
    X(LS_USER, "user")                                                        \
    X(LS_MINE, "mine")                                                        \
    X(LS_ONLY_OVERDUE, "only_overdue")                                        \
    X(LS_ONLY_UNASSIGNED, "only_unassigned")                                  \
    X(LS_ONLY_CALLS, "only_calls")

#define LEAD_VALUES(X)                                                        \
    X(D_BASE, "base")                                                         \
    X(D_NAME, "name")                                                         \
    X(D_BAND, "band")                                                         \
    X(D_GRADE, "grade")                                                       \
    X(D_CELL, "cell")                                                         \
    X(D_EMAIL, "email")                                                       \
    X(D_COMPANY, "company")                                                   \
    X(D_NOTICE, "notice")                                                     \
    X(D_ERROR, "error")                                                       \
    X(D_SCORE, "score")                                                       \
    X(D_TREND_LABEL, "trend_label")                                           \
    X(D_SPARK, "spark")                                                       \
    X(D_STATUS, "status")                                                     \
    X(D_STATUS_ISO, "status_iso")                                             \
    X(D_STATUS_AGO, "status_ago")                                             \
    X(D_STAGE, "stage")                                                       \
    X(D_HAS_TOPICS, "has_topics")                                             \
    X(D_SUBSCRIBED, "subscribed")                                             \
    X(D_CONTACT, "contact")                                                   \
    X(D_COUNTRIES, "countries")                                               \
    X(D_IDENTIFIED_ISO, "identified_iso")                                     \
    X(D_IDENTIFIED_AGO, "identified_ago")                                     \
    X(D_FIRST_ISO, "first_iso")                                               \
    X(D_FIRST_AGO, "first_ago")                                               \
    X(D_CAN_ACT, "can_act")                                                   \
    X(D_CAN_ACCEPT, "can_accept")                                             \
    X(D_CAN_QUALIFY, "can_qualify")                                           \
    X(D_CAN_WIN, "can_win")                                                   \
    X(D_CAN_REJECT, "can_reject")                                             \
    X(D_ID, "id")                                                             \
    X(D_TOKEN, "token")                                                       \
    X(D_REASON, "reason")                                                     \
    X(D_HAS_HOT, "has_hot")                                                   \
    X(D_TOPICS, "*topics")                                                    \
    X(D_TOPIC, "topic")                                                       \
    X(D_TOPIC_SCORE, "topic_score")                                           \
    X(D_HOT, "*hot")                                                          \
    X(D_HOT_FLAG, "hot_flag")                                                 \
    X(D_TITLE, "title")                                                       \
    X(D_DEPTH, "depth")                                                       \
    X(D_READS, "reads")                                                       \
    X(D_LAST_ISO, "last_iso")                                                 \
    X(D_LAST_AGO, "last_ago")                                                 \
    X(D_WHY, "*why")                                                          \
    X(D_POINTS, "points")                                                     \
    X(D_DETAIL, "detail")                                                     \
    X(D_HISTORY, "*history")                                                  \
    X(D_WHEN, "when")                                                         \
    X(D_WHEN_ISO, "when_iso")                                                 \
    X(D_FROM, "from")                                                         \
    X(D_TO, "to")                                                             \
    X(D_CAUSE, "cause")                                                       \
    X(D_WHO, "who")                                                           \
    X(D_WHY_REASON, "why_rejected")                                           \
    X(D_TIMELINE, "*timeline")                                                \
    X(D_BEFORE, "before")                                                     \
    X(D_PATH, "path")                                                         \
    X(D_BOT, "bot")                                                           \
    X(D_RATING, "rating")                                                     \
    X(D_COMMENT, "comment")                                                   \
    X(D_REFERRER, "referrer")                                                 \
    X(D_OWNER, "owner")                                                       \
    X(D_WAITING, "waiting")                                                   \
    X(D_OVERDUE, "overdue")                                                   \
    X(D_DUE_ISO, "due_iso")                                                   \
    X(D_CAMPAIGN, "campaign")                                                 \
    X(D_COUNTRY, "country")                                                   \
    X(D_DEVICES, "*devices")                                                  \
    X(D_VISITOR, "visitor")                                                   \
    X(D_SINCE, "since")                                                       \
    X(D_SINCE_ISO, "since_iso")                                               \
    X(D_HAS_CLAIMS, "has_claims")                                             \
    X(D_CLAIMS, "*claims")                                                    \
    X(D_CAN_LOSE, "can_lose")                                                 \
    X(D_SOURCE, "source")                                                     \
    X(D_LAST_TOUCH, "last_touch")                                             \
    X(D_WON, "won")                                                           \
    X(D_LOST, "lost")                                                         \
    X(D_CLOSED_ISO, "closed_iso")                                             \
    X(D_CURRENCY, "currency")                                                 \
    X(D_TODAY, "today")                                                       \
    X(D_AMOUNT, "amount")                                                     \
    X(D_HAS_WHY, "has_why")                                                   \
    X(D_BOTS, "bots")                                                         \
    X(D_HOT_POINTS, "hot_points")                                             \
    X(D_PROFILE, "*profile")                                                  \
    X(D_LABEL, "label")                                                       \
    X(D_PROFILE_POINTS, "profile_points")                                     \
    X(D_OTHERS, "others")                                                     \
    X(D_NOTE_ASSETS, "*note_assets")                                          \
    X(D_ASSET, "asset")                                                       \
    X(D_NOTES, "*notes")                                                      \
    X(D_NOTE, "note")                                                         \
    X(D_HAS_NOTE_ASSETS, "has_note_assets")

#define FUNNEL_VALUES(X)                                                      \
    X(F_BASE, "base")                                                         \
    X(F_LEADS, "leads")                                                       \
    X(F_BOTS, "bots")                                                         \
    X(F_STATUSES, "*statuses")                                                \
    X(F_STATUS, "status")                                                     \
    X(F_NOW, "now")                                                           \
    X(F_EVER, "ever")                                                         \
    X(F_NOW_PCT, "now_pct")                                                   \
    X(F_EVER_PCT, "ever_pct")                                                 \
    X(F_MEDIAN, "median")                                                     \
    X(F_CONVERSION, "conversion")                                             \
    X(F_STAGES, "*stages")                                                    \
    X(F_STAGE, "stage")                                                       \
    X(F_PCT, "pct")                                                           \
    X(F_ASSETS, "*assets")                                                    \
    X(F_HOT, "hot")                                                           \
    X(F_TITLE, "title")                                                       \
    X(F_PATH, "path")                                                         \
    X(F_READERS, "readers")                                                   \
    X(F_IDENTIFIED, "identified")                                             \
    X(F_IDENTIFIED_PCT, "identified_pct")                                     \
    X(F_MQL, "mql")                                                           \
    X(F_MQL_PCT, "mql_pct")                                                   \
    X(F_ASSET_BOTS, "bot_reads")                                              \
    X(F_HAS_MONTHS, "has_months")                                             \
    X(F_MONTHS, "*months")                                                    \
    X(F_MONTH, "month")                                                       \
    X(F_NEW_MQL, "new_mql")                                                   \
    X(F_REQUALIFIED, "requalified")                                           \
    X(F_REJECTED, "rejected")                                                 \
    X(F_RETURNED, "returned")                                                 \
    X(F_REASONS, "*reasons")                                                  \
    X(F_REASON, "reason")                                                     \
    X(F_COUNT, "count")                                                       \
    X(F_OTHER, "other")                                                       \
    X(F_P90, "p90")                                                           \
    X(F_STAGE_EVER, "stage_ever")                                             \
    X(F_STAGE_MEDIAN, "stage_median")                                         \
    X(F_STAGE_P90, "stage_p90")                                               \
    X(F_HAS_COHORTS, "has_cohorts")                                           \
    X(F_COHORTS, "*cohorts")                                                  \
    X(F_COHORT, "cohort")                                                     \
    X(F_C_IDENTIFIED, "c_identified")                                         \
    X(F_C_MQL, "c_mql")                                                       \
    X(F_C_SAL, "c_sal")                                                       \
    X(F_C_SQL, "c_sql")                                                       \
    X(F_C_WON, "c_won")                                                       \
    X(F_C_LOST, "c_lost")                                                     \
    X(F_C_NURTURE, "c_nurture")                                               \
    X(F_CALIBRATION, "*calibration")                                          \
    X(F_K_GROUP, "k_group")                                                   \
    X(F_K_MQL, "k_mql")                                                       \
    X(F_K_SMALL, "k_small")                                                   \
    X(F_K_TO_SAL, "k_to_sal")                                                 \
    X(F_K_TO_WON, "k_to_won")                                                 \
    X(F_K_WIN, "k_win")                                                       \
    X(F_K_READS_SAL, "k_reads_sal")                                           \
    X(F_K_DAYS_SAL, "k_days_sal")                                             \
    X(F_K_READS_WON, "k_reads_won")                                           \
    X(F_K_DAYS_WON, "k_days_won")

#define ACCOUNTS_VALUES(X)                                                    \
    X(A_BASE, "base")                                                         \
    X(A_Q, "q")                                                               \
    X(A_COUNT, "count")                                                       \
    X(A_PLURAL, "plural")                                                     \
    X(A_NONE, "none")                                                         \
    X(A_PREV, "prev")                                                         \
    X(A_NEXT, "next")                                                         \
    X(A_PAGE, "page")                                                         \
    X(A_PAGES, "pages")                                                       \
    X(A_ACCOUNTS, "*accounts")                                                \
    X(A_COMPANY, "company")                                                   \
    X(A_SCORE, "score")                                                       \
    X(A_PEOPLE, "*people")                                                    \
    X(A_ID, "id")                                                             \
    X(A_NAME, "name")                                                         \
    X(A_EMAIL, "email")                                                       \
    X(A_STATUS, "status")

#define ERROR_VALUES(X)                                                       \
    X(E_BASE, "base")                                                         \
    X(E_HEADING, "heading")                                                   \
    X(E_MESSAGE, "message")

#define NOTICES_VALUES(X)                                                     \
    X(N_BASE, "base")                                                         \
    X(N_FAILED_COUNT, "failed_count")                                         \
    X(N_PENDING, "pending")                                                   \
    X(N_NONE, "none")                                                         \
    X(N_MORE, "more")                                                         \
    X(N_ROWS, "*rows")                                                        \
    X(N_KIND, "kind")                                                         \
    X(N_ID, "id")                                                             \
    X(N_EMAIL, "email")                                                       \
    X(N_CREATED_ISO, "created_iso")                                           \
    X(N_CREATED_AGO, "created_ago")                                           \
    X(N_TRIES, "tries")                                                       \
    X(N_STATUS, "status")                                                     \
    X(N_TEXT, "text")

#define ATTRIBUTION_VALUES(X)                                                 \
    X(AT_BASE, "base")                                                        \
    X(AT_SINCE, "since")                                                      \
    X(AT_UNTIL, "until")                                                      \
    X(AT_QUERY, "query")                                                      \
    X(AT_BY_LABEL, "by_label")                                                \
    X(AT_MODEL_LABEL, "model_label")                                          \
    X(AT_WINDOW, "window")                                                    \
    X(AT_WON_LEADS, "won_leads")                                              \
    X(AT_CURRENCY, "currency")                                                \
    X(AT_REVENUE, "revenue")                                                  \
    X(AT_UNATTRIBUTED, "unattributed")                                        \
    X(AT_OTHER, "other")                                                      \
    X(AT_NONE, "none")                                                        \
    X(AT_BYS, "*bys")                                                         \
    X(AT_MODELS, "*models")                                                   \
    X(AT_VALUE, "value")                                                      \
    X(AT_LABEL, "label")                                                      \
    X(AT_SELECTED, "selected")                                                \
    X(AT_ROWS, "*rows")                                                       \
    X(AT_NAME, "name")                                                        \
    X(AT_READERS, "readers")                                                  \
    X(AT_IDENTIFIED, "identified")                                            \
    X(AT_MQLS, "mqls")                                                        \
    X(AT_SAL, "sal")                                                          \
    X(AT_SQL, "sql")                                                          \
    X(AT_WON, "won")                                                          \
    X(AT_LOST, "lost")                                                        \
    X(AT_FIRST, "first")                                                      \
    X(AT_LAST, "last")                                                        \
    X(AT_LINEAR, "linear")                                                    \
    X(AT_FIRST_CENTS, "first_cents")                                          \
    X(AT_LAST_CENTS, "last_cents")                                            \
    X(AT_LINEAR_CENTS, "linear_cents")                                        \
    X(AT_T_NAME, "t_name")                                                    \
    X(AT_T_READERS, "t_readers")                                              \
    X(AT_T_IDENTIFIED, "t_identified")                                        \
    X(AT_T_MQLS, "t_mqls")                                                    \
    X(AT_T_SAL, "t_sal")                                                      \
    X(AT_T_SQL, "t_sql")                                                      \
    X(AT_T_WON, "t_won")                                                      \
    X(AT_T_LOST, "t_lost")                                                    \
    X(AT_T_FIRST, "t_first")                                                  \
    X(AT_T_LAST, "t_last")                                                    \
    X(AT_T_LINEAR, "t_linear")                                                \
    X(AT_T_FIRST_CENTS, "t_first_cents")                                      \
    X(AT_T_LAST_CENTS, "t_last_cents")                                        \
    X(AT_T_LINEAR_CENTS, "t_linear_cents")                                    \
    X(AT_COSTS, "costs")                                                      \
    X(AT_COST_ROWS, "*cost_rows")                                             \
    X(AT_C_NAME, "c_name")                                                    \
    X(AT_C_COST, "c_cost")                                                    \
    X(AT_C_LEAD, "c_lead")                                                    \
    X(AT_C_MQL, "c_mql")                                                      \
    X(AT_C_WON, "c_won")                                                      \
    X(AT_C_DOLLAR, "c_dollar")                                                \
    X(AT_TC_NAME, "tc_name")                                                  \
    X(AT_TC_COST, "tc_cost")                                                  \
    X(AT_TC_LEAD, "tc_lead")                                                  \
    X(AT_TC_MQL, "tc_mql")                                                    \
    X(AT_TC_WON, "tc_won")                                                    \
    X(AT_TC_DOLLAR, "tc_dollar")                                              \
    X(AT_HAS_FEEDBACK, "has_feedback")                                        \
    X(AT_FEEDBACK, "*feedback")                                               \
    X(AT_ASSET, "asset")                                                      \
    X(AT_F_TITLE, "f_title")                                                  \
    X(AT_RATING, "rating")                                                    \
    X(AT_F_COMMENTS, "f_comments")                                            \
    X(AT_F_NOTES, "f_notes")

#define ASSET_VALUES(X)                                                       \
    X(AS_BASE, "base")                                                        \
    X(AS_ID, "id")                                                            \
    X(AS_TITLE, "title")                                                      \
    X(AS_PATH, "path")                                                        \
    X(AS_TOKEN, "token")                                                      \
    X(AS_NOTICE, "notice")                                                    \
    X(AS_ERROR, "error")                                                      \
    X(AS_RATINGS, "ratings")                                                  \
    X(AS_AVERAGE, "average")                                                  \
    X(AS_BOTS, "bots")                                                        \
    X(AS_COMMENT_COUNT, "comment_count")                                      \
    X(AS_DIST, "*dist")                                                       \
    X(AS_STARS, "stars")                                                      \
    X(AS_COUNT, "count")                                                      \
    X(AS_PCT, "pct")                                                          \
    X(AS_COMMENTS, "*comments")                                               \
    X(AS_WHEN, "when")                                                        \
    X(AS_WHEN_ISO, "when_iso")                                                \
    X(AS_RATING, "rating")                                                    \
    X(AS_WHO, "who")                                                          \
    X(AS_LEAD, "lead")                                                        \
    X(AS_BOT, "bot")                                                          \
    X(AS_TEXT, "text")                                                        \
    X(AS_NOTES, "*notes")                                                     \
    X(AS_NO_COMMENTS, "no_comments")                                          \
    X(AS_NO_NOTES, "no_notes")                                                \
    X(AS_NOTE, "note")

/* ATTRIBUTION_VALUES: a row's values, then the total's, in one order */
#define LEAD_SALES_INDEX(index, name)  index,

enum { LAYOUT_VALUES(LEAD_SALES_INDEX) L_COUNT };
enum { LEADS_VALUES(LEAD_SALES_INDEX) LS_NVALUES };
enum { LEAD_VALUES(LEAD_SALES_INDEX) D_NVALUES };
enum { FUNNEL_VALUES(LEAD_SALES_INDEX) F_NVALUES };
enum { ACCOUNTS_VALUES(LEAD_SALES_INDEX) A_NVALUES };
enum { ERROR_VALUES(LEAD_SALES_INDEX) E_NVALUES };
enum { NOTICES_VALUES(LEAD_SALES_INDEX) N_NVALUES };
enum { ATTRIBUTION_VALUES(LEAD_SALES_INDEX) AT_NVALUES };
enum { ASSET_VALUES(LEAD_SALES_INDEX) AS_NVALUES };

struct lead_sales {
    lead_tmpl  *tmpl[T_COUNT];
};

/* ---- a request being answered (lead_sales_view.c) ---------------------- */

/* values: formatted text that lives until its item is rendered */
typedef struct {
    char    buf[4096];
    size_t  used;
} scratch;

typedef struct {
    const lead_sales           *app;
    lead_store                 *s;
    const lead_rules           *r;
    const lead_sales_request   *req;
    lead_sales_response        *resp;
    scratch                     page;     /* the page's own values */
    scratch                     item;     /* the list item being shown */
    scratch                     inner;    /* an item of a list in an item */
} view;

/* a C string as a value, and a flag as one ("1" or empty): no symbols */
static inline lead_str
cstr(const char *s)
{
    return (lead_str) { s, strlen(s) };
}

static inline lead_str
flag(int on)
{
    return on ? cstr("1") : cstr("");
}

lead_str lead_sales_fmt(scratch *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
lead_str lead_sales_iso(scratch *s, uint64_t ms);
/* A count for people: "100,000". */
lead_str lead_sales_count(scratch *s, uint64_t n);
lead_str lead_sales_ago(scratch *s, uint64_t now_ms, uint64_t ms);
lead_str lead_sales_hex_id(scratch *s, const uint8_t id[LEAD_ID_LEN]);
lead_str lead_sales_stage(const lead_rules *r, int i);
void lead_sales_sparkline(scratch *s, const double trend[LEAD_TREND_DAYS],
    lead_str *points, lead_str *label);

int lead_sales_arg(lead_str query, const char *name, char *out, size_t size,
    size_t *len);

/* The won or lost form's outcome (lead_sales_deal.c): NULL, or what is
   wrong with it; and the lead page's source and deal values. */
const char *lead_sales_deal_form(view *v, int to, lead_outcome *o);
void lead_sales_deal_values(view *v, const lead_row *row, lead_str *x);
void lead_sales_url_encode(lead_buf *out, const char *s);

void lead_sales_layout(view *v, const char *title, int nav, lead_buf *body);
void lead_sales_fail(view *v, int status, const char *heading,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void lead_sales_store_failed(view *v);

/* ---- the pages --------------------------------------------------------- */

/* lead_sales_leads.c */
void lead_sales_leads_page(view *v);
void lead_sales_leads_export(view *v, int csv);

/* lead_sales_lead.c */
void lead_sales_lead_page(view *v, const char *hex, int status,
    const char *error, const char *reason);
void lead_sales_lead_json(view *v, const char *hex);
void lead_sales_lead_action(view *v, const char *hex);

/* lead_sales_funnel.c */
void lead_sales_funnel_page(view *v, int json);
void lead_sales_calibration_json(view *v);
void lead_sales_assets_json(view *v);
void lead_sales_accounts_page(view *v, int json);

/* lead_sales_notices.c */
void lead_sales_notices_page(view *v, int json);

/* lead_sales_attribution.c */
void lead_sales_attribution_page(view *v, int json);

/* lead_sales_asset.c: one asset's feedback and sales' notes, a note
   posted on it (the token checked by the caller) or on a lead's page,
   and what a lead's page shows of notes (its form's assets, its notes). */
void lead_sales_asset_page(view *v, uint64_t id, int status,
    const char *error, int json);
void lead_sales_asset_action(view *v, uint64_t id);
const char *lead_sales_lead_note(view *v, const char *hex, int *status);
typedef struct {
    lead_note          *notes;      /* taken on its page, newest first */
    size_t              n;
    uint64_t           *assets;     /* what the lead read, for the form */
    lead_str           *titles;
    size_t              nassets;
    struct lead_arena  *arena;
} lead_sales_notes;
/* The lead's notes and the assets it read; LEAD_OK, or what the store
   said (the page says the store cannot answer). */
int lead_sales_notes_load(view *v, const lead_detail *d,
    const uint8_t lead[LEAD_ID_LEN], lead_sales_notes *out);
int lead_sales_notes_item(lead_sales_notes *ln, view *v, unsigned list,
    size_t i, lead_str *x);
void lead_sales_notes_free(lead_sales_notes *ln);

#endif /* LEAD_SALES_H */
