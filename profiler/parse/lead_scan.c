/*
 * A site's folder as rules scan lists it: its content files (by
 * extension), each titled from its bytes (lead_title.c) or its name, as
 * assets.csv rows that no rule matches yet.
 */

#define _DEFAULT_SOURCE        /* pread(), strcasecmp(), O_NOFOLLOW */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lead.h"
#include "lead_scan.h"
#include "lead_parse.h"

#define MAX_DEPTH     32
#define MAX_FILES     100000
#define HTML_READ     (64 * 1024)      /* a <title> is in the head */
#define PDF_READ      (1024 * 1024)    /* this much of each end of a PDF */
#define PATH_MAX_SCAN 4096

/* ---- content, by extension --------------------------------------------- */

static const char  *content_ext[] = {
    "html", "htm", "xhtml", "pdf", "mp4", "webm", "mov", "m4v", "mkv",
    "avi", "ogv", "mp3", "m4a", "ogg", "wav", "doc", "docx", "ppt", "pptx",
    "pps", "ppsx", "xls", "xlsx", "odt", "odp", "ods", "rtf", "epub",
    "txt", "md", "key", "pages", "numbers", "zip"
};

int
lead_scan_is_content(const char *name)
{
    const char  *dot = strrchr(name, '.');
    size_t       i;

    if (dot == NULL || dot == name) {
        return 0;
    }
    for (i = 0; i < sizeof(content_ext) / sizeof(content_ext[0]); i++) {
        if (strcasecmp(dot + 1, content_ext[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
is_html(const char *name)
{
    const char  *dot = strrchr(name, '.');

    return dot && (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm")
                   == 0 || strcasecmp(dot, ".xhtml") == 0);
}

/* ---- the walk ---------------------------------------------------------- */

typedef struct {
    const lead_scan_opts  *o;
    size_t                 root_len;
    char                 **rows;       /* "path" NUL "title", malloc()ed */
    size_t                 n, cap;
    char                  *buf;        /* a file's bytes, read bounded */
    char                  *err;
    size_t                 errlen;
} scan;

/* Up to max bytes of the file from off; how many, or -1. */
static ssize_t
read_at(int fd, char *buf, size_t max, off_t off)
{
    size_t   n = 0;
    ssize_t  r;

    while (n < max) {
        r = pread(fd, buf + n, max - n, off + (off_t) n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        n += (size_t) r;
    }
    return (ssize_t) n;
}

/* A file's title: from its bytes, else from its name.  1: a template. */
static int
file_title(scan *sc, const char *path, const char *rel, const char *base,
    char *out, size_t size)
{
    struct stat  st;
    ssize_t      n = 0, m;
    size_t       len, i;
    const char  *dot, *name;
    int          fd;

    out[0] = '\0';
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if (is_html(base)) {
            n = read_at(fd, sc->buf, HTML_READ, 0);
            if (n > 0) {
                if (lead_html_is_template(sc->buf, (size_t) n)) {
                    close(fd);
                    return 1;
                }
                lead_html_title(sc->buf, (size_t) n, out, size);
            }

        } else if ((dot = strrchr(base, '.')) && strcasecmp(dot, ".pdf") == 0)
        {
            /* the Info dictionary is mostly at the end: both ends */
            n = read_at(fd, sc->buf, PDF_READ, 0);
            if (n == PDF_READ && st.st_size > 2 * PDF_READ) {
                m = read_at(fd, sc->buf + n, PDF_READ,
                            st.st_size - PDF_READ);
                n += m > 0 ? m : 0;
            } else if (n == PDF_READ) {
                m = read_at(fd, sc->buf + n, PDF_READ, PDF_READ);
                n += m > 0 ? m : 0;
            }
            if (n > 0) {
                lead_pdf_title(sc->buf, (size_t) n, out, size);
            }
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    if (out[0] != '\0') {
        return 0;
    }

    /* "why-outages-cost.html": "Why outages cost"; an index: its folder */
    name = base;
    len = strlen(base);
    if (strncasecmp(base, "index.", 6) == 0 && base > rel + 1) {
        for (name = base - 1; name > rel && name[-1] != '/'; name--) {
            /* void */
        }
        len = (size_t) (base - 1 - name);
    } else if ((dot = strrchr(base, '.')) != NULL && dot > base) {
        len = (size_t) (dot - base);
    }
    len = len < size - 1 ? len : size - 1;
    for (i = 0; i < len; i++) {
        out[i] = (name[i] == '-' || name[i] == '_') ? ' ' : name[i];
    }
    if (len > 0 && out[0] >= 'a' && out[0] <= 'z') {
        out[0] = (char) (out[0] - 'a' + 'A');
    }
    if (lead_title_clean(out, len, size) == 0) {
        snprintf(out, size, "%s", "Home");
    }
    return 0;
}

static int
matches(const char *const *globs, size_t n, const char *rel)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (fnmatch(globs[i], rel, 0) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A URL path assets.csv can hold: no control characters, "*" or "?". */
static int
plain_name(const char *s)
{
    return strpbrk(s, "*?%#") == NULL && lead_utf8_plain(s, strlen(s));
}

static int
add_file(scan *sc, const char *path, const char *base)
{
    const lead_scan_opts  *o = sc->o;
    const char            *rel = path + sc->root_len + 1;
    char                   url[LEAD_PATH_MAX + 2], title[LEAD_TITLE_MAX + 1];
    char                 **grown;
    size_t                 len, tlen;

    if (!lead_scan_is_content(base) || !plain_name(rel)
        || (o->ninclude && !matches(o->include, o->ninclude, rel))
        || matches(o->exclude, o->nexclude, rel))
    {
        return LEAD_OK;
    }

    /* a folder's index file is read at the folder's URL */
    len = strlen(rel);
    if (len + 2 > sizeof(url)) {
        return LEAD_OK;
    }
    url[0] = '/';
    memcpy(url + 1, rel, len + 1);
    len++;
    if (strcasecmp(base, "index.html") == 0
        || strcasecmp(base, "index.htm") == 0)
    {
        len -= strlen(base);
        url[len] = '\0';
    }

    if (o->rules != NULL
        && (lead_rules_match(o->rules, url, len) != NULL
            || lead_rules_match_file(o->rules, rel - 1, strlen(rel - 1))
               != NULL))
    {
        return LEAD_OK;
    }

    if (file_title(sc, path, rel - 1, base, title, sizeof(title)) != 0) {
        return LEAD_OK;
    }

    if (sc->n == MAX_FILES) {
        snprintf(sc->err, sc->errlen, "more than %d content files",
                 MAX_FILES);
        return LEAD_EINVAL;
    }
    if (sc->n == sc->cap) {
        grown = realloc(sc->rows, (sc->cap ? sc->cap * 2 : 64)
                                  * sizeof(char *));
        if (grown == NULL) {
            return LEAD_ENOMEM;
        }
        sc->rows = grown;
        sc->cap = sc->cap ? sc->cap * 2 : 64;
    }
    tlen = strlen(title);
    sc->rows[sc->n] = malloc(len + 1 + tlen + 1);
    if (sc->rows[sc->n] == NULL) {
        return LEAD_ENOMEM;
    }
    memcpy(sc->rows[sc->n], url, len + 1);
    memcpy(sc->rows[sc->n] + len + 1, title, tlen + 1);
    sc->n++;
    return LEAD_OK;
}

/* path's entries, hidden ones and links left out, depth first. */
static int
walk(scan *sc, char *path, size_t len, unsigned depth)
{
    DIR            *d;
    struct dirent  *e;
    struct stat     st;
    size_t          nlen;
    int             rc = LEAD_OK;

    if (depth > MAX_DEPTH) {
        return LEAD_OK;
    }
    d = opendir(path);
    if (d == NULL) {
        if (depth == 0) {
            snprintf(sc->err, sc->errlen, "cannot open \"%s\": %s", path,
                     strerror(errno));
            return LEAD_EINVAL;
        }
        return LEAD_OK;                  /* unreadable: not served either */
    }

    while (rc == LEAD_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        nlen = strlen(e->d_name);
        if (len + 1 + nlen + 1 > PATH_MAX_SCAN) {
            continue;
        }
        path[len] = '/';
        memcpy(path + len + 1, e->d_name, nlen + 1);

        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                rc = walk(sc, path, len + 1 + nlen, depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                rc = add_file(sc, path, path + len + 1);
            }
        }
        path[len] = '\0';
    }

    closedir(d);
    return rc;
}

static int
row_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
lead_scan(const char *root, const lead_scan_opts *o, lead_buf *out,
    char *err, size_t errlen)
{
    scan    sc;
    char    path[PATH_MAX_SCAN];
    size_t  len, i;
    int     rc;

    memset(&sc, 0, sizeof(sc));
    sc.o = o;
    sc.err = err;
    sc.errlen = errlen;

    len = strlen(root);
    while (len > 1 && root[len - 1] == '/') {
        len--;
    }
    if (len == 0 || len >= sizeof(path) - 256) {
        snprintf(err, errlen, "cannot open \"%s\": the name is too long",
                 root);
        return LEAD_EINVAL;
    }
    memcpy(path, root, len);
    path[len] = '\0';
    sc.root_len = len;

    sc.buf = malloc(2 * PDF_READ);
    if (sc.buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return LEAD_ENOMEM;
    }

    rc = walk(&sc, path, len, 0);
    if (rc == LEAD_ENOMEM) {
        snprintf(err, errlen, "out of memory");
    }

    if (rc == LEAD_OK) {
        qsort(sc.rows, sc.n, sizeof(char *), row_cmp);
        lead_buf_puts(out, "path,title,stage,points,topic,flags\n");
        for (i = 0; i < sc.n; i++) {
            const char  *title = sc.rows[i] + strlen(sc.rows[i]) + 1;

            lead_buf_csv(out, sc.rows[i], strlen(sc.rows[i]));
            lead_buf_puts(out, ",");
            lead_buf_csv(out, title, strlen(title));
            lead_buf_puts(out, ",,,,\n");
        }
    }

    for (i = 0; i < sc.n; i++) {
        free(sc.rows[i]);
    }
    free(sc.rows);
    free(sc.buf);
    return rc;
}
