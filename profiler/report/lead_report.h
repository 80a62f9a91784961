/*
 * The report layer's own: each format of each report, for the sales view
 * and for lead_report.
 */

#ifndef LEAD_REPORT_H
#define LEAD_REPORT_H

#include "lead_view.h"

/* The name of stage i of the rules, or "" for none (-1). */
const char *lead_report_stage(const lead_rules *r, int i);
/* An mql's age as lists show it: "waiting 3 h" (min, h up to 2 days, d). */
void lead_report_waiting(char out[32], uint64_t ms);

/*
 * A lead's numbers explained alike in every format (lead_formats.c): what
 * made a row of why ("40 points, read 100%, -15 since then (half-life
 * 30 d)"; minus: the sign to write), the reads by automated agents in one
 * line, naming them (0: none), what a read of the timeline counted ("+40", "0: bot").
 */
void lead_report_why_explain(lead_buf *out, const lead_rules *r,
    const lead_contribution *k, const char *minus);
int lead_report_bots(char out[160], const lead_detail *d);
void lead_report_read_points(char out[48], const lead_read *rd);
/* A rating's comment as a timeline shows it: the bytes of its first
   LEAD_COMMENT_SHOWN characters, *cut 1 when there was more ("…"). */
#define LEAD_COMMENT_SHOWN  160
size_t lead_report_comment_cut(lead_str comment, int *cut);

void lead_report_leads_text(lead_buf *out, const lead_rules *r,
    const lead_list *l);
void lead_report_lead_text(lead_buf *out, const lead_rules *r,
    const lead_detail *d);
void lead_report_funnel_text(lead_buf *out, const lead_rules *r,
    const lead_funnel *f);
void lead_report_accounts_text(lead_buf *out, const lead_list *l,
    const lead_account *a, size_t n);
void lead_report_assets_text(lead_buf *out, const lead_asset_list *l);

/*
 * The machine formats, the same for leadctl --json/--csv and the sales
 * view's .json/.csv: appended to out.
 */
void lead_report_leads_json(lead_buf *out, const lead_rules *r,
    const lead_list *l);
void lead_report_leads_csv(lead_buf *out, const lead_rules *r,
    const lead_list *l);
/* The same, the header and the rows apart: an export a part at a time. */
void lead_report_leads_csv_head(lead_buf *out);
void lead_report_leads_csv_rows(lead_buf *out, const lead_rules *r,
    const lead_list *l);
void lead_report_lead_json(lead_buf *out, const lead_rules *r,
    const lead_detail *d);
void lead_report_funnel_json(lead_buf *out, const lead_rules *r,
    const lead_funnel *f);
void lead_report_accounts_json(lead_buf *out, const lead_list *l,
    const lead_account *a, size_t n);
void lead_report_assets_json(lead_buf *out, const lead_asset_list *l);

/* Feedback on content (lead_report_feedback.c): the assets with their
   ratings, one asset's ratings, comments and notes; an average as
   people read it ("4.2", "-" for none). */
void lead_report_assets_feedback_text(lead_buf *out,
    const lead_asset_list *l, const lead_feedback_list *f);
void lead_report_assets_feedback_json(lead_buf *out,
    const lead_asset_list *l, const lead_feedback_list *f);
void lead_report_assets_feedback_csv(lead_buf *out,
    const lead_asset_list *l, const lead_feedback_list *f);
void lead_report_feedback_text(lead_buf *out, const lead_feedback_asset *row);
void lead_report_feedback_json(lead_buf *out, const lead_feedback_asset *row);
void lead_report_average(char out[16], const lead_feedback_asset *row);

/* Does the score predict: the calibration table(s), for people and as
   JSON (the sales view's funnel page shows the current table). */
void lead_report_calibration_text(lead_buf *out, const lead_calibration *c);
void lead_report_calibration_json(lead_buf *out, const lead_calibration *c);
/* Attribution (lead_report_attribution.c): names of LEAD_BY_ and
   LEAD_MODEL_ values, a name's value (model 1: of a model) or -1, cents
   as "12000.50", and the report as text and JSON. */
const char *lead_attribution_by_name(int by);
const char *lead_attribution_model_name(int model);
int lead_attribution_parse(const char *name, int model);
void lead_report_money(char out[32], int64_t cents);
/* A cost per one of n (cents, to the nearest); -1: no cost, or n 0. */
int64_t lead_report_per(int64_t cost, uint64_t n);
void lead_report_attribution_text(lead_buf *out, const lead_attribution *a);
void lead_report_attribution_json(lead_buf *out, const lead_attribution *a);

/* A file of html/sales/, or html/form.html, built in (embed.sh). */
typedef struct {
    const char           *name;
    const unsigned char  *data;
    size_t                len;
} lead_embedded;

extern const lead_embedded  lead_sales_files[];

/* The notice of a new mql, as JSON, for the person and score given; id:
   the notice's (lead_notice_json). */
void lead_mql_json(lead_buf *out, const lead_rules *r, const lead_person *p,
    const lead_score *score, const char *id, const char *cause,
    uint64_t at_ms);

/* A notice's kind by name, and its id (at most LEAD_NOTICE_ID_MAX). */
#define LEAD_NOTICE_ID_MAX  64
const char *lead_notice_kind(int kind);
void lead_notice_id(char *out, size_t size, const lead_notice *n);

/* The notices kept (leadctl notices): a table, or JSON. */
void lead_report_notices_text(lead_buf *out, const lead_outbox *o);
void lead_report_notices_json(lead_buf *out, const lead_outbox *o);

/* A lead's source and deal (lead_report_deals.c): amounts as "12000.50";
   JSON members and text lines when the deal was read; CSV cells always. */
#define LEAD_AMOUNT_LEN  32
void lead_report_amount(char out[LEAD_AMOUNT_LEN], int64_t cents);
void lead_report_deal_json(lead_buf *out, const lead_deal *d);
void lead_report_deal_csv(lead_buf *out, const lead_deal *d);
void lead_report_deal_text(lead_buf *out, const lead_deal *d);

#endif /* LEAD_REPORT_H */
