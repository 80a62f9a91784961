/*
 * leadctl's help from its command table: the one text that --help prints
 * and that --man turns into the leadctl(1) page the packages install.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "leadctl.h"


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
usage(FILE *f, const command *commands)
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
rules_usage(FILE *f, const command *commands)
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
man_page(FILE *f, const command *commands)
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
