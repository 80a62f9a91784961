/* What the files of leadctl share. */

#ifndef LEADCTL_H
#define LEADCTL_H

#include <stdint.h>
#include <stdio.h>

#include "lead.h"
#include "lead_line.h"

#define EXIT_USAGE 2

#define MAX_POSITIONAL 4

typedef struct {
    const char  *store;
    const char  *rules;      /* --rules DIR */
    const char  *now;        /* --now TIME */
    uint64_t     now_ms;     /* ... as ms, or the clock */
    const char  *status;     /* --status S */
    const char  *stage;      /* --stage S */
    const char  *topic;      /* --topic T */
    const char  *cell;       /* --cell C */
    const char  *search;     /* --search TEXT */
    const char  *sort;       /* --sort KEY */
    const char  *limit;      /* --limit N */
    uint64_t     max_rows;   /* ... for events and visitors, or 0 */
    int          limited;    /* the listing stopped there */
    const char  *lead;       /* events --lead EMAIL|ID */
    const char  *reason;     /* --reason TEXT */
    const char  *by;         /* --by WHO */
    char         uid[32];    /* ... else, without a login name: "uid N" */
    const char  *owner;      /* --owner NAME */
    const char  *only;       /* --only overdue,unassigned,calls */
    const char  *older;      /* --anonymous-older-than DAYS */
    const char  *group_by;   /* attribution --by asset|campaign|channel */
    const char  *model;      /* --model first|last|linear */
    const char  *since;      /* --since TIME */
    uint64_t     since_ms;   /* ... as ms, or 0 */
    const char  *amount;     /* --amount N */
    const char  *currency;   /* --currency CUR */
    const char  *at;         /* --at TIME */
    uint64_t     at_ms;      /* ... as ms, or now_ms */
    const char  *name;       /* --name NAME */
    const char  *source;     /* --source sales */
    const char  *until;      /* export, events --until TIME */
    uint64_t     until_ms;   /* ... as ms */
    const char  *node;       /* export --node NAME */
    const char  *format;     /* ingest --format json|csv */
    const char  *map;        /* ingest --map field=Column,... */
    const char  *batch;      /* ingest --batch N */
    int          confirm;    /* ingest --confirm: rsyslog omprog's OKs */
    int          nfiles;     /* ingest's FILEs, in files */
    const char **files;
    const char **include;    /* rules scan --include GLOB... */
    const char **exclude;   /* ... --exclude GLOB... */
    size_t       ninclude, nexclude;
    int          json;
    int          csv;
    int          feedback;   /* assets --feedback */
    uint64_t     rows;       /* listed so far */
    lead_buf     line;       /* the row being listed */
    int          nargs;      /* the command's positional arguments */
    const char  *args[MAX_POSITIONAL];
    int          report;     /* the command's, for cmd_report */
    const char  *command;    /* its name */
} ctl;


enum {
    OPT_STORE = 1,           /* reads the store */
    OPT_JSON = 2,            /* takes --json */
    OPT_RULES = 4,           /* takes --rules DIR */
    OPT_CSV = 8,             /* takes --csv */
    OPT_MODEL = 16,          /* scores: --rules, --now, --status, --sort */
    OPT_SALES = 32,          /* --reason, --by, --now */
    OPT_WRITE = 64,          /* writes the store */
    OPT_PURGE = 128,         /* --anonymous-older-than, --now */
    OPT_CHECK = 256,         /* names the store, checks it, opens it not */
    OPT_ATTRIB = 512,        /* --by, --model, --since, --now */
    OPT_ADD = 1024,          /* --name, --source */
    OPT_EXPORT = 2048,       /* --since, --until, --node */
    OPT_INGEST = 4096,       /* --format, --map, --batch, --confirm, FILEs;
                                makes the store in an empty directory */
    OPT_EVENTS = 8192,       /* --since, --until, --lead, --limit */
    OPT_SCAN = 16384,        /* rules scan: --include, --exclude GLOB */
    OPT_FEEDBACK = 32768     /* assets --feedback */
};

typedef struct {
    const char  *name;
    unsigned     opts;
    int          nargs;
    const char  *summary;
    const char  *usage;
    int        (*run)(ctl *c, lead_store *s);
    int          report;     /* LEAD_REPORT_..., for cmd_report */
} command;

/* The commands' help and manual page, from their table (leadctl_help.c). */
void usage(FILE *f, const command *commands);
void rules_usage(FILE *f, const command *commands);
void command_help(FILE *f, const command *cmd);
void man_page(FILE *f, const command *commands);

/* Progress on standard error when it is a terminal (leadctl_progress.c):
   what, and the unit of progress_add's count (NULL: the time alone);
   streams: the command writes as it goes, so none when stdout is a
   terminal too. */
void progress_start(const char *what, const char *unit, int streams);
void progress_add(uint64_t n);
void progress_stop(void);
/* A message on standard error while progress may be shown: the line is
   erased first, so the two never mix. */
void progress_say(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Who records a decision: --by, else the login name (leadctl_out.c). */
const char *actor(ctl *c);
/* An option's count, 1 to max: digits only (no sign, no space). */
int count_option(const char *opt, const char *value, uint64_t max,
    uint64_t *n);
/* "2.1 s", "3.5m": how long a command took, for people. */
void elapsed(double ms, char out[32]);

/* A string for people, one line per row: control characters become '?'. */
void text_str(lead_buf *out, lead_str v);

/* Writes out to stdout and frees it: 0, or 1 when it could not be made. */
int print_buf(lead_buf *out);

int cmd_events(ctl *c, lead_store *s);      /* leadctl_events.c */
int cmd_visitors(ctl *c, lead_store *s);
int cmd_report(ctl *c, lead_store *s);
int cmd_attribution(ctl *c, lead_store *s);
int cmd_status(ctl *c, lead_store *s);
int cmd_forget(ctl *c, lead_store *s);
/* won or lost, with its outcome: 0 or the exit code (leadctl_deals.c) */
int close_deal(ctl *c, lead_store *s, const uint8_t *id, int to);
int cmd_add(ctl *c, lead_store *s);
int cmd_assign(ctl *c, lead_store *s);
int cmd_purge(ctl *c, lead_store *s);
int cmd_backup(ctl *c, lead_store *s);
int cmd_compact(ctl *c, lead_store *s);
int cmd_check(ctl *c, lead_store *s);
int cmd_calibration(ctl *c, lead_store *s);
int cmd_export(ctl *c, lead_store *s);       /* leadctl_lines.c */
int cmd_ingest(ctl *c, lead_store *s);

/*
 * Lines parsed on threads (leadctl_parse.c), each handed back to fn in
 * the order given: rc LEAD_OK and the line (its strings valid until fn
 * returns), LEAD_ENOTFOUND for a blank one, LEAD_EINVAL and why.  A line
 * longer than LEAD_LINE_MAX is given with its length only.  fn returns
 * non-zero to stop: _line and _finish return it.
 */
typedef int (*parsed_fn)(void *arg, const char *file, uint64_t lineno,
    int rc, const lead_line *line, const char *why);
typedef struct parse_pool parse_pool;
parse_pool *parse_pool_new(unsigned threads, parsed_fn fn, void *arg);
int parse_pool_line(parse_pool *pool, const char *file, uint64_t lineno,
    const char *text, size_t len);
int parse_pool_finish(parse_pool *pool);
void parse_pool_free(parse_pool *pool);

#endif /* LEADCTL_H */
