/*
 * lead: events as lines of JSON, one object each: what an edge writes
 * ($lead_event), what `leadctl export` prints and what `leadctl ingest`
 * reads into a central store, idempotently (README, "Several edge nodes").
 * The second public header, beside lead.h, for the module and leadctl.
 */

#ifndef LEAD_LINE_H
#define LEAD_LINE_H

#include "lead.h"

#define LEAD_LINE_ID_MAX  128       /* an event id's bytes */
#define LEAD_LINE_MAX     16384     /* a line's bytes: the longest event fits */

enum { LEAD_LINE_READ, LEAD_LINE_IDENTIFY, LEAD_LINE_STATUS,
       LEAD_LINE_FORGET, LEAD_LINE_SIGNAL, LEAD_LINE_RATE, LEAD_LINE_NOTE,
       LEAD_LINE_NKINDS };
/* "read", "identify", "status", "forget", "signal", "rate" (feedback: an
   event with a rating, ev.rating and ev.comment), "note" (sales' note on
   an asset: ev.asset_id, ev.path, who, lead, the text in ev.comment);
   NULL if none. */
const char *lead_line_kind_name(int kind);

/*
 * One line.  Every kind has an id unique across nodes (an edge's: its
 * $request_id and the kind's letter, "…-r", "…-i") and a time (ev.time_ms);
 * a read has every field of its event, a rate its rating's (the asset,
 * the agent, the place, the rating and comment); the others name whom they are
 * about by e-mail, by lead id, or (identify) by the visitor that read.
 */
typedef struct {
    int           kind;
    lead_str      id;
    lead_str      node;         /* the node that recorded it, or "" */
    lead_event    ev;           /* time; visitor (zeros: none); a read's all */
    uint8_t       lead[LEAD_ID_LEN];     /* zeros: none given */
    lead_str      email;        /* normalised: identify, status, forget,
                                   signal */
    lead_str      name;         /* identify */
    lead_str      topics;       /* identify: subscribed, space-separated */
    int           subscribe, contact, sales;  /* identify: flags, 0 or 1 */
    lead_str      owner;        /* identify, status: the lead's owner */
    int           status;       /* status: the LEAD_STATUS_ it moves to */
    lead_outcome  deal;         /* status won: amount, currency, closed */
    lead_str      cause, who, reason;     /* status: why, by whom */
    lead_str      signal;       /* signal: its name in scoring.conf */
} lead_line;

/* l as one JSON object on one line (no newline) appended to out: every
   string escaped, so it stays one valid object whatever it holds. */
void lead_line_json(lead_buf *out, const lead_line *l);
/* The same as a CSV row (no newline), and the header row of those. */
void lead_line_csv(lead_buf *out, const lead_line *l);
void lead_line_csv_header(lead_buf *out);

/* One hit's event as lead_hits_finish makes it ($lead_event's read):
   the target normalised into path, its rule matched (rules NULL: none),
   the place of client looked up into geo (geoip or client NULL: none).
   LEAD_EINVAL: the target is no path nginx serves; it records nothing. */
int lead_hit_event(lead_event *ev, const char *target, size_t len,
    const struct sockaddr *client, const lead_rules *rules,
    const lead_geoip *geoip, char path[LEAD_PATH_MAX], lead_geo *geo);

/*
 * Reading lines.  A parser keeps what the last line's strings point into
 * (each NUL-ended too), until the next call.  A JSON line, or a row of a
 * CRM's CSV export once its header row is known (map: "field=Column,..."
 * renames columns, NULL: the columns are named as the fields are; a row
 * with line breaks in quotes is one record: csv_open says the row goes on
 * at the next line).  LEAD_EINVAL, and why in err, for a line that is not
 * one well-formed event; LEAD_ENOTFOUND for a blank one.
 */
typedef struct lead_line_parser lead_line_parser;
lead_line_parser *lead_line_parser_new(void);
void lead_line_parser_free(lead_line_parser *p);
int lead_line_parse(lead_line_parser *p, const char *text, size_t len,
    lead_line *l, char *err, size_t errlen);
int lead_line_csv_columns(lead_line_parser *p, const char *header,
    size_t len, const char *map, char *err, size_t errlen);
int lead_line_parse_csv(lead_line_parser *p, const char *row, size_t len,
    lead_line *l, char *err, size_t errlen);
int lead_line_csv_open(const char *row, size_t len);

/*
 * Ingest: lines in any order from any number of nodes into one store.  A
 * line whose id the store has seen changes nothing; one the store refuses
 * (a move not allowed, an unknown signal) is told to fn with why, and
 * changes nothing; the rest are applied, each whole, in one write
 * transaction with their ids.  Reads that identify or outscore a lead
 * promote it as at an edge, its notice queued once.
 */
typedef struct lead_ingest lead_ingest;
typedef struct { size_t applied, duplicates, refused; } lead_ingested;
typedef int (*lead_refused_fn)(void *arg, size_t index, const char *why);

int lead_ingest_new(lead_ingest **out, lead_store *s, const lead_rules *r);
void lead_ingest_free(lead_ingest *in);
/* l copied in; LEAD_EBATCHFULL: commit first, then add it again.  fn's
   index: the line's place among those pending, from 0. */
int lead_ingest_add(lead_ingest *in, const lead_line *l);
size_t lead_ingest_pending(const lead_ingest *in);
int lead_ingest_commit(lead_ingest *in, uint64_t now_ms, lead_ingested *out,
    lead_refused_fn fn, void *arg);

/*
 * Export: the lines that rebuild the store elsewhere, those in [since_ms,
 * until_ms) (until 0: no end): every lead's identity and devices, its
 * status changes, then the reads in time order.  Constant memory.
 */
typedef int (*lead_line_fn)(void *arg, const lead_line *l);
int lead_store_each_line(lead_store *s, uint64_t since_ms, uint64_t until_ms,
    lead_line_fn fn, void *arg);

#endif /* LEAD_LINE_H */
