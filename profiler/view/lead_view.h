/*
 * The view layer: what a query returns (the leads list, one lead in
 * full, the funnel, the accounts, the assets) and what its files share.
 */

#ifndef LEAD_VIEW_H
#define LEAD_VIEW_H

#include "lead_derived.h"
#include "lead_feedback.h"

typedef struct lead_arena lead_arena;

/* A lead's source and deal, where a report shows them (lead_deals.c). */
typedef struct {
    int           known;          /* read: the fields below are set */
    lead_str      source;         /* first touch, "direct" or "sales" */
    lead_str      last_touch;     /* the last before it identified */
    int           closed;         /* LEAD_STATUS_WON or _LOST; 0: open */
    lead_outcome  outcome;        /* of the deal closed */
    lead_str      lost_reason;
} lead_deal;

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
    lead_str     owner;          /* "" when it has none */
    uint64_t     waiting_ms;     /* an mql's age at the list's moment */
    uint64_t     due_ms;         /* its deadline (accept_within), or 0 */
    int          overdue;        /* ... passed at the list's moment */
    lead_deal    deal;           /* lead_query_deals' */
} lead_row;

typedef struct {
    lead_row    *rows;           /* matching the filter, sorted, paged */
    size_t       n;
    size_t       matched;        /* rows matching the filter */
    size_t       total;          /* every identified lead */
    size_t       by_status[LEAD_NSTATUSES];   /* ... in each status */
    uint64_t     now_ms;         /* the list's moment (ages, overdue) */
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
 * The same rows with their deals, in the same order, handed to fn a part
 * of size rows at a time (the whole list at once for a page, accounts, or
 * when the kept scores are not these rules'): an export's memory does not
 * grow with its rows.  fn returns non-zero to stop (LEAD_ECALLBACK).
 */
typedef int (*lead_list_part_fn)(void *arg, const lead_list *part);
int lead_query_leads_parts(lead_store *s, const lead_rules *r,
    uint64_t now_ms, const lead_filter *f, size_t size,
    lead_list_part_fn fn, void *arg);

/* The rows' sources and deals (one snapshot), or one row's. */
int lead_query_deals(lead_store *s, lead_list *l);
int lead_row_deal(lead_store *s, lead_arena *a, lead_row *row);

/*
 * Groups a list's company leads by domain (the list is reordered, its
 * free-mail leads left out); accounts come hottest first.
 */
int lead_query_accounts(lead_list *l, lead_account **out, size_t *n);

/*
 * The want hottest accounts, as lead_query_accounts gives the first want
 * of every company lead's list (their rows without an owner: accounts
 * show none), and how many companies there are, from the kept accounts;
 * LEAD_ENOTFOUND when they cannot answer.
 */
int lead_query_accounts_top(lead_store *s, const lead_rules *r,
    uint64_t now_ms, size_t want, lead_list *l, lead_account **out,
    size_t *n, size_t *companies);

/* Every asset rule events were read under, with its readers. */
typedef struct {
    lead_asset   a;              /* strings owned by the list */
    uint64_t     people;         /* reads by people */
    uint64_t     bots;
    uint64_t     readers;        /* distinct visitors, bots aside */
    uint64_t     identified_readers;
    uint64_t     before_identified;   /* read it, then identified, or were
                                         sent back to it by the form */
    uint64_t     before_mql;          /* read it by their lead's mql */
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
/* The rows as people read them: most read by people first, then by path
   (lead_asset_title finds none after: it looks rows up by id). */
void lead_asset_list_by_reads(lead_asset_list *l);

/* An asset of the catalogue with no feedback: its row, path and title
   pointing into l (free it after; also on failure); -1: the store failed,
   0: no such asset. */
int lead_feedback_unrated(lead_store *s, uint64_t id,
    lead_feedback_asset *row, lead_asset_list *l);
/* A walk of the log that hands each event it reads to keep(c, ...), and
   lead_query_feedback with its events from such a walk (NULL: its own,
   of feedback alone), in the same snapshot. */
typedef int (*lead_feedback_walk_fn)(void *arg, lead_event_fn keep,
    void *c);
int lead_query_feedback_walk(lead_store *s, uint64_t asset_id, size_t max,
    lead_feedback_list *out, lead_feedback_walk_fn walk, void *arg);

/*
 * Attribution (lead_attribution.c): per asset, campaign or channel, what
 * its reads did from since until now (not included): readers (people;
 * bots' reads apart), the identifications it caused (the asset the form
 * sent its browser back to, else the last touch by then), MQLs (the last
 * touch by then: the triggering read), leads it influenced (a touch
 * before reaching the status) and the revenue of deals won in the window
 * (cents of the currency most are in) under each model: first touch,
 * last touch by mql (else by won), linear over the touches by won.
 */
typedef struct {
    lead_str     name;           /* the asset's title, campaign, channel */
    uint64_t     asset_id;       /* by asset */
    uint64_t     readers, bots;
    uint64_t     identified, mqls;
    uint64_t     sal, sql, won, lost;
    int64_t      revenue[LEAD_NMODELS];  /* cents, LEAD_MODEL_* */
    int64_t      revenue_model;  /* ... under the model asked for */
    int64_t      cost;           /* campaigns.csv's, cents; -1: none */
} lead_attribution_row;

typedef struct {
    int                    by, model;
    uint64_t               since_ms, now_ms;
    lead_attribution_row  *rows;         /* by revenue_model, mqls, ... */
    size_t                 n;
    lead_attribution_row   total;        /* leads, each once; rows' sums */
    char                   currency[4];  /* "" when nothing was won */
    int64_t                revenue;      /* every deal won in it */
    int64_t                unattributed; /* ... of leads with no read */
    uint64_t               won_leads, other_currency;
    int                    costs;        /* by campaign, costs are known */
    lead_arena            *arena;
} lead_attribution;

/* r: campaigns.csv's costs, by campaign (every campaign it lists has a
   row, its whole cost whatever the window); NULL: none. */
int lead_query_attribution(lead_store *s, const lead_rules *r, int by,
    int model, uint64_t since_ms, uint64_t now_ms, lead_attribution *out);
/* The same, its walk of the log handing each feedback event it reads to
   also (lead_query_attribution_feedback). */
int lead_query_attribution_also(lead_store *s, const lead_rules *r, int by,
    int model, uint64_t since_ms, uint64_t now_ms, lead_event_fn also,
    void *also_arg, lead_attribution *out);
void lead_attribution_free(lead_attribution *a);

/* Attribution's rows (lead_attribution_keys.c), found by name or, by
   asset, by the id of the catalogue's asset; UINT32_MAX: none. */
typedef struct {
    lead_attribution  *a;
    size_t             cap;
    uint32_t          *slots;          /* open addressing: row + 1 */
    size_t             nslots;
    lead_asset_list    cat;            /* by asset: the titles */
    uint32_t           plain;          /* "(none)" or "direct", once made */
    int                oom;
} lead_attr_keys;
/* By asset, a row for each of the catalogue's assets, in its order. */
int lead_attr_keys_catalogue(lead_attr_keys *k, lead_store *s);
/* The row named name, made on first sight. */
uint32_t lead_attr_key(lead_attr_keys *k, const char *name, size_t len);
/* A read's row, and whether it is a touch. */
uint32_t lead_attr_read_key(lead_attr_keys *k, const lead_event *ev,
    int *touch);
void lead_attr_keys_free(lead_attr_keys *k);
/* The attribution page: the attribution and every asset's feedback (max
   comments each, as lead_query_feedback) from one walk of the log, not
   one each; on failure neither is kept. */
int lead_query_attribution_feedback(lead_store *s, const lead_rules *r,
    int by, int model, uint64_t since_ms, uint64_t now_ms, size_t max,
    lead_attribution *a, lead_feedback_list *f);

typedef struct {
    uint64_t     now;            /* leads in it now */
    uint64_t     ever;           /* leads that were in it */
    uint64_t     went_on;        /* ... and went on to the next status */
    uint64_t     median_ms;      /* time spent in it: a stay, the last */
    uint64_t     p90_ms;         /* ... up to now; and its 90th centile */
} lead_funnel_status;

/* Time leads spent in a buying stage (all their stays), from their first
   read to now, the stage computed from their reads as time went by. */
typedef struct {
    uint64_t     leads;          /* that were ever in it */
    uint64_t     median_ms, p90_ms;
} lead_funnel_stage_time;

/* The leads identified in a calendar month (UTC), and how many of them
   reached each status by now (reached[LEAD_STATUS_MQL], ...). */
typedef struct {
    int          year, month;
    uint64_t     identified;
    uint64_t     reached[LEAD_NSTATUSES];
} lead_funnel_cohort;

#define LEAD_FUNNEL_MONTHS   12    /* months counted, the last now's */
#define LEAD_FUNNEL_REASONS  8     /* reason rows a month, "other" one */
#define LEAD_RETURN_CAUSE    "accept_within"   /* an automatic return */

typedef struct {
    lead_str     reason;         /* as most often written */
    uint64_t     count;
} lead_reason_count;

/* A calendar month (UTC) of status changes. */
typedef struct {
    int                 year, month;       /* month: 1 to 12 */
    uint64_t            mql;               /* identified to mql */
    uint64_t            requalified;       /* nurture to mql again */
    uint64_t            rejected;          /* to nurture by a person */
    uint64_t            returned;          /* ... by the clock */
    lead_reason_count   reasons[LEAD_FUNNEL_REASONS];  /* of rejected */
    size_t              nreasons;
    uint64_t            other;             /* rejections past those */
} lead_funnel_month;

typedef struct {
    uint64_t             leads;
    lead_funnel_status   status[LEAD_NSTATUSES];  /* nurture's went_on: */
    uint64_t             stage[LEAD_MAX_STAGES + 1];   /* re-qualified */
    lead_funnel_month    months[LEAD_FUNNEL_MONTHS];   /* newest first */
    size_t               nmonths;
    lead_funnel_stage_time  stage_time[LEAD_MAX_STAGES + 1];  /* last: */
    lead_funnel_cohort   cohorts[LEAD_FUNNEL_MONTHS];  /* none yet; newest */
    size_t               ncohorts;                     /* first */
    lead_arena          *arena;
} lead_funnel;

/*
 * From every status change and every lead's reads (stages, scored with
 * r); the months from the first of the last LEAD_FUNNEL_MONTHS with a
 * change to now's.  Free it with lead_funnel_free, whatever it returns.
 */
int lead_query_funnel(lead_store *s, const lead_rules *r, uint64_t now_ms,
    lead_funnel *out);
/* What rides along the funnel's walks (lead_query_funnel_with). */
typedef struct {
    lead_transition_fn   transition;   /* each status change, or NULL */
    lead_events_fn       events;       /* each lead's reads, or NULL */
    void                *arg;
    int                  walked;       /* events called: no stages kept */
} lead_funnel_rider;

/* The same, with what rides along (NULL: nothing). */
int lead_query_funnel_with(lead_store *s, const lead_rules *r,
    uint64_t now_ms, lead_funnel *out, lead_funnel_rider *also);
/* Of n values (reordered), the median (the upper one of an even count)
   and the 90th percentile (nearest rank), in linear time; 0 for none. */
void lead_median_p90(uint64_t *v, size_t n, uint64_t *median, uint64_t *p90);
void lead_funnel_free(lead_funnel *f);

/*
 * Does the score predict (lead_calibration.c)?  Leads that became mql,
 * by the matrix cell, band and grade they had at that moment (scored
 * from their reads then), and what became of them by now: MQL -> SAL of
 * those that left mql, SAL -> won of those accepted that closed, won of
 * every MQL; medians from identified to sal and to won.
 */
#define LEAD_CALIBRATION_SMALL  10     /* fewer leads: a small sample */

typedef struct {
    uint64_t     mql;            /* became mql by now */
    uint64_t     left_mql;       /* ... and left it (sal or nurture) */
    uint64_t     sal;            /* ... and reached sal */
    uint64_t     closed;         /* ... and won or lost */
    uint64_t     won, lost;
    uint64_t     nsal, nwon;     /* samples of the medians below */
    uint64_t     reads_to_sal, reads_to_won;   /* medians: reads by then */
    uint64_t     ms_to_sal, ms_to_won;         /* ... from identified */
} lead_calibration_row;

typedef struct {
    lead_calibration_row  all;
    lead_calibration_row  band[4];      /* 1 .. 4 */
    lead_calibration_row  grade[4];     /* A .. D */
    lead_calibration_row  cell[16];     /* A1 A2 .. D4 */
} lead_calibration_table;

typedef struct {
    lead_calibration_table  current;    /* under the rules given */
    lead_calibration_table  proposed;   /* under the proposed ones */
    int                     has_proposed;
} lead_calibration;

/* Under r, and under proposed too unless it is NULL; one snapshot. */
int lead_query_calibration(lead_store *s, const lead_rules *r,
    const lead_rules *proposed, uint64_t now_ms, lead_calibration *out);
/* The funnel (free it as lead_query_funnel's) and calibration under r,
   from one walk of every lead's reads, in one snapshot. */
int lead_query_funnel_calibration(lead_store *s, const lead_rules *r,
    uint64_t now_ms, lead_funnel *f, lead_calibration *out);
/* The share n of d in per cent, 0 when d is 0. */
double lead_calibration_pct(uint64_t n, uint64_t d);

/*
 * Reasons grouped (lead_reasons.c): the same reason whatever the case of
 * its letters (Latin, Greek, Cyrillic) and the white space around and
 * in it; shown as most often written, on a tie as first written.
 */
typedef struct lead_reasons lead_reasons;
lead_reasons *lead_reasons_new(void);
void lead_reasons_free(lead_reasons *g);
int lead_reasons_add(lead_reasons *g, const char *reason, size_t len,
    uint64_t at_ms);
size_t lead_reasons_count(const lead_reasons *g);
/* The groups, most frequent first (on a tie, the one given first): all
   of them if they fit in max rows, else max - 1 and the rest in *other. */
int lead_reasons_top(lead_reasons *g, lead_arena *a, lead_reason_count *out,
    size_t max, size_t *n, uint64_t *other);
/* The key a reason is grouped by, NUL-terminated in out (cut to fit). */
size_t lead_reason_key(const char *s, size_t len, char *out, size_t size);

#define LEAD_TREND_DAYS    30
#define LEAD_CLAIMS_SHOWN  16     /* a lead's pending claims, the first */

typedef struct {
    uint8_t      visitor[LEAD_ID_LEN];
    uint64_t     since_ms;       /* linked to the lead */
} lead_device;

/* How the score took a read: what the timeline says it counted. */
enum { LEAD_READ_UNTAGGED, LEAD_READ_SCORED, LEAD_READ_BOT,
       LEAD_READ_STATUS /* not 200 or 206 */, LEAD_READ_RELOAD,
       LEAD_READ_RATED /* feedback: feedback_points, in worth */,
       LEAD_READ_REPLACED /* feedback a newer rating of the asset took */ };

typedef struct {
    lead_event   ev;             /* strings owned by the detail */
    lead_str     title;          /* the asset's title, or "" */
    int          before_identified;
    int          counted;        /* LEAD_READ_* */
    unsigned     nth;            /* scored: the asset's nth counted read */
                                 /* a rating's comment is ev.comment */
    double       worth;          /* ... its points then, halved for each
                                    read before it (before depth, decay) */
} lead_read;

typedef struct {
    lead_row          row;       /* as the list shows it */
    lead_score        score;
    lead_str          hot_titles[LEAD_HOT_MAX];
    lead_str          why_titles[LEAD_WHY_MAX];   /* a bonus: its group's */
    lead_profile_part profile[LEAD_PROFILE_PARTS];  /* the grade's, apart */
    unsigned          nprofile;
    int               profile_points;
    size_t            bot_reads; /* by automated agents: never scored */
    char              bot_agents[96];   /* their names, ", " between */
    double            trend[LEAD_TREND_DAYS];
    lead_transition  *history;   /* oldest first */
    size_t            nhistory;
    lead_device      *devices;
    size_t            ndevices;
    lead_device       claims[LEAD_CLAIMS_SHOWN];  /* pending, by device */
    size_t            nclaims;
    lead_read        *reads;     /* every event, oldest first */
    size_t            nreads;
    lead_arena       *arena;
} lead_detail;

/* By e-mail or id; LEAD_ENOTFOUND if there is no such lead. */
int lead_query_lead(lead_store *s, const lead_rules *r, const char *who,
    size_t len, uint64_t now_ms, lead_detail *out);
void lead_detail_free(lead_detail *d);

lead_arena *lead_arena_new(void);
void lead_arena_free(lead_arena *a);

/* 1 once a copy could not be made for want of memory. */
int lead_arena_oom(const lead_arena *a);

/* A copy of s in the arena, or an empty string once it is out of memory. */
lead_str lead_arena_str(lead_arena *a, const char *s, size_t len);
lead_str lead_arena_copy(lead_arena *a, lead_str v);

/* A lead as every list shows it, from its person and score. */
void lead_row_fill(lead_row *row, const lead_rules *r, const lead_person *p,
    const lead_score *sc);

/* Hottest first, then the most recent, then by e-mail: lists' order. */
int lead_hotter_cmp(double ea, uint64_t la, lead_str ma, double eb,
    uint64_t lb, lead_str mb);

/* The row's strings, copied out of the snapshot into the arena; with no
   score, no topics read and no title (accounts show neither). */
void lead_row_keep(lead_arena *a, lead_row *row, const lead_score *sc,
    const lead_asset_list *titles);

/* The title of an asset of the list, or NULL. */
const char *lead_asset_title(const lead_asset_list *l, uint64_t id);

/*
 * A lead's engagement at the end of each of the last LEAD_TREND_DAYS
 * days, the last one now: what it was then, from what was read by then.
 */
int lead_query_trend(lead_store *s, const lead_rules *r,
    const uint8_t lead_id[LEAD_ID_LEN], uint64_t now_ms,
    double trend[LEAD_TREND_DAYS]);

enum { LEAD_SORT_SCORE, LEAD_SORT_RECENT, LEAD_SORT_NAME };

/* lead_filter's only: MQLs past their deadline, leads with no owner,
   leads that asked for a call; leads of a company (not free-mail), as
   lead_query_accounts wants them, the others never filled in. */
enum { LEAD_ONLY_OVERDUE = 1, LEAD_ONLY_UNASSIGNED = 2, LEAD_ONLY_CALLS = 4,
       LEAD_ONLY_COMPANIES = 8 };

/* An mql's age at now_ms, its deadline and whether it passed (the
   rules' accept_within; none when it is off or the lead is no mql). */
void lead_row_due(lead_row *row, const lead_rules *r, uint64_t now_ms);

/* The lead's owner, copied into the arena ("" when none). */
lead_str lead_query_owner(lead_store *s, const uint8_t lead_id[LEAD_ID_LEN],
    lead_arena *a);
/* The notices kept (lead_outbox.c): every one, or the failed only; with
   how many are pending and failed in all. */
typedef struct {
    lead_notice  n;
    char         email[LEAD_EMAIL_MAX + 1];
} lead_outbox_row;

typedef struct {
    lead_outbox_row  *rows;
    size_t            n, pending, failed;
} lead_outbox;

int lead_query_outbox(lead_store *s, int failed_only, lead_outbox *out);
void lead_outbox_free(lead_outbox *o);

/*
 * Visitors by id, numbered densely in the order first seen
 * (lead_visitor_set.c), by open addressing; a prefetch of the slot an
 * id will be looked up in lets the misses of a table larger than the
 * caches overlap.
 */
typedef struct {
    uint8_t   id[LEAD_ID_LEN];
    uint32_t  num;                 /* its number, from 1; 0: a free slot */
    uint32_t  lead;                /* the caller's: UINT32_MAX when made */
    uint32_t  link;                /* the caller's: UINT32_MAX when made */
    uint32_t  flags;               /* the caller's: 0 when made */
    uint32_t  row;                 /* the caller's: UINT32_MAX when made */
    uint64_t  time_ms;             /* the caller's: 0 when made */
} lead_visitor_slot;

typedef struct {
    lead_visitor_slot  *slots;
    size_t              n, cap;
} lead_visitor_set;

/* The visitor's slot, made on first sight; NULL: no memory. */
lead_visitor_slot *lead_visitor_set_add(lead_visitor_set *s,
    const uint8_t id[LEAD_ID_LEN]);
/* Room for n visitors made at once, where a set grown as they come
   would move every slot at each doubling; -1 without the memory. */
int lead_visitor_set_reserve(lead_visitor_set *s, size_t n);
/* Asks memory for the slot id will be looked up in. */
void lead_visitor_set_prefetch(const lead_visitor_set *s,
    const uint8_t id[LEAD_ID_LEN]);
void lead_visitor_set_free(lead_visitor_set *s);

#endif /* LEAD_VIEW_H */
