/*
 * leadctl: reads and manages the store that the nginx module writes.
 * Only the public API of lead.h is used here.
 */

#define _GNU_SOURCE            /* strptime(), timegm() */

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

#include "lead.h"
#include "lead_scan.h"
#include "lead_threads.h"

#include "leadctl.h"

/* ---- rules ------------------------------------------------------------- */

static int
cmd_rules_check(ctl *c, lead_store *s)
{
    lead_rules  *r;
    char         err[8192];
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

/*
 * Content files no rule matches (with --rules; without, all of them) as
 * assets.csv rows; --include and --exclude GLOB pick by the path below
 * CONTENT_DIR.
 */
static int
cmd_rules_scan(ctl *c, lead_store *s)
{
    lead_scan_opts  o;
    lead_rules     *r = NULL;
    lead_buf        out;
    char            err[8192];
    int             rc;

    (void) s;

    if (c->rules != NULL
        && lead_rules_load(&r, c->rules, err, sizeof(err)) != LEAD_OK)
    {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    memset(&o, 0, sizeof(o));
    o.rules = r;
    o.include = c->include;
    o.ninclude = c->ninclude;
    o.exclude = c->exclude;
    o.nexclude = c->nexclude;

    memset(&out, 0, sizeof(out));
    rc = lead_scan(c->args[0], &o, &out, err, sizeof(err));
    lead_rules_free(r);

    if (rc != LEAD_OK) {
        lead_buf_free(&out);
        fprintf(stderr, "leadctl: rules scan: %s\n", err);
        return rc == LEAD_ENOMEM ? 1 : EXIT_USAGE;
    }
    return print_buf(&out);
}


static const command  commands[] = {
    { "events", OPT_STORE | OPT_JSON | OPT_EVENTS, 0,
      "list recorded events, oldest first",
      "leadctl [--store DIR] events [--since TIME] [--until TIME]\n"
      "        [--lead EMAIL|ID] [--limit N] [--json]\n\n"
      "Lists recorded events, oldest first (in the order stored when two\n"
      "share a millisecond): time (UTC), visitor, HTTP status, bytes sent /\n"
      "file size, user-agent class, path, the asset's stage, topic and\n"
      "points when it was read, byte ranges, referrer host and\n"
      "utm_source/medium/campaign; a rating (feedback on content) its\n"
      "rating and comment.  --since and --until (not included) take\n"
      "times as --now does; --lead keeps the reads of one lead's devices;\n"
      "--limit stops after N rows.  Rows are written as they are read, in\n"
      "one snapshot: memory stays small however long the log.\n",
      cmd_events, 0 },
    { "visitors", OPT_STORE | OPT_JSON, 0,
      "list visitors with event counts, first and last seen",
      "leadctl [--store DIR] visitors [--json]\n\n"
      "Lists every visitor id with its number of events and the times of\n"
      "its first and last recorded event, by visitor id.\n",
      cmd_visitors, 0 },
    { "assets", OPT_STORE | OPT_JSON | OPT_CSV | OPT_FEEDBACK, 0,
      "list tagged assets and how often people and bots read them",
      "leadctl [--store DIR] assets [--feedback] [--json|--csv]\n\n"
      "Lists every asset rule events were recorded under, with reads by\n"
      "people and by bots, and the reads of untagged content: most read by\n"
      "people first, then by path.  --feedback (and --csv, which always\n"
      "has them) adds what people said of each: the number of ratings\n"
      "(each visitor's newest counts), their average out of 5, how many\n"
      "came with a comment, and sales' notes on it; --json adds the\n"
      "distribution of 1 to 5 and the latest 5 comments.\n",
      cmd_report, LEAD_REPORT_ASSETS },
    { "feedback", OPT_STORE | OPT_JSON, 1,
      "one asset's ratings, comments and sales' notes",
      "leadctl [--store DIR] feedback ASSET [--json]\n\n"
      "Shows what people said of ASSET (its path as in assets.csv, or its\n"
      "16 hex digits): the number of ratings and their average, how many\n"
      "gave each of 1 to 5, every comment newest first with who wrote it\n"
      "(the lead's name or e-mail, else \"a visitor\"), and the notes\n"
      "sales took on it, newest first, with who took them and the lead's\n"
      "page they were taken on.  A visitor's newest rating of an asset\n"
      "replaces its older ones; the sales view's asset page shows it too.\n",
      cmd_report, LEAD_REPORT_FEEDBACK },
    { "notices", OPT_STORE | OPT_JSON, 0,
      "notices waiting to reach sales or leads, and those that failed",
      "leadctl [--store DIR] notices [--json]\n\n"
      "Lists the notices (mql, returned, confirm) the store holds: created,\n"
      "the next try or \"failed\" (refused 10 times, kept until the lead is\n"
      "forgotten), tries, the lead's e-mail, the receiver's last status and\n"
      "the cause or reason: the next due first, those that failed last.  A\n"
      "notice leaves the store once it is sent.\n",
      cmd_report, LEAD_REPORT_NOTICES },
    { "leads", OPT_STORE | OPT_JSON | OPT_CSV | OPT_MODEL, 0,
      "identified leads ranked by engagement: who to call",
      "leadctl [--store DIR] leads [--status S] [--stage S] [--topic T]\n"
      "        [--cell A1|A|1] [--search TEXT] [--sort score|recent|name]\n"
      "        [--owner NAME] [--only overdue,unassigned,calls]\n"
      "        [--limit N] [--json|--csv] [--now TIME]\n\n"
      "Lists identified leads, MQLs that asked for a call first, then\n"
      "hottest first: score (engagement decayed to now), matrix cell (grade\n"
      "A-D and band 1-4), status, buying stage, e-mail, name and the top of\n"
      "their hot content; then, in brackets, what to do next: how long an\n"
      "MQL has waited (at --now), overdue past accept_within, asked for a\n"
      "call, its owner.  The filters are the sales view's: status, buying\n"
      "stage, a topic read or subscribed to, a cell (or a grade or band\n"
      "alone), text in the name or e-mail, an owner, and only the overdue,\n"
      "the unassigned or those who asked for a call; --limit keeps the\n"
      "first N.  The CSV (RFC 4180, one row per lead, spreadsheet-safe)\n"
      "imports into CRMs.\n",
      cmd_report, LEAD_REPORT_LEADS },
    { "show", OPT_STORE | OPT_JSON | OPT_MODEL, 1,
      "one lead: score, hot content, why, history, timeline",
      "leadctl [--store DIR] show EMAIL|ID [--json] [--now TIME]\n\n"
      "Shows one lead: score, cell, status and stage; its hot content (what\n"
      "it read that signals intent, with depth and reads); why the score is\n"
      "what it is; its status history, devices and everything it read,\n"
      "what came before it identified marked so.\n",
      cmd_report, LEAD_REPORT_LEAD },
    { "status", OPT_STORE | OPT_SALES, 2,
      "move a lead on (sal, sql, won, lost) or back to marketing",
      "leadctl [--store DIR] status EMAIL|ID sal|sql|won|lost|nurture\n"
      "        [--amount N [--currency CUR]] [--at TIME] [--reason TEXT]\n"
      "        [--by WHO] [--now TIME]\n\n"
      "Records a sales decision: sal (accepted, from mql), sql (qualified,\n"
      "from sal), won (from sql: --amount in the currency's units, up to 2\n"
      "decimals; --currency, scoring.conf's currency by default), lost\n"
      "(from sal or sql) or nurture (rejected back to marketing, from mql,\n"
      "sal, sql or lost); lost and nurture need a --reason.  A deal won or\n"
      "lost closed --at TIME (as --now takes it), now by default.\n"
      "The change is recorded as by WHO, the login name by default;\n"
      "accepted (sal), the lead is WHO's (its owner; see assign).\n",
      cmd_status, 0 },
    { "add", OPT_STORE | OPT_WRITE | OPT_SALES | OPT_ADD, 1,
      "record a lead sales found themselves (source \"sales\")",
      "leadctl [--store DIR] add EMAIL --name NAME [--source sales]\n"
      "        [--by WHO] [--now TIME]\n\n"
      "Records a lead that came to sales without the site: no device and\n"
      "nothing read, its source \"sales\", so marketing's share of revenue\n"
      "can be measured against all of it.  It starts accepted (sal), WHO's\n"
      "(--by, the login name by default); move it on with status as any\n"
      "other lead.\n",
      cmd_add, 0 },
    { "assign", OPT_STORE | OPT_WRITE, 2,
      "give a lead an owner (\"\" for none)",
      "leadctl [--store DIR] assign EMAIL|ID OWNER\n\n"
      "Makes OWNER (a name, as sales sign in to the sales view) the lead's\n"
      "owner, whatever its status; \"\" leaves it with none.  Accepting a\n"
      "lead (status sal --by WHO, or in the sales view) makes who accepted\n"
      "it its owner.\n",
      cmd_assign, 0 },
    { "funnel", OPT_STORE | OPT_JSON | OPT_MODEL, 0,
      "leads per status and stage, conversions, why leads came back",
      "leadctl [--store DIR] funnel [--json] [--now TIME]\n\n"
      "How many leads are in each status now and ever were, the median\n"
      "and 90th percentile of the time spent in each, how many went on to\n"
      "the next (from nurture: re-qualified), and leads per buying stage\n"
      "now and ever, with the time they spent in it.  Then, by calendar month\n"
      "(UTC, up to the last 12): new and re-qualified MQLs, leads rejected\n"
      "to nurture by sales and returned because nobody accepted them in\n"
      "time, and the rejections' reasons, grouped whatever their case and\n"
      "spacing, most frequent first (past 7, the rest as \"other\"); and\n"
      "the leads identified each month, with how many reached each status.\n"
      "A time with nothing to measure is shown as \"—\", as in the\n"
      "sales view.\n",
      cmd_report, LEAD_REPORT_FUNNEL },
    { "calibration", OPT_STORE | OPT_JSON | OPT_MODEL, 0,
      "does the score predict: outcomes by cell, band and grade",
      "leadctl [--store DIR] calibration [--rules DIR] [--json] [--now TIME]\n"
      "\n"
      "For leads that became MQL, by the matrix cell, band and grade each\n"
      "had at that moment (scored from its reads then): how many, MQL->SAL\n"
      "(accepted, of those sales decided on), SAL->won (won, of those\n"
      "accepted that were won or lost), win rate (won, of every MQL), and\n"
      "the median reads and days from identified to SAL and to won.  Each\n"
      "rate shows its counts; * marks fewer than 10 leads.  --rules DIR:\n"
      "the same table under DIR's scoring.conf beside the current one, the\n"
      "outcomes as they were: would it have ranked the winners higher?\n",
      cmd_calibration, 0 },
    { "accounts", OPT_STORE | OPT_JSON | OPT_MODEL, 0,
      "companies: summed engagement and their people",
      "leadctl [--store DIR] accounts [--json] [--now TIME]\n\n"
      "Leads with the same company e-mail domain (not free-mail) rolled up\n"
      "into accounts, hottest first.\n",
      cmd_report, LEAD_REPORT_ACCOUNTS },
    { "attribution", OPT_STORE | OPT_JSON | OPT_ATTRIB | OPT_RULES, 0,
      "which content and campaigns brought leads, deals and revenue",
      "leadctl [--store DIR] attribution [--by asset|campaign|channel]\n"
      "        [--model first|last|linear] [--since TIME] [--now TIME]\n"
      "        [--rules DIR] [--json]\n\n"
      "Per asset (default), campaign (utm_campaign) or channel (utm_source/\n"
      "medium, else the referrer's host, else direct), between --since and\n"
      "--now: readers (people), identifications it caused (the asset the\n"
      "form sent the visitor back to), MQLs it caused (the read that made\n"
      "the lead an MQL), leads it influenced that reached sal, sql, won and\n"
      "lost, and the revenue won credited under each model: first touch,\n"
      "last touch before MQL, and linear (an equal share, to the cent, for\n"
      "every read before the deal).  --model picks the order.  By\n"
      "campaign, DIR/campaigns.csv (campaign,cost) adds each one's cost,\n"
      "and its cost per lead, per MQL, per deal won and per order dollar.\n",
      cmd_attribution, LEAD_REPORT_ATTRIBUTION },
    { "export", OPT_STORE | OPT_JSON | OPT_CSV | OPT_EXPORT, 0,
      "the store as event lines, to ingest elsewhere",
      "leadctl [--store DIR] export [--json|--csv] [--since TIME]\n"
      "        [--until TIME] [--node NAME]\n\n"
      "Prints the lines that rebuild the store elsewhere, one JSON object a\n"
      "line (or CSV rows, with a header): every lead's identity and each of\n"
      "its devices (identify), its status changes with their deals\n"
      "(status), then every read (and rating: rate) in the log's order,\n"
      "those from --since up to --until (not included).  Ids are the\n"
      "events' own or derived from what a line is about, so exporting\n"
      "again gives the same ids and ingesting both changes nothing twice.\n"
      "--node names this node (the host name by default).  One snapshot,\n"
      "safe while nginx writes.\n",
      cmd_export, 0 },
    { "ingest", OPT_STORE | OPT_WRITE | OPT_JSON | OPT_RULES | OPT_INGEST, 0,
      "event lines from edges, a CRM or a backfill into the store",
      "leadctl [--store DIR] ingest [FILE...] [--confirm] [--format json|csv]\n"
      "        [--map FIELD=COLUMN,...] [--batch N] [--rules DIR]\n"
      "        [--now TIME] [--json]\n\n"
      "Reads event lines (standard input when no FILE) in any order from\n"
      "any number of nodes into the store, N lines a transaction (1024):\n"
      "a line whose id the store has seen changes nothing.  A malformed\n"
      "line is counted, the first 10 told as FILE:LINE: why, and skipped;\n"
      "a move the store does not allow is refused, and told.  A summary\n"
      "goes to standard error (--json: to standard output as JSON).\n"
      "--confirm speaks rsyslog omprog's confirmMessages: OK at start, then\n"
      "OK for each line once it is committed (a malformed one too: it would\n"
      "come back forever), DEFER_COMMIT inside omprog's transaction marks.\n"
      "--format csv reads a CRM's export, its header row first; --map names\n"
      "the column of each field (email=E-mail,status=Stage,amount=Amount).\n"
      "Signals are scoring.conf's: --rules DIR, or the rules nginx ran.\n"
      "An empty directory becomes a new store.  Exit status: 0 once the\n"
      "input was read (malformed lines too), 1 store error, 2 usage.\n",
      cmd_ingest, 0 },
    { "forget", OPT_STORE | OPT_WRITE, 1,
      "erase a person: the lead, its devices and everything they read",
      "leadctl [--store DIR] forget EMAIL|ID\n\n"
      "Erases the lead, its status history and score, and every event of\n"
      "its devices that was its; a device shared with another lead keeps\n"
      "that lead's events.  LMDB keeps freed pages as they were until it\n"
      "reuses them: run compact (nginx stopped) and replace backups to\n"
      "wipe every byte.  Events still in nginx's memory (the last flush\n"
      "window) may arrive after, as an anonymous visitor.\n",
      cmd_forget, 0 },
    { "purge", OPT_STORE | OPT_WRITE | OPT_PURGE, 0,
      "erase anonymous visitors not seen for DAYS days",
      "leadctl [--store DIR] purge --anonymous-older-than DAYS [--now TIME]\n"
      "\n"
      "Erases visitors that never identified and were last seen more than\n"
      "DAYS days ago, with their events, in short transactions (nginx\n"
      "keeps writing meanwhile).  Leads are kept until forgotten.  The\n"
      "lead_retention directive does this in the background.\n",
      cmd_purge, 0 },
    { "backup", OPT_STORE | OPT_JSON, 1,
      "a consistent, compacted copy of the store, while nginx runs",
      "leadctl [--store DIR] backup BACKUP_DIR [--json]\n\n"
      "Writes BACKUP_DIR/data.mdb: one consistent snapshot, compacted (no\n"
      "freed pages), replacing an earlier backup there atomically, and says\n"
      "its size and how long it took (--json: bytes and ms).  Safe\n"
      "while nginx writes.  To restore: stop nginx, copy data.mdb into the\n"
      "store directory (remove its lock.mdb), give it to nginx's user, and\n"
      "start nginx.\n",
      cmd_backup, 0 },
    { "compact", OPT_STORE | OPT_WRITE | OPT_JSON, 0,
      "rewrite the store without its free pages (nginx stopped)",
      "leadctl [--store DIR] compact [--json]\n\n"
      "Rewrites data.mdb with live data only: smaller, and what forget or\n"
      "purge erased is gone from the file too.  Says the sizes before and\n"
      "after and how long it took (--json: bytes and ms).  Refused while\n"
      "another process (nginx) has the store open.\n",
      cmd_compact, 0 },
    { "check", OPT_CHECK, 0,
      "verify the store: its file's size and every tree",
      "leadctl [--store DIR] check\n\n"
      "Verifies data.mdb as nginx does at start, reload and nginx -t: its\n"
      "size against what its meta pages say, then every tree read in a\n"
      "child process (damage may crash it, never leadctl).  Prints what it\n"
      "found; exits 1 if the store is damaged.  Every other command\n"
      "refuses a damaged store the same way.\n",
      cmd_check, 0 },
    { "rules check", 0, 1,
      "check a rules folder as nginx -t does",
      "leadctl rules check DIR\n\n"
      "Loads DIR/scoring.conf, DIR/assets.csv and DIR/campaigns.csv (if\n"
      "there) with the module's parser and reports every error at once (up\n"
      "to 20, then \"and N more errors\"), each as file:line: what is\n"
      "wrong, then exits 1; or prints a one-line summary.  A CSV saved with\n"
      "semicolons or tabs is told so: save it as CSV with commas.\n",
      cmd_rules_check, 0 },
    { "rules scan", OPT_RULES | OPT_SCAN, 1,
      "list content files no rule matches, as assets.csv rows",
      "leadctl rules scan CONTENT_DIR [--rules DIR] [--include GLOB]...\n"
      "        [--exclude GLOB]...\n\n"
      "Walks CONTENT_DIR (the nginx root) and prints, as CSV rows ready to\n"
      "paste into assets.csv, by path, every content file (HTML, PDF,\n"
      "video, documents, by extension; an index.html as its directory)\n"
      "that no rule in DIR matches, or every one without --rules.  Titles\n"
      "come from an HTML <title> or a PDF's metadata where present.\n"
      "--include and --exclude GLOB (repeatable, matched against the URL\n"
      "path) choose the files.  Fill in stage, points, topic and flags.\n",
      cmd_rules_scan, 0 },
    { NULL, 0, 0, NULL, NULL, NULL, 0 }
};

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
                rules_usage(stdout, commands);
                exit(0);
            }
            rules_usage(stderr, commands);
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
    usage(stderr, commands);
    return NULL;
}

/* rules scan's --include GLOB and --exclude GLOB, each repeatable. */
static int
scan_glob(ctl *c, int argc, char **argv, int *i)
{
    const char  **list;

    if (*i + 1 == argc) {
        fprintf(stderr, "leadctl: %s needs a value\n", argv[*i]);
        return -1;
    }
    if (c->include == NULL) {
        c->include = calloc((size_t) argc, sizeof(char *));
        c->exclude = calloc((size_t) argc, sizeof(char *));
        if (c->include == NULL || c->exclude == NULL) {
            fprintf(stderr, "leadctl: out of memory\n");
            return -1;
        }
    }
    list = argv[*i][2] == 'i' ? c->include : c->exclude;
    list[argv[*i][2] == 'i' ? c->ninclude++ : c->nexclude++] = argv[*i + 1];
    ++*i;
    return 0;
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
                usage(stdout, commands);
            }
            return 0;

        } else if (strcmp(argv[i], "--man") == 0 && cmd == NULL) {
            man_page(stdout, commands);    /* leadctl(1), for the packages */
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

        } else if (strcmp(argv[i], "--feedback") == 0 && cmd
                   && (cmd->opts & OPT_FEEDBACK))
        {
            c.feedback = 1;

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

        } else if (cmd && (cmd->opts & OPT_SCAN)
                   && (strcmp(argv[i], "--include") == 0
                       || strcmp(argv[i], "--exclude") == 0))
        {
            if (scan_glob(&c, argc, argv, &i) != 0) {
                return EXIT_USAGE;
            }

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
            usage(stderr, commands);
            return EXIT_USAGE;
        }
    }

    if (cmd == NULL) {
        usage(stderr, commands);
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
        lead_store_score_threads(s, 2);     /* the module never does */
    }

    c.report = cmd->report;
    c.command = cmd->name;
    rc = cmd->run(&c, s);
    lead_store_close(s);
    return rc;
}
