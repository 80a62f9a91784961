/*
 * The rules' insides, shared by the files that read them: lead_rules.c
 * (the object, loading, matching) on top; under it lead_scoring_conf.c,
 * which reads the free-mail list with lead_freemail_list.c, and
 * lead_assets_csv.c; under them all lead_rules_parser.c.
 */

#ifndef LEAD_RULES_PARSER_H
#define LEAD_RULES_PARSER_H

#include "lead_parse.h"

struct lead_rules_chunk;

struct lead_rules {
    struct lead_rules_chunk  *mem;
    lead_str                  texts[LEAD_RULES_NTEXTS];   /* as parsed */
    lead_scoring              scoring;
    lead_asset               *assets;
    size_t                    nassets;
    const lead_asset        **exact;       /* sorted by path */
    size_t                    nexact;
    const lead_asset        **prefixes;    /* longest first */
    size_t                    nprefixes;
    char                    **freemail;    /* sorted */
    lead_campaign            *campaigns;   /* sorted by name */
    size_t                    ncampaigns;
    unsigned                  nerrors;     /* told while parsing */
    int                       stages_refused;  /* assets.csv's not told */
};

/* Where a parser is, for messages that name file and line. */
typedef struct {
    lead_rules      *rules;
    const char      *dir;
    const char      *file;       /* name inside dir */
    unsigned         line;
    char            *err;
    size_t           errlen;
    const lead_str  *freemail;   /* the list's text, instead of its file */
} lead_rules_parser;

/* Memory the rule set owns, zeroed, freed with it; NULL when out. */
void *lead_rules_alloc(lead_rules *r, size_t size);
char *lead_rules_strndup(lead_rules *r, const char *s, size_t len);

/* A copy of a text the rules were parsed from, for lead_rules_text. */
int lead_rules_keep_text(lead_rules *r, int which, const char *text,
    size_t len);

/*
 * Every error is told, each on its own line of err: "dir/file:line: "
 * and the message, up to LEAD_RULES_MAX_ERRORS and as many as fit, then
 * "and N more errors".  Returns LEAD_EINVAL; the parsers go on to the
 * next row or directive, and the rules are refused as a whole.
 */
#define LEAD_RULES_MAX_ERRORS  20
int lead_rules_fail(lead_rules_parser *p, const char *fmt, ...);

/* 1 when an error has been told. */
int lead_rules_failed(const lead_rules_parser *p);

/* "dir/file: out of memory" told; returns LEAD_ENOMEM: parsing stops. */
int lead_rules_nomem(lead_rules_parser *p);

/* A value quoted in a message: cut and made printable, in buf. */
const char *lead_rules_shown(const char *s, size_t len, char buf[80]);

/* dir/file, whole, in a malloc()ed *data; a message in err if not. */
int lead_rules_read_file(lead_rules_parser *p, char **data, size_t *len);

/* A decimal integer from min to max, with an optional sign. */
int lead_rules_parse_int(const char *s, size_t len, int64_t min,
    int64_t max, int64_t *v);

/* Stage, topic and group names: short, printable, no separators. */
int lead_rules_valid_name(const char *s, size_t len);

/* The stage's index in the scoring's stages, or -1. */
int lead_rules_stage_index(const lead_scoring *sc, const char *s,
    size_t len);

/* The stages' names, space separated, for a message. */
void lead_rules_stage_list(const lead_scoring *sc, char *buf, size_t size);

/*
 * scoring.conf, over the defaults.  *group_lines gets the line of each
 * warm_after, so that lead_rules.c can name it when assets.csv has too
 * few of its group.
 */
int lead_scoring_conf_parse(lead_rules_parser *ps, const char *data,
    size_t len, unsigned **group_lines);

/* The file freemail_domains names (or ps->freemail), sorted for lookup. */
int lead_freemail_list_load(lead_rules_parser *ps, const char *name,
    size_t name_len);

/* assets.csv, with the stages scoring.conf gave, indexed for matching. */
int lead_assets_csv_parse(lead_rules_parser *ps, const char *data,
    size_t len);

/* campaigns.csv's text; and the file in dir, if there is one. */
int lead_campaigns_csv_parse(lead_rules_parser *ps, const char *data,
    size_t len);
int lead_campaigns_load(lead_rules *r, const char *dir, char *err,
    size_t errlen);
#endif /* LEAD_RULES_PARSER_H */
