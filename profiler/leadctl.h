/* What the files of leadctl share. */

#ifndef LEADCTL_H
#define LEADCTL_H

#include <stdint.h>
#include <stdio.h>

#include "lead.h"

#define EXIT_USAGE 2

#define MAX_POSITIONAL 4

typedef struct {
    const char  *store;
    const char  *rules;      /* --rules DIR */
    const char  *now;        /* --now TIME */
    uint64_t     now_ms;     /* ... as ms, or the clock */
    const char  *status;     /* --status S */
    const char  *sort;       /* --sort KEY */
    const char  *reason;     /* --reason TEXT */
    const char  *by;         /* --by WHO */
    int          json;
    int          csv;
    int          first;      /* JSON: no comma before the first row */
    uint64_t     rows;
    int          nargs;      /* the command's positional arguments */
    const char  *args[MAX_POSITIONAL];
} ctl;


enum {
    OPT_STORE = 1,           /* reads the store */
    OPT_JSON = 2,            /* takes --json */
    OPT_RULES = 4,           /* takes --rules DIR */
    OPT_CSV = 8,             /* takes --csv */
    OPT_MODEL = 16,          /* scores: --rules, --now, --status, --sort */
    OPT_SALES = 32           /* --reason, --by, --now */
};

typedef struct {
    const char  *name;
    unsigned     opts;
    int          nargs;
    const char  *summary;
    const char  *usage;
    int        (*run)(ctl *c, lead_store *s);
} command;

/* the asset catalogue of a store, sorted by id, with read counts */
typedef struct {
    lead_asset  a;
    char       *strs;        /* owns a's strings */
    uint64_t    people;
    uint64_t    bots;
    uint64_t    readers;             /* distinct visitors, bots aside */
    uint64_t    identified_readers;  /* ... that are linked to a lead */
    uint64_t    before_identified;   /* ... that read it, then identified */
    uint64_t    before_mql;          /* ... whose lead became mql after */
} asset_row;

typedef struct {
    uint64_t        asset;
    const uint8_t  *visitor;     /* into the catalogue's copy of ids */
    uint64_t        time_ms;
} asset_read;

typedef struct {
    asset_row   *rows;
    size_t       n, cap;
    uint64_t     untagged_people, untagged_bots;
    asset_read  *reads;          /* people's reads of tagged assets */
    uint8_t     *visitors;       /* their visitor ids, LEAD_ID_LEN each */
    size_t       nreads, rcap;
    int          oom;
} catalogue;

int add_asset(void *arg, const lead_asset *a);
void free_catalogue(catalogue *cat);
const char *asset_title(const catalogue *cat, uint64_t id);

void print_time(uint64_t ms, char *buf, size_t size);
void json_str(const char *name, lead_str v);
void text_str(lead_str v);
void csv_field(const char *v, size_t len);
void json_row_start(ctl *c);

int cmd_leads(ctl *c, lead_store *s);
int cmd_show(ctl *c, lead_store *s);
int cmd_status(ctl *c, lead_store *s);
int cmd_funnel(ctl *c, lead_store *s);
int cmd_accounts(ctl *c, lead_store *s);

#endif /* LEADCTL_H */
