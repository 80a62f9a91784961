/*
 * leadctl's commands and their help: the one text that --help prints and
 * that --man turns into the leadctl(1) page the packages install.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "leadctl.h"

const command  commands[] = {
    { "events", OPT_STORE | OPT_JSON | OPT_EVENTS, 0,
      "list recorded events, oldest first",
      "leadctl [--store DIR] events [--since TIME] [--until TIME]\n"
      "        [--lead EMAIL|ID] [--limit N] [--json]\n\n"
      "Lists recorded events, oldest first (in the order stored when two\n"
      "share a millisecond): time (UTC), visitor, HTTP status, bytes sent /\n"
      "file size, user-agent class, path, the asset's stage, topic and\n"
      "points when it was read, byte ranges, referrer host and\n"
      "utm_source/medium/campaign.  --since and --until (not included) take\n"
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
    { "assets", OPT_STORE | OPT_JSON, 0,
      "list tagged assets and how often people and bots read them",
      "leadctl [--store DIR] assets [--json]\n\n"
      "Lists every asset rule events were recorded under, with reads by\n"
      "people and by bots, and the reads of untagged content: most read by\n"
      "people first, then by path.\n",
      cmd_report, LEAD_REPORT_ASSETS },
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
      "(status), then every read in the log's order, those from --since up\n"
      "to --until (not included).  Ids are the events' own or derived from\n"
      "what a line is about, so exporting again gives the same ids and\n"
      "ingesting both changes nothing twice.  --node names this node\n"
      "(the host name by default).  One snapshot, safe while nginx writes.\n",
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
      "Loads DIR/scoring.conf and DIR/assets.csv with the module's parser\n"
      "and reports every error in both files at once (up to a cap), each as\n"
      "file:line: what is wrong, then exits 1; or prints a one-line summary.\n"
      "An assets.csv saved with semicolons or tabs is told so: save it as\n"
      "CSV with commas.\n",
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

static const char  *const  synopsis[] = {
    "leadctl [--store DIR] COMMAND [OPTIONS]\n",
    "leadctl COMMAND --help\n",
};

static const char  description[] =
    "Reads and manages the lead store written by ngx_http_lead_module;\n"
    "safe while nginx runs (LMDB's readers never block its writer).\n"
    "Reports print text for people (counts with thousands separators,\n"
    "sizes such as 443 MiB) and, with --json or --csv where offered, raw\n"
    "numbers for machines.  Every list comes in the order its command's\n"
    "help names.  Long commands show their progress on standard error\n"
    "when it is a terminal, never in a pipe.\n";

/* name, its value, what it does; the commands it applies to */
static const struct {
    const char  *name, *value, *help;
    unsigned     opts;
} globals[] = {
    { "--store", "DIR", "the store's directory; else $LEAD_STORE", ~0u },
    { "--now", "TIME", "the moment to report or act at: 2026-12-24T09:30:00Z,"
      " 2026-12-24, or from the clock: +30d, -12h, +90m, +45s",
      OPT_MODEL | OPT_SALES | OPT_PURGE | OPT_ATTRIB | OPT_INGEST },
    { "--rules", "DIR", "the rules to score with (DIR/scoring.conf and"
      " DIR/assets.csv); else those nginx last ran with",
      OPT_RULES | OPT_MODEL },
    { "--json", NULL, "JSON for machines, with raw numbers", OPT_JSON },
    { "--csv", NULL, "RFC 4180 CSV for machines (never with --json)",
      OPT_CSV },
    { "--help", NULL, "this help, or with a command its own", ~0u },
};

#define NGLOBALS  (sizeof(globals) / sizeof(globals[0]))

/* text after a 16-column label, folded at 78 columns */
static void
fold(FILE *f, const char *text)
{
    const char  *p = text, *space;
    size_t       col = 16, len;

    while (*p) {
        space = strchr(p, ' ');
        len = space ? (size_t) (space - p) : strlen(p);
        if (col > 16 && col + 1 + len > 78) {
            fprintf(f, "\n%16s", "");
            col = 16;
        } else if (col > 16) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", (int) len, p);
        col += len;
        p += len + (space != NULL);
    }
    fputc('\n', f);
}

void
usage(FILE *f)
{
    const command  *cmd;
    size_t          i;
    char            opt[32];

    fprintf(f, "usage: %s       %s\n%s\n"
            "global options (where a command takes them):\n", synopsis[0],
            synopsis[1], description);
    for (i = 0; i < NGLOBALS; i++) {
        snprintf(opt, sizeof(opt), "%s%s%s", globals[i].name,
                 globals[i].value ? " " : "",
                 globals[i].value ? globals[i].value : "");
        fprintf(f, "  %-13s ", opt);
        fold(f, globals[i].help);
    }
    fprintf(f, "\ncommands:\n");
    for (cmd = commands; cmd->name; cmd++) {
        fprintf(f, "  %-13s %s\n", cmd->name, cmd->summary);
    }
    fprintf(f, "\n'leadctl COMMAND --help' describes one command.\n"
               "Exit status: 0 ok, 1 error, 2 usage error (a contradiction"
               " such as --json\nwith --csv among them) or no store.\n");
}

/* leadctl rules --help: the two of them */
void
rules_usage(FILE *f)
{
    const command  *cmd;

    fprintf(f, "usage: leadctl rules check|scan ...\n\n");
    for (cmd = commands; cmd->name; cmd++) {
        if (strncmp(cmd->name, "rules ", 6) == 0) {
            fprintf(f, "  %-13s %s\n", cmd->name, cmd->summary);
        }
    }
    fprintf(f, "\n'leadctl rules check --help' and 'leadctl rules scan "
               "--help' say more.\n");
}

void
command_help(FILE *f, const command *cmd)
{
    size_t  i;
    int     any = 0;

    fputs(cmd->usage, f);
    for (i = 0; i < NGLOBALS; i++) {
        if (globals[i].opts != ~0u && (cmd->opts & globals[i].opts)) {
            fprintf(f, "%s %s", any ? "," : "\nGlobal options:",
                    globals[i].name);
            any = 1;
        }
    }
    fprintf(f, "%s--store DIR and --help (see leadctl --help).\n",
            any ? ", " : "\nGlobal options: ");
}

/* ---- leadctl(1) -------------------------------------------------------- */

/* Text as roff: a backslash and a hyphen escaped, a line's leading dot
   or quote made literal. */
static void
roff(FILE *f, const char *s, size_t len)
{
    size_t  i;
    int     bol = 1;

    for (i = 0; i < len; i++) {
        if (bol && (s[i] == '.' || s[i] == '\'')) {
            fputs("\\&", f);
        }
        if (s[i] == '\\') {
            fputs("\\e", f);
        } else if (s[i] == '-') {
            fputs("\\-", f);
        } else {
            fputc(s[i], f);
        }
        bol = s[i] == '\n';
    }
}

static void
roff_str(FILE *f, const char *s)
{
    roff(f, s, strlen(s));
}

/* A help text's paragraphs: the synopsis kept as typed, the rest filled. */
static void
roff_help(FILE *f, const char *text)
{
    const char  *para = strstr(text, "\n\n");
    const char  *p;

    if (para == NULL) {
        para = text + strlen(text);
    }
    fputs(".nf\n", f);
    roff(f, text, (size_t) (para - text));
    fputs("\n.fi\n", f);

    for (p = para; *p == '\n'; p++) { /* void */ }
    while (*p) {
        para = strstr(p, "\n\n");
        if (para == NULL) {
            para = p + strlen(p);
        }
        fputs(".PP\n", f);
        roff(f, p, (size_t) (para - p));
        if (para[-1] != '\n') {
            fputc('\n', f);
        }
        for (p = para; *p == '\n'; p++) { /* void */ }
    }
}

void
man_page(FILE *f)
{
    const command  *cmd;
    size_t          i;

    fputs(".\\\" leadctl(1), made by `leadctl --man` from its --help text.\n"
          ".TH LEADCTL 1 \"\" \"lead\" \"User Commands\"\n"
          ".SH NAME\n"
          "leadctl \\- read and manage the lead store written by "
          "ngx_http_lead_module\n"
          ".SH SYNOPSIS\n.nf\n", f);
    roff_str(f, synopsis[0]);
    roff_str(f, synopsis[1]);
    fputs(".fi\n.SH DESCRIPTION\n", f);
    roff_str(f, description);
    fputs(".SH GLOBAL OPTIONS\n", f);
    for (i = 0; i < NGLOBALS; i++) {
        fputs(globals[i].value ? ".TP\n.BI \"" : ".TP\n.B ", f);
        roff_str(f, globals[i].name);
        if (globals[i].value) {
            fputs(" \" ", f);
            roff_str(f, globals[i].value);
        }
        fputc('\n', f);
        roff_str(f, globals[i].help);
        fputc('\n', f);
    }
    fputs(".SH COMMANDS\n", f);
    for (cmd = commands; cmd->name; cmd++) {
        fputs(".SS ", f);
        roff_str(f, cmd->name);
        fputc('\n', f);
        roff_help(f, cmd->usage);
    }
    fputs(".SH ENVIRONMENT\n.TP\n.B LEAD_STORE\n"
          "The store directory when\n.B \\-\\-store\nis not given.\n"
          ".SH FILES\n.TP\n.I /var/lib/lead\n"
          "The store the packaged example configuration uses.\n"
          ".TP\n.I /usr/share/lead/rules/\n"
          "Sample rules: assets.csv, scoring.conf, campaigns.csv, "
          "freemail.txt.\n"
          ".TP\n.I /usr/share/lead/templates/form.html\n"
          "The form's template.\n"
          ".SH EXIT STATUS\n"
          "0 ok, 1 error, 2 usage error (contradictory options among them) "
          "or no store.\n"
          ".SH EXAMPLES\n.nf\n"
          "leadctl \\-\\-store /var/lib/lead leads \\-\\-limit 10\n"
          "leadctl \\-\\-store /var/lib/lead show ada@example.com "
          "\\-\\-json\n"
          "leadctl \\-\\-store /var/lib/lead status ada@example.com sal "
          "\\-\\-by sam\n"
          "leadctl \\-\\-store /var/lib/lead events \\-\\-since \\-1d "
          "\\-\\-lead ada@example.com\n"
          "leadctl rules check /etc/nginx/lead\\-rules\n"
          ".fi\n.SH SEE ALSO\n.BR nginx (8)\n", f);
}
