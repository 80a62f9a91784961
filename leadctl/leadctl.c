/*
 * leadctl: reads and manages the store that the nginx module writes.
 * Only the public API of lead.h is used here.
 */

#define _GNU_SOURCE            /* nftw() with FTW_ACTIONRETVAL */

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <ctype.h>
#include <strings.h>

#include "lead.h"

#include "leadctl.h"

/* ---- rules ------------------------------------------------------------- */

int
cmd_rules_check(ctl *c, lead_store *s)
{
    lead_rules  *r;
    char         err[1024];
    size_t       i, j, groups = 0;

    (void) s;

    if (lead_rules_load(&r, c->args[0], err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    /* distinct group names among the assets */
    for (i = 0; i < lead_rules_count(r); i++) {
        const char  *g = lead_rules_asset(r, i)->group;

        for (j = 0; j < i && g[0]; j++) {
            if (strcmp(lead_rules_asset(r, j)->group, g) == 0) {
                break;
            }
        }
        groups += g[0] && j == i;
    }

    printf("%s: ok, %zu assets, %u stages, %zu groups\n", c->args[0],
           lead_rules_count(r), lead_rules_stages(r), groups);
    lead_rules_free(r);
    return 0;
}

/* nftw() has no argument for its callback: the scan's state is here. */
static struct {
    const lead_rules  *rules;
    size_t             root_len;
    char             **paths;
    size_t             n, cap;
    int                oom;
} scan;

/*
 * A title to start from: an HTML file's <title>, else the file name.
 * Whitespace runs become one space; commas and quotes are the CSV's job.
 */
static void
file_title(const char *fpath, const char *base, char *out, size_t size)
{
    char    buf[8192], *start, *end, *p;
    size_t  n = 0, len;
    FILE   *f;

    snprintf(out, size, "%s", base);

    len = strlen(base);
    if (len < 5 || strcasecmp(base + len - 5, ".html") != 0
        || (f = fopen(fpath, "rb")) == NULL)
    {
        return;
    }
    len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = '\0';

    start = strcasestr(buf, "<title>");
    end = start ? strcasestr(start, "</title>") : NULL;
    if (end == NULL) {
        return;
    }

    for (p = start + 7; p < end && n + 1 < size; p++) {
        if (isspace((unsigned char) *p) || (unsigned char) *p < 0x20) {
            if (n > 0 && out[n - 1] != ' ') {
                out[n++] = ' ';
            }
        } else {
            out[n++] = *p;
        }
    }
    while (n > 0 && out[n - 1] == ' ') {
        n--;
    }
    if (n > 0) {
        out[n] = '\0';
    }
}

static int
scan_file(const char *fpath, const struct stat *st, int type,
    struct FTW *ftw)
{
    const char  *rel = fpath + scan.root_len;
    const char  *base = fpath + ftw->base;
    char         url[LEAD_PATH_MAX + 2], title[LEAD_TITLE_MAX + 1];
    char       **grown;
    size_t       len;

    (void) st;

    if (ftw->level > 0 && base[0] == '.') {
        return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
    }
    if (type != FTW_F) {
        return FTW_CONTINUE;
    }

    /* a directory's index file is read at the directory's URL */
    len = strlen(rel);
    if (len >= 10 && strcmp(rel + len - 10, "index.html") == 0
        && (len == 10 || rel[len - 11] == '/'))
    {
        len -= 10;
    }
    if (len + 2 > sizeof(url)) {
        return FTW_CONTINUE;
    }
    url[0] = '/';
    memcpy(url + 1, rel[0] == '/' ? rel + 1 : rel, len);
    len = rel[0] == '/' ? len : len + 1;
    url[len] = '\0';

    if (lead_rules_match(scan.rules, url, len) != NULL) {
        return FTW_CONTINUE;
    }

    if (scan.n == scan.cap) {
        scan.cap = scan.cap ? scan.cap * 2 : 64;
        grown = realloc(scan.paths, scan.cap * sizeof(char *));
        if (grown == NULL) {
            scan.oom = 1;
            return FTW_STOP;
        }
        scan.paths = grown;
    }
    /* "url" NUL "title": sorted by url, printed as two fields */
    file_title(fpath, base, title, sizeof(title));
    scan.paths[scan.n] = malloc(len + 1 + strlen(title) + 1);
    if (scan.paths[scan.n] != NULL) {
        memcpy(scan.paths[scan.n], url, len + 1);
        strcpy(scan.paths[scan.n] + len + 1, title);
    }
    if (scan.paths[scan.n] == NULL) {
        scan.oom = 1;
        return FTW_STOP;
    }
    scan.n++;
    return FTW_CONTINUE;
}

static int
path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
cmd_rules_scan(ctl *c, lead_store *s)
{
    lead_rules  *r;
    char         err[1024], root[4096];
    size_t       i;
    int          rc = 0;

    (void) s;

    if (c->rules == NULL) {
        fprintf(stderr, "leadctl: rules scan needs --rules DIR\n");
        return EXIT_USAGE;
    }
    if (lead_rules_load(&r, c->rules, err, sizeof(err)) != LEAD_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    snprintf(root, sizeof(root), "%s", c->args[0]);
    while (strlen(root) > 1 && root[strlen(root) - 1] == '/') {
        root[strlen(root) - 1] = '\0';
    }

    memset(&scan, 0, sizeof(scan));
    scan.rules = r;
    scan.root_len = strlen(root);

    if (nftw(root, scan_file, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0
        || scan.oom)
    {
        fprintf(stderr, "leadctl: cannot scan \"%s\"%s\n", root,
                scan.oom ? ": out of memory" : "");
        rc = scan.oom ? 1 : EXIT_USAGE;
    }

    if (rc == 0) {
        lead_buf  out;

        qsort(scan.paths, scan.n, sizeof(char *), path_cmp);

        memset(&out, 0, sizeof(out));
        lead_buf_puts(&out, "path,title,stage,points,topic,flags\n");
        for (i = 0; i < scan.n; i++) {
            const char  *title = scan.paths[i] + strlen(scan.paths[i]) + 1;

            lead_buf_csv(&out, scan.paths[i], strlen(scan.paths[i]));
            lead_buf_puts(&out, ",");
            lead_buf_csv(&out, title, strlen(title));
            lead_buf_puts(&out, ",,,,\n");
        }
        rc = print_buf(&out);
    }

    for (i = 0; i < scan.n; i++) {
        free(scan.paths[i]);
    }
    free(scan.paths);
    lead_rules_free(r);
    return rc;
}


typedef struct {
    const char  *name;
    unsigned     commands;     /* the OPT_ bits of commands taking it */
    size_t       field;        /* where in ctl its value goes */
} option;

static const option  options[] = {
    { "--store", ~0u, offsetof(ctl, store) },
    { "--rules", OPT_RULES | OPT_MODEL, offsetof(ctl, rules) },
    { "--now", OPT_MODEL | OPT_SALES | OPT_PURGE | OPT_ATTRIB | OPT_INGEST,
      offsetof(ctl, now) },
    { "--status", OPT_MODEL, offsetof(ctl, status) },
    { "--stage", OPT_MODEL, offsetof(ctl, stage) },
    { "--topic", OPT_MODEL, offsetof(ctl, topic) },
    { "--cell", OPT_MODEL, offsetof(ctl, cell) },
    { "--search", OPT_MODEL, offsetof(ctl, search) },
    { "--sort", OPT_MODEL, offsetof(ctl, sort) },
    { "--limit", OPT_MODEL | OPT_EVENTS, offsetof(ctl, limit) },
    { "--lead", OPT_EVENTS, offsetof(ctl, lead) },
    { "--owner", OPT_MODEL, offsetof(ctl, owner) },
    { "--only", OPT_MODEL, offsetof(ctl, only) },
    { "--reason", OPT_SALES, offsetof(ctl, reason) },
    { "--by", OPT_SALES, offsetof(ctl, by) },
    { "--amount", OPT_SALES, offsetof(ctl, amount) },
    { "--currency", OPT_SALES, offsetof(ctl, currency) },
    { "--at", OPT_SALES, offsetof(ctl, at) },
    { "--name", OPT_ADD, offsetof(ctl, name) },
    { "--source", OPT_ADD, offsetof(ctl, source) },
    { "--anonymous-older-than", OPT_PURGE, offsetof(ctl, older) },
    { "--by", OPT_ATTRIB, offsetof(ctl, group_by) },
    { "--model", OPT_ATTRIB, offsetof(ctl, model) },
    { "--since", OPT_ATTRIB | OPT_EXPORT | OPT_EVENTS, offsetof(ctl, since) },
    { "--until", OPT_EXPORT | OPT_EVENTS, offsetof(ctl, until) },
    { "--node", OPT_EXPORT, offsetof(ctl, node) },
    { "--format", OPT_INGEST, offsetof(ctl, format) },
    { "--map", OPT_INGEST, offsetof(ctl, map) },
    { "--batch", OPT_INGEST, offsetof(ctl, batch) },
    { NULL, 0, 0 }
};

/* --store goes anywhere; the others after a command that takes them */
static const option *
find_option(const char *arg, const command *cmd)
{
    const option  *o;

    for (o = options; o->name; o++) {
        if (strcmp(arg, o->name) == 0
            && (o->commands == ~0u || (cmd && (cmd->opts & o->commands))))
        {
            return o;
        }
    }
    return NULL;
}

/*
 * --now: "2026-12-24T09:30:00Z", "2026-12-24", or an offset from the
 * clock such as "+30d", "-12h", "+90m", "+45s".
 */
static int
parse_now(const char *s, uint64_t *ms)
{
    struct timespec  ts;
    struct tm        tm;
    char            *end;
    long long        n, unit;
    time_t           t;
    int              frac;

    clock_gettime(CLOCK_REALTIME, &ts);
    *ms = (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;

    if (s == NULL || strcmp(s, "now") == 0) {
        return 0;
    }

    if (s[0] == '+' || s[0] == '-') {
        n = strtoll(s + 1, &end, 10);
        unit = *end == 'd' ? 86400000LL : *end == 'h' ? 3600000LL
               : *end == 'm' ? 60000LL : *end == 's' ? 1000LL : 0;
        if (end == s + 1 || unit == 0 || end[1] != '\0' || n > 36500LL * 24
            * 3600)
        {
            return -1;
        }
        *ms = s[0] == '+' ? *ms + (uint64_t) (n * unit)
                          : *ms - (uint64_t) (n * unit);
        return 0;
    }

    memset(&tm, 0, sizeof(tm));
    frac = 0;
    end = strptime(s, "%Y-%m-%d", &tm);
    if (end != NULL && *end == 'T') {
        end = strptime(end + 1, "%H:%M:%S", &tm);
        /* milliseconds, as events and export write times */
        if (end != NULL && end[0] == '.' && isdigit((unsigned char) end[1])
            && isdigit((unsigned char) end[2])
            && isdigit((unsigned char) end[3]))
        {
            frac = (end[1] - '0') * 100 + (end[2] - '0') * 10 + end[3] - '0';
            end += 4;
        }
        if (end != NULL && *end == 'Z') {
            end++;
        }
    }
    if (end == NULL || *end != '\0') {
        return -1;
    }

    t = timegm(&tm);
    *ms = (uint64_t) t * 1000 + (uint64_t) frac;
    return 0;
}

static const command *
find_command(int argc, char **argv, int *i)
{
    const command  *cmd;
    char            name[64];

    snprintf(name, sizeof(name), "%s", argv[*i]);
    if (strcmp(name, "rules") == 0) {
        /* "rules" alone or with --help: the two rules commands */
        if (*i + 1 == argc || argv[*i + 1][0] == '-') {
            if (*i + 1 < argc && (strcmp(argv[*i + 1], "--help") == 0
                                  || strcmp(argv[*i + 1], "-h") == 0))
            {
                rules_usage(stdout);
                exit(0);
            }
            rules_usage(stderr);
            exit(EXIT_USAGE);
        }
        snprintf(name, sizeof(name), "rules %s", argv[++*i]);
    }

    for (cmd = commands; cmd->name; cmd++) {
        if (strcmp(cmd->name, name) == 0) {
            return cmd;
        }
    }

    fprintf(stderr, "leadctl: unknown command \"%s\"\n\n", name);
    usage(stderr);
    return NULL;
}

int
main(int argc, char **argv)
{
    ctl              c;
    const command   *cmd = NULL;
    const option    *opt;
    lead_store      *s = NULL;
    lead_store_opts  opts = { 0, 1, 1, 0 };
    char             err[512];
    uint64_t         given = 0;
    const char     **value;
    int              i, rc;

    memset(&c, 0, sizeof(c));
    c.store = getenv("LEAD_STORE");

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            if (cmd) {
                command_help(stdout, cmd);
            } else {
                usage(stdout);
            }
            return 0;

        } else if (strcmp(argv[i], "--man") == 0 && cmd == NULL) {
            man_page(stdout);        /* leadctl(1), for the packages */
            return 0;

        } else if ((opt = find_option(argv[i], cmd)) != NULL) {
            if (i + 1 == argc) {
                fprintf(stderr, "leadctl: %s needs a value\n", argv[i]);
                return EXIT_USAGE;
            }
            value = (const char **) ((char *) &c + opt->field);
            /* the same option twice: which one was meant? */
            if ((given & (UINT64_C(1) << (opt - options)))
                && strcmp(*value, argv[i + 1]) != 0)
            {
                fprintf(stderr, "leadctl: %s is given twice (\"%s\" and "
                        "\"%s\"): give it once\n", argv[i], *value,
                        argv[i + 1]);
                return EXIT_USAGE;
            }
            given |= UINT64_C(1) << (opt - options);
            *value = argv[++i];

        } else if (strcmp(argv[i], "--json") == 0 && cmd
                   && (cmd->opts & OPT_JSON))
        {
            c.json = 1;

        } else if (strcmp(argv[i], "--csv") == 0 && cmd
                   && (cmd->opts & OPT_CSV))
        {
            c.csv = 1;

        } else if (strcmp(argv[i], "--confirm") == 0 && cmd
                   && (cmd->opts & OPT_INGEST))
        {
            c.confirm = 1;

        } else if (cmd && (cmd->opts & OPT_INGEST)
                   && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
        {
            if (c.files == NULL
                && (c.files = calloc((size_t) argc, sizeof(char *))) == NULL)
            {
                return 1;
            }
            c.files[c.nfiles++] = argv[i];

        } else if (cmd == NULL && argv[i][0] != '-') {
            cmd = find_command(argc, argv, &i);
            if (cmd == NULL) {
                return EXIT_USAGE;
            }

        } else if (cmd && argv[i][0] != '-' && c.nargs < cmd->nargs) {
            c.args[c.nargs++] = argv[i];

        } else if (cmd) {
            fprintf(stderr, "leadctl: unexpected \"%s\"\nusage: %.*s\n"
                    "'leadctl %s --help' says more.\n", argv[i],
                    (int) strcspn(cmd->usage, "\n"), cmd->usage, cmd->name);
            return EXIT_USAGE;

        } else {
            fprintf(stderr, "leadctl: unexpected \"%s\"\n\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }

    if (cmd == NULL) {
        usage(stderr);
        return EXIT_USAGE;
    }

    if (c.nargs < cmd->nargs) {
        fprintf(stderr, "usage: %.*s\n", (int) strcspn(cmd->usage, "\n"),
                cmd->usage);
        return EXIT_USAGE;
    }

    /* options that contradict each other: refused, never one picked */
    if (c.json && c.csv) {
        fprintf(stderr, "leadctl: --json and --csv contradict each other: "
                "choose one\n");
        return EXIT_USAGE;
    }
    if (c.json && c.confirm) {
        fprintf(stderr, "leadctl: --confirm writes rsyslog's answers to "
                "standard output, --json a summary: choose one\n");
        return EXIT_USAGE;
    }

    if (parse_now(c.now, &c.now_ms) != 0) {
        fprintf(stderr, "leadctl: --now takes an ISO 8601 time "
                "(2026-12-24T09:30:00Z, 2026-12-24) or an offset from now "
                "(+30d, -12h, +90m)\n");
        return EXIT_USAGE;
    }
    c.at_ms = c.now_ms;
    if (c.at && parse_now(c.at, &c.at_ms) != 0) {
        fprintf(stderr, "leadctl: --at takes a time as --now does\n");
        return EXIT_USAGE;
    }
    if (c.since && parse_now(c.since, &c.since_ms) != 0) {
        fprintf(stderr, "leadctl: --since takes a time as --now does\n");
        return EXIT_USAGE;
    }
    if (c.until && parse_now(c.until, &c.until_ms) != 0) {
        fprintf(stderr, "leadctl: --until takes a time as --now does\n");
        return EXIT_USAGE;
    }
    if (c.since && c.until && c.since_ms >= c.until_ms) {
        fprintf(stderr, "leadctl: --since %s is not before --until %s: "
                "nothing is between them\n", c.since, c.until);
        return EXIT_USAGE;
    }

    /* sales decisions and the data lifecycle write */
    opts.read_only = (cmd->opts & (OPT_SALES | OPT_WRITE)) == 0;
    opts.existing = (cmd->opts & OPT_INGEST) == 0;

    if (cmd->opts & (OPT_STORE | OPT_CHECK)) {
        if (c.store == NULL || c.store[0] == '\0') {
            fprintf(stderr, "leadctl: no store: use --store DIR or set "
                            "LEAD_STORE\n");
            return EXIT_USAGE;
        }
    }

    if (cmd->opts & OPT_STORE) {
        /* damage would crash LMDB here: it is looked for in a child first */
        rc = lead_store_verify(c.store, 1, err, sizeof(err));
        if (rc != LEAD_OK && rc != LEAD_ENOSTORE) {
            fprintf(stderr, "leadctl: store \"%s\" %s: %s\n", c.store,
                    rc == LEAD_EDAMAGED ? "is damaged" : "cannot be checked",
                    err);
            return 1;
        }

        rc = lead_store_open(&s, c.store, &opts, err, sizeof(err));
        if (rc != LEAD_OK) {
            fprintf(stderr, "leadctl: %s\n", err);
            return rc == LEAD_ENOSTORE ? EXIT_USAGE : 1;
        }
    }

    c.report = cmd->report;
    c.command = cmd->name;
    rc = cmd->run(&c, s);
    lead_store_close(s);
    return rc;
}
