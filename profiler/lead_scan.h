/*
 * What `leadctl rules scan` uses of the library: a site's folder walked
 * for its content files, listed as assets.csv rows ready to fill in.
 * (lead.h is the rest of the public API.)
 */

#ifndef LEAD_SCAN_H
#define LEAD_SCAN_H

#include "lead.h"

typedef struct {
    const lead_rules    *rules;      /* NULL: every content file */
    const char *const   *include;    /* fnmatch(3) globs on the path below */
    size_t               ninclude;   /* the folder, a star matching "/"
                                        too; no include: all */
    const char *const   *exclude;
    size_t               nexclude;
} lead_scan_opts;

/*
 * The content files under root (HTML, PDF, video, documents, by their
 * extension; not style sheets, scripts, images, fonts, templates, hidden
 * files or links) that no rule matches, as the header and one row each
 * ("/path,Title,,,,"), sorted by path; an index.html as its folder.  The
 * title is an HTML file's <title>, a PDF's Info /Title, else made of the
 * file name.  LEAD_EINVAL and why in err when root cannot be walked.
 */
int lead_scan(const char *root, const lead_scan_opts *o, lead_buf *out,
    char *err, size_t errlen);

/* 1 when a file name's extension is content's. */
int lead_scan_is_content(const char *name);

/* A title from an HTML file's first bytes, from a PDF's bytes: its length
   in out (NUL-terminated, clean UTF-8, at most LEAD_TITLE_MAX bytes), or
   0 for none ({{templates}} are none). */
size_t lead_html_title(const char *data, size_t len, char *out, size_t size);
size_t lead_pdf_title(const char *data, size_t len, char *out, size_t size);

/* 1 when an HTML file's <title> holds {{, or it has none and its bytes
   do: a template (the module's own pages, their parts), not content,
   which may show {{ }} in its body. */
int lead_html_is_template(const char *data, size_t len);

#endif /* LEAD_SCAN_H */
