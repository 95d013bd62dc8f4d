/* The report's HTML page: any bytes as a report JSON document. It must never
 * crash; a document it accepts must give a page that is valid UTF-8, has as
 * many </svg> as <svg (each with its <title>), and contains no markup that
 * only the document's strings could have put there: every tag is one the
 * renderer writes, with attributes it writes, values in double quotes (so no
 * <script>, no <img>, no onerror=, one <style>). A rejected document must
 * leave an error message starting with "report JSON: ". */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/utf8.h"
#include "../../src/report/report_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)); p += len)
        n++;
    return n;
}

static int listed(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return 1;
    return 0;
}

/* Walks every tag: names and attribute names from the renderer's lists,
 * values double-quoted without a quote inside. */
static void check_tags(const char *html)
{
    static const char *const tags[] = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
                                       "p", "ul", "li", "span", "strong", "code", "nav", "a", "main", "section",
                                       "table", "thead", "tbody", "tr", "th", "td", "div", "figure", "figcaption",
                                       "svg", "path", "text", "rect", "g", "details", "summary", "footer", NULL};
    static const char *const attrs[] = {"lang", "charset", "name", "content", "class", "href", "id", "style",
                                        "title", "colspan", "scope", "open", "xmlns", "data-chart", "data-dataset",
                                        "data-indicator", "data-table", "width", "height", "viewBox", "role", "x",
                                        "y", "d", "transform", "text-anchor", "dominant-baseline", "fill", NULL};
    const char *p = html;
    if (strncmp(p, "<!DOCTYPE html>\n", 16) != 0)
        abort();
    p += 16;
    while ((p = strchr(p, '<'))) {
        p++;
        if (*p == '/')
            p++;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (!listed(tags, p, n))
            abort();
        p += n;
        for (;;) {
            p += strspn(p, " ");
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");
            if (!n || !listed(attrs, p, n))
                abort();
            p += n;
            if (*p == '=') {
                if (p[1] != '"')
                    abort();
                const char *end = strchr(p + 2, '"');
                if (!end)
                    abort();
                for (const char *q = p + 2; q < end; q++)
                    if (*q == '<' || *q == '>')
                        abort();
                p = end + 1;
            }
        }
        if (strchr(p, '>') != p && strncmp(p, "/>", 2) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *html = NULL;
    size_t len = 0;
    vlit_error err = {0};
    vlit_status st = vlit_report_html_mem((const char *)data, size, &html, &len, &err);
    if (st) {
        if (html || strncmp(err.message, "report JSON: ", 13) != 0)
            abort();
        return 0;
    }
    if (!html || strlen(html) != len || !vlit_utf8_valid(html, len, NULL))
        abort();
    size_t svgs = count(html, "<svg ");
    if (svgs != count(html, "</svg>") || svgs != count(html, "role=\"img\"><title>"))
        abort();
    if (count(html, "<style") != 1)
        abort();
    check_tags(html);
    free(html);
    return 0;
}
