/*
 * The model layer's own: events as bytes, the scorer, and the rules
 * every score is judged by.
 */

#ifndef LEAD_MODEL_H
#define LEAD_MODEL_H

#include "lead_parse.h"

#define LEAD_HOT_MAX     5      /* what sales should open first */
#define LEAD_WHY_MAX     12     /* rows of why; past it, the last folds */
#define LEAD_TOPICS_MAX  8

/* What one asset (or a warm_after bonus) adds to a subject's score. */
typedef struct {
    uint64_t    asset_id;        /* 0 for a group bonus */
    int         group_bonus;
    int         rating;          /* a rating's part (1..5), not its reads */
    unsigned    others;          /* why's last row: this many folded in */
    char        stage[LEAD_NAME_MAX + 1];
    char        topic[LEAD_NAME_MAX + 1];
    char        group[LEAD_NAME_MAX + 1];
    int         stage_index;     /* in the current stages; -1: none */
    int         hot;
    unsigned    reads;           /* counted: reloads in the window are one */
    uint64_t    events;          /* every recorded request */
    uint64_t    first_ms, last_ms;
    double      depth;           /* 0..1: share of its bytes received */
    int32_t     points;          /* the rule's (the latest read's) */
    double      base;            /* its worth when read: points, rereads
                                    and depth, before decay */
    double      score;           /* its contribution, decayed to now */
    int64_t     shown;           /* score rounded: why's rows sum to the
                                    score shown */
} lead_contribution;

typedef struct {
    char    topic[LEAD_NAME_MAX + 1];
    double  engagement;
} lead_topic;

typedef struct {
    double             engagement;
    int64_t            shown;          /* as shown: rint(engagement) */
    double             stages[LEAD_MAX_STAGES];   /* toward stage_index */
    int                stage_index;    /* buying stage; -1: none yet */
    int                band;           /* 1 (hottest) .. 4 */
    lead_contribution  hot[LEAD_HOT_MAX];  /* hot-flagged and the largest
                                              parts, > 0, largest first */
    unsigned           nhot;
    lead_contribution  why[LEAD_WHY_MAX];  /* every part but zeros: the
                                              largest first, negative last,
                                              the rest folded into one */
    unsigned           nwhy;
    lead_topic         topics[LEAD_TOPICS_MAX];
    unsigned           ntopics;
    char               countries[4][LEAD_COUNTRY_LEN];  /* latest first */
    unsigned           ncountries;
    uint64_t           trigger_ms;     /* first MQL trigger since, or 0 */
    uint64_t           trigger_asset;  /* the hot asset that was it, or 0 */
    char               trigger[LEAD_CAUSE_MAX];
} lead_score;

/*
 * Upper bound of an encoded event's size: the head (its sizes as varints
 * at most 10 bytes each), then every field at its limit with its tag and
 * length (at most 3 bytes; a range at most 20, as 2 varints).
 */
#define LEAD_EVENT_MAX_SIZE                                                   \
    (48 + 3 + LEAD_ID_LEN + 3 + LEAD_PATH_MAX + 3 + LEAD_HOST_MAX             \
     + 3 * (3 + LEAD_UTM_MAX) + 3 + LEAD_MAX_RANGES * 20                      \
     + 3 + 8 + 3 + 4 + 3 + 1 + 3 * (3 + LEAD_NAME_MAX)        /* asset */     \
     + 3 + LEAD_COUNTRY_LEN - 1 + 3 + LEAD_REGION_MAX + 3 + LEAD_CITY_MAX    \
     + 3 + LEAD_AGENT_MAX + 3 + 1 + 3 + LEAD_COMMENT_BYTES)   /* feedback */

/* Returns the encoded length, or LEAD_EINVAL if a field is over its limit. */
int lead_event_encode(const lead_event *ev, uint8_t *buf, size_t size);

/* Strings in ev point into buf. */
int lead_event_decode(const uint8_t *buf, size_t len, lead_event *ev);
/* ... only what a scorer reads (lead_scorer_add), for a scan of many:
   the visitor, id, referrer, campaign, agent, comment, region and city
   are not set (not to be read), the event is not cleared first.  Fails
   where lead_event_decode fails. */
int lead_event_decode_scored(const uint8_t *buf, size_t len,
    lead_event *ev);
/* 0 when the stored event is surely no feedback: its fields' tags only
   are read, for a scan that wants the few that are. */
int lead_event_maybe_feedback(const uint8_t *buf, size_t len);

/* 1 for feedback (a rating of the path's content and perhaps a comment),
   0 for a read: feedback is never a read, a touch or a page view. */
#define lead_event_is_feedback(ev)  ((ev)->rating != 0)

/* Gives the event the meaning of the asset (or none when a is NULL). */
void lead_event_set_asset(lead_event *ev, const lead_asset *a);

/* ... and the place it was read from; ev points into geo. */
void lead_event_set_geo(lead_event *ev, const lead_geo *geo);

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
/* The same for a list, sooner: all but why (nwhy is 0) and hot
   content past its first row, which are left as they were. */
int lead_scorer_totals(const lead_scorer *s, uint64_t now_ms,
    lead_score *out);

/* Engagement by buying stage at now_ms, as lead_scorer_result sums it
   (the stage is lead_stage_of it); a lead's stage between reads. */
void lead_scorer_stages(const lead_scorer *s, uint64_t now_ms,
    double by_stage[LEAD_MAX_STAGES]);

/* Fills out's why and hot lists from its n parts (reordered); out's
   shown is set. */
void lead_score_lists(lead_contribution *all, size_t n, lead_score *out);
/* Only hot content's first row of those lists, and no why. */
void lead_score_top(const lead_contribution *all, size_t n, lead_score *out);

/*
 * n values rounded to integers that sum to total (largest remainders:
 * each is its floor, and the ones with the largest fractions one more);
 * total should be the rounded sum of the values.
 */
void lead_round_parts(const double *v, size_t n, int64_t total,
    int64_t *out);

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
/* The part of an e-mail after its '@' ("" when none), free mail or not. */
lead_str lead_email_domain(lead_str email);

/*
 * A scorer's state, to be kept in the store and fed on later: loading
 * what save wrote gives a scorer that scores as the one saved.
 */
void lead_scorer_save(const lead_scorer *s, lead_buf *out);
int lead_scorer_load(lead_scorer *s, const uint8_t *data, size_t len);
/* The saved state's version: a new one means the model changed. */
unsigned lead_scorer_version(void);

/*
 * A lead's time in each buying stage, walked read by read
 * (lead_stage_walk.c): the fold keeps it, the funnel's scan makes it.
 * Read k (from 1) has its stage worked out when k is a multiple of
 * k / LEAD_STAGE_EVALS + 1: every read of the first 1,024, then fewer,
 * so a lead with many reads costs about 1,024 * ln(k / 1,024) of them.
 */
#define LEAD_STAGE_NONE   LEAD_MAX_STAGES     /* the index of no stage */
#define LEAD_STAGE_EVALS  1024

typedef struct {
    uint64_t  reads;                       /* fed so far */
    uint64_t  t;                           /* the last one worked out */
    int       stage;                       /* at t; -1: none */
    uint64_t  ends[LEAD_MAX_STAGES];       /* each stage's fall below
                                              stage_min, from t, to stage */
    uint64_t  spent[LEAD_MAX_STAGES + 1];  /* ms in each, up to t */
    unsigned  in;                          /* bit per stage held */
} lead_stage_walk;

void lead_stage_walk_reset(lead_stage_walk *w);
/* After each read the scorer was fed, at its time t. */
void lead_stage_walk_read(lead_stage_walk *w, const lead_scoring *sc,
    const lead_scorer *scorer, uint64_t t);
/* The walk carried on to now_ms (w is left as it was): the ms in each
   stage into spent, a bit per stage held into *in; the stage then. */
int lead_stage_walk_to(const lead_stage_walk *w, uint64_t now_ms,
    uint64_t spent[LEAD_MAX_STAGES + 1], unsigned *in);
void lead_stage_walk_save(const lead_stage_walk *w, lead_buf *out);
/* LEAD_EINVAL if the bytes are damaged. */
int lead_stage_walk_load(lead_stage_walk *w, const uint8_t *data,
    size_t len);

int lead_batch_add(lead_batch *b, const lead_event *ev);
size_t lead_batch_count(const lead_batch *b);
void lead_batch_clear(lead_batch *b);

/* A hit's record at its largest: a sockaddr_in6 and the target more. */
#define LEAD_HIT_MAX_SIZE                                                     \
    (LEAD_EVENT_MAX_SIZE + 3 + LEAD_TARGET_MAX + 3 + 28)


/* Profile points from what is known without asking; country may be "". */
int lead_profile_points(const lead_rules *r, const lead_person *p,
    const char *country);
char lead_grade(const lead_scoring *sc, int profile_points);

/* The same points part by part, as a lead page explains the grade: how
   many parts (at most LEAD_PROFILE_PARTS), each labelled. */
#define LEAD_PROFILE_PARTS  8
typedef struct { char label[48]; int points; } lead_profile_part;
unsigned lead_profile_parts(const lead_rules *r, const lead_person *p,
    const char *country, lead_profile_part parts[LEAD_PROFILE_PARTS]);

/*
 * Where a read came from (lead_touch.c): its utm_campaign, else its
 * channel, utm_source "/" utm_medium (either alone when the other is
 * missing), else the referrer's host (the site's own is never recorded);
 * "" is direct.  *campaign says which.  A bot's read is no touch (-1).
 */
#define LEAD_TOUCH_MAX  (2 * LEAD_UTM_MAX + 2)
int lead_touch(const lead_event *ev, char out[LEAD_TOUCH_MAX],
    int *campaign);

#endif /* LEAD_MODEL_H */
