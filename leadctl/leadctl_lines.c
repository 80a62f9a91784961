/*
 * leadctl export and ingest: a store as lines of JSON (or CSV), and lines
 * from any number of nodes, or a CRM's CSV, into a store.
 */

#define _GNU_SOURCE            /* memrchr */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lead.h"
#include "lead_line.h"

#include "leadctl.h"

#define EXPORT_FLUSH   (1 << 16)      /* bytes of lines written at once */
#define INGEST_READ    (1 << 20)      /* bytes read at once */
#define INGEST_BATCH   1000000        /* lines a transaction by default, */
                                      /* or fewer: 64 MiB of them as kept */
#define INGEST_TOLD    10             /* malformed lines reported */

#define LEAD_LINE_MAX_STR(n)  #n
#define LEAD_LINE_MAX_XSTR(n) LEAD_LINE_MAX_STR(n)
#define LEAD_LINE_MAX_TEXT    LEAD_LINE_MAX_XSTR(LEAD_LINE_MAX)

/* rsyslog omprog's marks around a batch (useTransactions="on") */
#define MARK_BEGIN     "BEGIN TRANSACTION"
#define MARK_COMMIT    "COMMIT TRANSACTION"

/* ---- export ------------------------------------------------------------ */

typedef struct {
    lead_buf     out;
    lead_str     node;
    int          csv;
    int          failed;
} export_out;

static int
export_line(void *arg, const lead_line *l)
{
    export_out  *x = arg;
    lead_line    copy = *l;

    copy.node = x->node;
    if (x->csv) {
        lead_line_csv(&x->out, &copy);
    } else {
        lead_line_json(&x->out, &copy);
    }
    lead_buf_puts(&x->out, "\n");
    progress_add(1);

    if (x->out.oom) {
        x->failed = 1;
        return 1;
    }
    if (x->out.len >= EXPORT_FLUSH) {
        if (fwrite(x->out.data, 1, x->out.len, stdout) != x->out.len) {
            x->failed = 1;
            return 1;
        }
        x->out.len = 0;
    }
    return 0;
}

int
cmd_export(ctl *c, lead_store *s)
{
    export_out  x;
    char        host[256];
    int         rc;

    if (c->json && c->csv) {
        fprintf(stderr, "leadctl: export takes --json or --csv, not both\n");
        return EXIT_USAGE;
    }
    if (c->until && c->until_ms <= c->since_ms) {
        fprintf(stderr, "leadctl: --until must come after --since\n");
        return EXIT_USAGE;
    }

    memset(&x, 0, sizeof(x));
    x.csv = c->csv;
    if (c->node) {
        x.node.data = c->node;
        x.node.len = strlen(c->node);
    } else if (gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        x.node.data = host;
        x.node.len = strlen(host);
    }

    if (x.csv) {
        lead_line_csv_header(&x.out);
        lead_buf_puts(&x.out, "\n");
    }

    progress_start("export", "lines", 1);
    rc = lead_store_each_line(s, c->since_ms, c->until ? c->until_ms : 0,
                              export_line, &x);
    progress_stop();
    if (rc == LEAD_OK && !x.failed && x.out.len
        && fwrite(x.out.data, 1, x.out.len, stdout) != x.out.len)
    {
        x.failed = 1;
    }
    lead_buf_free(&x.out);

    if (fflush(stdout) != 0 || x.failed) {
        fprintf(stderr, "leadctl: cannot write the lines\n");
        return 1;
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", lead_store_errmsg(s));
        return 1;
    }
    return 0;
}

/* ---- ingest ------------------------------------------------------------ */

typedef struct {
    ctl               *c;
    lead_store        *s;
    lead_ingest       *in;
    lead_line_parser  *parser;
    int                csv;
    int                confirm;
    size_t             batch;

    const char        *file;        /* the one being read, for people */
    uint64_t           lineno;      /* of the line being read */
    int                header;      /* a CSV's header row still to come */
    int                in_mark;     /* between omprog's transaction marks */

    /* where each pending line came from, to tell a refusal's */
    const char       **where;
    uint64_t          *lines;
    size_t             unconfirmed; /* lines read since the last OK */
    lead_buf           rec;         /* a CSV record over several lines */
    parse_pool        *pool;        /* JSON parsed on threads, or NULL */

    uint64_t           read, malformed, blank;
    lead_ingested      total;
    unsigned           told_malformed, told_refused;
    int                failed;      /* a store error: stop, confirm no more */
} ingest_run;

static int
confirm(const char *word, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (fputs(word, stdout) == EOF || putc('\n', stdout) == EOF) {
            return -1;
        }
    }
    return fflush(stdout) == 0 ? 0 : -1;
}

static int
told_refused(void *arg, size_t index, const char *why)
{
    ingest_run  *r = arg;

    if (r->told_refused++ < INGEST_TOLD && index < r->batch) {
        progress_say("%s:%" PRIu64 ": refused: %s\n", r->where[index],
                r->lines[index], why);
    }
    return 0;
}

/* The pending lines in one transaction; then the lines read so far are
   confirmed (--confirm): each is committed, counted or refused. */
static int
commit(ingest_run *r)
{
    lead_ingested  done;
    int            rc;

    if (lead_ingest_pending(r->in) > 0) {
        memset(&done, 0, sizeof(done));
        rc = lead_ingest_commit(r->in, r->c->now_ms, &done, told_refused, r);
        if (rc != LEAD_OK) {
            progress_say("leadctl: ingest: %s\n", lead_store_errmsg(r->s));
            r->failed = 1;
            return -1;
        }
        progress_add(done.applied + done.duplicates + done.refused);
        r->total.applied += done.applied;
        r->total.duplicates += done.duplicates;
        r->total.refused += done.refused;
    }

    if (r->confirm && r->unconfirmed && !r->in_mark) {
        if (confirm("OK", r->unconfirmed) != 0) {
            r->failed = 1;
            return -1;
        }
        r->unconfirmed = 0;
    }
    return 0;
}

static void
malformed(ingest_run *r, const char *why)
{
    r->malformed++;
    if (r->told_malformed++ < INGEST_TOLD) {
        progress_say("%s:%" PRIu64 ": %s\n", r->file, r->lineno, why);
    }
}

#define TOO_LONG  "a line longer than " LEAD_LINE_MAX_TEXT " bytes"

static int
add(ingest_run *r, const lead_line *l)
{
    size_t  at = lead_ingest_pending(r->in);
    int     rc;

    if (at >= r->batch) {
        if (commit(r) != 0) {
            return -1;
        }
        at = 0;
    }

    rc = lead_ingest_add(r->in, l);
    if (rc == LEAD_EBATCHFULL) {
        if (commit(r) != 0) {
            return -1;
        }
        at = 0;
        rc = lead_ingest_add(r->in, l);
    }
    if (rc == LEAD_EINVAL) {
        malformed(r, "not a line a store takes");
        return 0;
    }
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: ingest: out of memory\n");
        r->failed = 1;
        return -1;
    }

    r->where[at] = r->file;
    r->lines[at] = r->lineno;
    return 0;
}

/* One line, without its newline: a mark, the header, or a line to add. */
static int
line(ingest_run *r, char *text, size_t len)
{
    lead_line  l;
    char       err[256];
    size_t     i;
    int        rc;

    r->lineno++;
    if (r->pool) {
        return parse_pool_line(r->pool, r->file, r->lineno, text, len)
               ? -1 : 0;
    }
    if (len && text[len - 1] == '\r') {
        len--;
    }

    if (r->confirm) {
        /* rsyslog's transaction marks: OK to each, DEFER_COMMIT between */
        if (len == sizeof(MARK_BEGIN) - 1
            && memcmp(text, MARK_BEGIN, len) == 0)
        {
            r->lineno--;
            if (commit(r) != 0) {
                return -1;
            }
            r->in_mark = 1;
            return confirm("OK", 1);
        }
        if (len == sizeof(MARK_COMMIT) - 1
            && memcmp(text, MARK_COMMIT, len) == 0)
        {
            r->lineno--;
            r->in_mark = 0;
            r->unconfirmed = 0;     /* each had its DEFER_COMMIT */
            if (commit(r) != 0) {
                return -1;
            }
            return confirm("OK", 1);
        }
        if (r->in_mark) {
            if (confirm("DEFER_COMMIT", 1) != 0) {
                return -1;
            }
        } else {
            r->unconfirmed++;
        }
    }

    if (len > LEAD_LINE_MAX || r->rec.len + len > LEAD_LINE_MAX) {
        r->read++;
        r->rec.len = 0;
        malformed(r, TOO_LONG);
        return 0;
    }
    if (memchr(text, '\0', len) != NULL) {
        r->read++;
        r->rec.len = 0;
        malformed(r, "a NUL byte in the line");
        return 0;
    }

    if (r->csv && (r->rec.len || lead_line_csv_open(text, len))) {
        /* a quoted field goes on at the next line: one record */
        lead_buf_printf(&r->rec, "%s%.*s", r->rec.len ? "\n" : "",
                        (int) len, text);
        if (r->rec.oom) {
            fprintf(stderr, "leadctl: ingest: out of memory\n");
            r->failed = 1;
            return -1;
        }
        if (lead_line_csv_open(r->rec.data, r->rec.len)) {
            return 0;
        }
        r->rec.len = 0;
        text = r->rec.data;
        len = strlen(text);
    }

    for (i = 0; i < len && (text[i] == ' ' || text[i] == '\t'); i++) {
        /* void */
    }
    if (i == len) {
        r->blank++;
        return 0;
    }

    if (r->header) {
        r->header = 0;
        rc = lead_line_csv_columns(r->parser, text, len, r->c->map, err,
                                   sizeof(err));
        if (rc != LEAD_OK) {
            progress_say("%s:%" PRIu64 ": %s\n", r->file, r->lineno, err);
            return -2;
        }
        return 0;
    }

    r->read++;
    rc = r->csv ? lead_line_parse_csv(r->parser, text, len, &l, err,
                                      sizeof(err))
                : lead_line_parse(r->parser, text, len, &l, err, sizeof(err));
    if (rc == LEAD_ENOTFOUND) {
        r->read--;
        r->blank++;             /* nothing in it: an empty CSV row */
        return 0;
    }
    if (rc != LEAD_OK) {
        malformed(r, err[0] ? err : "not a line");
        return 0;
    }
    return add(r, &l);
}

/* 1 when more input is ready on fd now. */
static int
ready(int fd)
{
    struct pollfd  p = { fd, POLLIN, 0 };

    return poll(&p, 1, 0) > 0;
}

/*
 * A file's lines, of any length up to LEAD_LINE_MAX (a longer one is
 * malformed: skipped to its newline).  With --confirm, whatever was read
 * is committed and confirmed as soon as no more input is ready.
 */
static int
ingest_fd(ingest_run *r, int fd, char *buf)
{
    size_t   start = 0, end = 0;
    ssize_t  n;
    char    *nl;
    int      skipping = 0, rc;

    r->lineno = 0;
    r->header = r->csv;

    for ( ;; ) {
        while ((nl = memchr(buf + start, '\n', end - start)) != NULL) {
            if (skipping && r->pool) {
                skipping = 0;
                if (parse_pool_line(r->pool, r->file, ++r->lineno, NULL,
                                    LEAD_LINE_MAX + 1) != 0)
                {
                    return -1;
                }
            } else if (skipping) {
                skipping = 0;
                r->lineno++;
                r->read++;
                if (r->confirm && !r->in_mark) {
                    r->unconfirmed++;
                }
                malformed(r, TOO_LONG);
                if (r->confirm && r->in_mark
                    && confirm("DEFER_COMMIT", 1) != 0)
                {
                    return -1;
                }
            } else {
                rc = line(r, buf + start, (size_t) (nl - buf - start));
                if (rc != 0) {
                    return rc;
                }
            }
            start = (size_t) (nl - buf) + 1;
        }

        if (end - start > LEAD_LINE_MAX) {
            skipping = 1;           /* no newline within the longest line */
            start = end = 0;
        } else if (start > 0) {
            memmove(buf, buf + start, end - start);
            end -= start;
            start = 0;
        }

        if (r->confirm && !ready(fd) && commit(r) != 0) {
            return -1;
        }

        n = read(fd, buf + end, INGEST_READ - end);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            progress_say("leadctl: %s: %s\n", r->file, strerror(errno));
            return -2;
        }
        if (n == 0) {
            break;
        }
        end += (size_t) n;
    }

    /* the last line, without its newline */
    if (skipping && r->pool) {
        if (parse_pool_line(r->pool, r->file, ++r->lineno, NULL,
                            LEAD_LINE_MAX + 1) != 0)
        {
            return -1;
        }
    } else if (skipping) {
        r->lineno++;
        r->read++;
        r->unconfirmed += r->confirm;
        malformed(r, TOO_LONG);
    } else if (end > start) {
        rc = line(r, buf + start, end - start);
        if (rc != 0) {
            return rc;
        }
    }
    if (r->rec.len) {
        r->rec.len = 0;
        r->read++;
        malformed(r, "a quoted field not closed at the end");
    }
    return 0;
}

/* A line parsed on a thread, back in its place. */
static int
parsed(void *arg, const char *file, uint64_t lineno, int rc,
    const lead_line *l, const char *why)
{
    ingest_run  *r = arg;

    r->file = file;
    r->lineno = lineno;
    if (rc == LEAD_ENOTFOUND) {
        r->blank++;
        return 0;
    }
    r->read++;
    if (rc != LEAD_OK) {
        malformed(r, why);
        return 0;
    }
    return add(r, l);
}

static void
summary(ingest_run *r, FILE *f, int json)
{
    char  n[5][32];

    if (json) {
        fprintf(f, "{\"lines\":%" PRIu64 ",\"applied\":%zu,\"duplicates\":%zu"
                ",\"refused\":%zu,\"malformed\":%" PRIu64 "}\n", r->read,
                r->total.applied, r->total.duplicates, r->total.refused,
                r->malformed);
        return;
    }
    fprintf(f, "leadctl: ingest: %s lines: %s applied, %s duplicates, %s "
            "refused, %s malformed\n", lead_format_count(r->read, n[0]),
            lead_format_count(r->total.applied, n[1]),
            lead_format_count(r->total.duplicates, n[2]),
            lead_format_count(r->total.refused, n[3]),
            lead_format_count(r->malformed, n[4]));
}

int
cmd_ingest(ctl *c, lead_store *s)
{
    ingest_run   r;
    lead_rules  *rules = NULL;
    char         err[512], *buf = NULL;
    const char  *stdin_only[] = { "-" };
    const char **files;
    size_t       nfiles, i;
    long         ncpu;
    int          rc = 0, fd;

    memset(&r, 0, sizeof(r));
    r.c = c;
    r.s = s;
    r.confirm = c->confirm;
    r.batch = INGEST_BATCH;

    if (c->format && strcmp(c->format, "csv") == 0) {
        r.csv = 1;
    } else if (c->format && strcmp(c->format, "json") != 0) {
        fprintf(stderr, "leadctl: --format takes json or csv\n");
        return EXIT_USAGE;
    }
    if (c->map && !r.csv) {
        fprintf(stderr, "leadctl: --map is for --format csv\n");
        return EXIT_USAGE;
    }
    if (c->batch) {
        uint64_t  n;

        if (count_option("--batch", c->batch, 10000000, &n) != 0) {
            return EXIT_USAGE;
        }
        r.batch = (size_t) n;
    }

    rc = c->rules ? lead_rules_load(&rules, c->rules, err, sizeof(err))
                  : lead_store_rules(s, &rules, err, sizeof(err));
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: %s\n", err);
        return c->rules ? EXIT_USAGE : 1;
    }

    /* the rules' titles for the assets the reads name, as nginx keeps */
    if (c->rules && lead_store_put_assets(s, rules) != LEAD_OK) {
        fprintf(stderr, "leadctl: ingest: %s\n", lead_store_errmsg(s));
        lead_rules_free(rules);
        return 1;
    }

    files = c->nfiles ? c->files : stdin_only;
    nfiles = c->nfiles ? (size_t) c->nfiles : 1;

    r.parser = lead_line_parser_new();
    buf = malloc(INGEST_READ);
    r.where = calloc(r.batch, sizeof(*r.where));
    r.lines = calloc(r.batch, sizeof(*r.lines));
    rc = r.parser && buf && r.where && r.lines
         ? lead_ingest_new(&r.in, s, rules) : LEAD_ENOMEM;
    if (rc != LEAD_OK) {
        fprintf(stderr, "leadctl: ingest: %s\n", rc == LEAD_ENOMEM
                ? "out of memory" : lead_store_errmsg(s));
        rc = 1;
        goto done;
    }

    /* JSON from files: parsing is most of the work, on every core */
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (!r.csv && !r.confirm && ncpu > 1) {
        r.pool = parse_pool_new((unsigned) ncpu, parsed, &r);
    }

    /* omprog waits for this before it sends the first line */
    if (r.confirm && confirm("OK", 1) != 0) {
        rc = 1;
        goto done;
    }

    progress_start("ingest", "lines", r.confirm);
    for (i = 0; i < nfiles && rc == 0; i++) {
        if (strcmp(files[i], "-") == 0) {
            fd = 0;
            r.file = "stdin";
        } else {
            fd = open(files[i], O_RDONLY | O_CLOEXEC);
            r.file = files[i];
            if (fd < 0) {
                fprintf(stderr, "leadctl: %s: %s\n", files[i],
                        strerror(errno));
                rc = EXIT_USAGE;
                break;
            }
        }
        rc = ingest_fd(&r, fd, buf);
        if (fd != 0) {
            close(fd);
        }
        if (rc == -2) {
            rc = EXIT_USAGE;
        }
    }

    if (rc == 0 && r.pool && parse_pool_finish(r.pool) != 0) {
        rc = -1;
    }
    if (rc == 0) {
        rc = commit(&r);
    }
    rc = r.failed ? 1 : rc < 0 ? 1 : rc;
    progress_stop();

    summary(&r, stderr, 0);
    if (c->json) {
        summary(&r, r.confirm ? stderr : stdout, 1);
    }

done:
    parse_pool_free(r.pool);
    lead_ingest_free(r.in);
    lead_line_parser_free(r.parser);
    lead_rules_free(rules);
    free(r.where);
    free(r.lines);
    free(buf);
    lead_buf_free(&r.rec);
    return rc;
}
