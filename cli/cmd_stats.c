/* vlit stats: intra-class correlation and indicator/benchmark correlations
 * (vlit/stats.h; docs/stats.md). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vlit/stats.h"

static const char usage[] =
    "usage: vlit stats icc RESULTS --group COL --rater COL [--format table|json] [-o OUT]\n"
    "       vlit stats corr INDICATORS RESULTS --by COL [--method pearson|spearman]\n"
    "                       [--format table|json|html] [-o OUT]\n"
    "\n"
    "Statistics on benchmark results (rows = dataset x model, columns = tasks),\n"
    "read from CSV (a header row, RFC 4180 quoting) or JSON (an array of flat\n"
    "objects). The numeric columns are the data; text columns are left out; an\n"
    "empty or non-numeric cell in a numeric column is an error.\n"
    "\n"
    "icc: for each group (the --group column's values, e.g. datasets), the\n"
    "  targets are the numeric columns and the raters are the group's rows (named\n"
    "  by --rater, e.g. models). Prints the six Shrout-Fleiss forms ICC1, ICC1k,\n"
    "  ICC2, ICC2k, ICC3, ICC3k with their F tests and confidence intervals.\n"
    "corr: joins the tables on the --by column (results averaged over the rows\n"
    "  of a key, e.g. over models) and correlates every numeric indicator column\n"
    "  with every numeric results column: r, the two-sided p-value (t\n"
    "  distribution, n - 2 degrees of freedom) and stars: *** p < 0.01,\n"
    "  ** p < 0.05, * p < 0.10. html: a heatmap (one self-contained page).\n"
    "\n"
    "options:\n"
    "  --group COL        icc: the column whose values form the groups\n"
    "  --rater COL        icc: the column naming the raters within a group\n"
    "  --confidence C     icc: level of the intervals (default 0.95)\n"
    "  --by COL           corr: the key column of both tables\n"
    "  --method M         corr: pearson (default) or spearman\n"
    "  --format F         table (default), json, or html (corr)\n"
    "  --input-format F   auto (default: .json/.csv by name, else by the first byte), csv or json\n"
    "  -o, --output F     written atomically ('-' = standard output, the default)\n"
    "  -q, --quiet        no notes on stderr\n"
    "  --json             log messages as JSON lines on stderr\n"
    "  -h, --help         this text\n";

enum { FMT_TABLE, FMT_JSON, FMT_HTML };

/* ---- writing helpers ---- */

static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", fp); break;
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default:
            if (*p < 0x20)
                fprintf(fp, "\\u%04x", *p);
            else
                fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

/* The shortest %g form that reads back to the same double; null for NaN. */
static void json_num(FILE *fp, double x)
{
    if (!isfinite(x)) {
        fputs("null", fp);
        return;
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    fputs(buf, fp);
}

static void html_text(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

static const char *fmt_num(char *buf, size_t cap, const char *fmt, double x)
{
    if (isnan(x))
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, fmt, x);
    return buf;
}

static vlit_table_format input_format(const char *path, vlit_table_format asked)
{
    if (asked != VLIT_TABLE_AUTO)
        return asked;
    size_t n = strlen(path);
    if (n >= 5 && strcmp(path + n - 5, ".json") == 0)
        return VLIT_TABLE_JSON;
    if (n >= 4 && strcmp(path + n - 4, ".csv") == 0)
        return VLIT_TABLE_CSV;
    return VLIT_TABLE_AUTO;
}

/* ---- icc ---- */

static void icc_table(FILE *fp, const vlit_icc_set *s)
{
    static const char *const what[] = {
        "one-way random, single",       "one-way random, average of k",  "two-way random, agreement, single",
        "two-way random, agreement, avg", "two-way mixed, consistency, single", "two-way mixed, consistency, avg"};
    for (size_t g = 0; g < s->groups; g++) {
        const vlit_icc_group *G = &s->group[g];
        fprintf(fp, "%sgroup %s: %zu targets x %zu raters (", g ? "\n" : "", G->name, G->r.n, G->r.k);
        for (size_t j = 0; j < G->r.k; j++)
            fprintf(fp, "%s%s", j ? ", " : "", G->raters[j]);
        fprintf(fp, ")\n");
        fprintf(fp, "  %-6s %-9s %-36s %8s %10s %4s %8s %10s  %.0f%% interval\n", "form", "", "model", "ICC", "F",
                "df1", "df2", "p", 100 * G->r.confidence);
        for (int f = 0; f < VLIT_ICC_FORMS; f++) {
            const vlit_icc_value *v = &G->r.form[f];
            char a[32], b[32], c[32], d[32], e[32], h[32];
            fprintf(fp, "  %-6s %-9s %-36s %8s %10s %4.0f %8s %10s  [%s, %s]\n", vlit_icc_form_name(f),
                    vlit_icc_form_label(f), what[f], fmt_num(a, sizeof a, "%.4f", v->value),
                    fmt_num(b, sizeof b, "%.4g", v->F), v->df1, fmt_num(c, sizeof c, "%.4g", v->df2),
                    fmt_num(d, sizeof d, "%.3g", v->p), fmt_num(e, sizeof e, "%.4f", v->lo),
                    fmt_num(h, sizeof h, "%.4f", v->hi));
        }
    }
}

static void icc_json(FILE *fp, const vlit_icc_set *s, double confidence)
{
    fputs("{\"confidence\": ", fp);
    json_num(fp, confidence);
    fputs(", \"targets\": [", fp);
    for (size_t i = 0; i < s->targets; i++) {
        fputs(i ? ", " : "", fp);
        json_str(fp, s->target[i]);
    }
    fputs("],\n \"groups\": [", fp);
    for (size_t g = 0; g < s->groups; g++) {
        const vlit_icc_group *G = &s->group[g];
        fputs(g ? ",\n  {" : "\n  {", fp);
        fputs("\"group\": ", fp);
        json_str(fp, G->name);
        fprintf(fp, ", \"n\": %zu, \"k\": %zu, \"raters\": [", G->r.n, G->r.k);
        for (size_t j = 0; j < G->r.k; j++) {
            fputs(j ? ", " : "", fp);
            json_str(fp, G->raters[j]);
        }
        fputs("],\n   \"mean_squares\": {\"rows\": ", fp);
        json_num(fp, G->r.msr);
        fputs(", \"within\": ", fp);
        json_num(fp, G->r.msw);
        fputs(", \"columns\": ", fp);
        json_num(fp, G->r.msc);
        fputs(", \"error\": ", fp);
        json_num(fp, G->r.mse);
        fputs("}", fp);
        for (int f = 0; f < VLIT_ICC_FORMS; f++) {
            const vlit_icc_value *v = &G->r.form[f];
            fprintf(fp, ",\n   \"%s\": {\"ICC\": ", vlit_icc_form_name(f));
            json_num(fp, v->value);
            fputs(", \"F\": ", fp);
            json_num(fp, v->F);
            fputs(", \"df1\": ", fp);
            json_num(fp, v->df1);
            fputs(", \"df2\": ", fp);
            json_num(fp, v->df2);
            fputs(", \"p\": ", fp);
            json_num(fp, v->p);
            fputs(", \"ci\": [", fp);
            json_num(fp, v->lo);
            fputs(", ", fp);
            json_num(fp, v->hi);
            fputs("]}", fp);
        }
        fputs("}", fp);
    }
    fputs("\n ]}\n", fp);
}

/* ---- corr ---- */

static void corr_table(FILE *fp, const vlit_corr_set *s)
{
    fprintf(fp, "%s correlation over %zu keys; p two-sided (t, %zu df); *** p < 0.01, ** p < 0.05, * p < 0.10\n",
            s->method == VLIT_CORR_SPEARMAN ? "Spearman" : "Pearson", s->keys, s->keys - 2);
    size_t w0 = strlen("indicator");
    for (size_t i = 0; i < s->indicators; i++)
        if (strlen(s->indicator[i]) > w0)
            w0 = strlen(s->indicator[i]);
    size_t w = 17;
    for (size_t j = 0; j < s->columns; j++)
        if (strlen(s->column[j]) > w)
            w = strlen(s->column[j]);
    fprintf(fp, "%-*s", (int)w0, "indicator");
    for (size_t j = 0; j < s->columns; j++)
        fprintf(fp, j + 1 < s->columns ? "  %-*s" : "  %.*s", (int)(j + 1 < s->columns ? w : strlen(s->column[j])),
                s->column[j]);
    fputc('\n', fp);
    for (size_t i = 0; i < s->indicators; i++) {
        fprintf(fp, "%-*s", (int)w0, s->indicator[i]);
        for (size_t j = 0; j < s->columns; j++) {
            const vlit_corr_cell *c = &s->cell[i * s->columns + j];
            char cell[64];
            if (isnan(c->r))
                snprintf(cell, sizeof cell, "- (constant)");
            else
                snprintf(cell, sizeof cell, "%.3f (%.3f)%s", c->r, c->p, vlit_stars(c->p));
            if (j + 1 < s->columns)
                fprintf(fp, "  %-*s", (int)w, cell);
            else
                fprintf(fp, "  %s", cell);
        }
        fputc('\n', fp);
    }
}

static void corr_json(FILE *fp, const vlit_corr_set *s)
{
    fputs("{", fp);
    for (size_t i = 0; i < s->indicators; i++) {
        fputs(i ? ",\n " : "", fp);
        json_str(fp, s->indicator[i]);
        fputs(": {", fp);
        for (size_t j = 0; j < s->columns; j++) {
            const vlit_corr_cell *c = &s->cell[i * s->columns + j];
            fputs(j ? ", " : "", fp);
            json_str(fp, s->column[j]);
            fputs(": {\"r\": ", fp);
            json_num(fp, c->r);
            fputs(", \"p\": ", fp);
            json_num(fp, c->p);
            fprintf(fp, ", \"n\": %zu}", c->n);
        }
        fputs("}", fp);
    }
    fputs("}\n", fp);
}

/* A diverging scale: -1 blue, 0 near white, +1 red (ColorBrewer RdBu ends). */
static void colour(double r, char *out, size_t cap)
{
    static const double neg[3] = {33, 102, 172}, mid[3] = {247, 247, 247}, pos[3] = {178, 24, 43};
    if (isnan(r)) {
        snprintf(out, cap, "#cccccc");
        return;
    }
    double t = fabs(r) > 1 ? 1 : fabs(r);
    const double *end = r < 0 ? neg : pos;
    int c[3];
    for (int i = 0; i < 3; i++)
        c[i] = (int)lround(mid[i] + (end[i] - mid[i]) * t);
    snprintf(out, cap, "#%02x%02x%02x", c[0], c[1], c[2]);
}

static void corr_html(FILE *fp, const vlit_corr_set *s)
{
    const int cw = 74, ch = 40;
    size_t lw = 0, cl = 0;
    for (size_t i = 0; i < s->indicators; i++)
        if (strlen(s->indicator[i]) > lw)
            lw = strlen(s->indicator[i]);
    for (size_t j = 0; j < s->columns; j++)
        if (strlen(s->column[j]) > cl)
            cl = strlen(s->column[j]);
    int left = 20 + (int)(lw > 40 ? 40 : lw) * 8, top = 30 + (int)(cl > 40 ? 40 : cl) * 6;
    int gw = cw * (int)s->columns, gh = ch * (int)s->indicators;
    int width = left + gw + 110, height = top + gh + 40;
    const char *method = s->method == VLIT_CORR_SPEARMAN ? "Spearman" : "Pearson";
    fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                "<title>%s correlation: indicators and benchmark results</title>\n"
                "<style>body{font-family:sans-serif;margin:24px;color:#222}"
                "p{max-width:60em}</style></head><body>\n"
                "<h1>%s correlation: indicators and benchmark results</h1>\n",
            method, method);
    fprintf(fp,
            "<p>Rows: indicators; columns: results averaged per key over %zu keys. Each cell gives r; the stars "
            "mark the two-sided p-value (t distribution, %zu degrees of freedom): *** p &lt; 0.01, ** p &lt; "
            "0.05, * p &lt; 0.10. Grey cells: a constant column, r undefined.</p>\n",
            s->keys, s->keys - 2);
    fprintf(fp,
            "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"sans-serif\" font-size=\"12\" role=\"img\">\n",
            width, height, width, height);
    fputs("<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
          "<stop offset=\"0\" stop-color=\"#b2182b\"/><stop offset=\"0.5\" stop-color=\"#f7f7f7\"/>"
          "<stop offset=\"1\" stop-color=\"#2166ac\"/></linearGradient></defs>\n",
          fp);
    for (size_t j = 0; j < s->columns; j++) {
        int x = left + (int)j * cw + cw / 2;
        fprintf(fp, "<text x=\"%d\" y=\"%d\" transform=\"rotate(-45 %d %d)\">", x, top - 8, x, top - 8);
        html_text(fp, s->column[j]);
        fputs("</text>\n", fp);
    }
    for (size_t i = 0; i < s->indicators; i++) {
        int y = top + (int)i * ch;
        fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" dominant-baseline=\"middle\">", left - 8,
                y + ch / 2);
        html_text(fp, s->indicator[i]);
        fputs("</text>\n", fp);
        for (size_t j = 0; j < s->columns; j++) {
            const vlit_corr_cell *c = &s->cell[i * s->columns + j];
            char fill[16];
            colour(c->r, fill, sizeof fill);
            int x = left + (int)j * cw;
            fprintf(fp, "<g><title>");
            html_text(fp, s->indicator[i]);
            fputs(" / ", fp);
            html_text(fp, s->column[j]);
            if (isnan(c->r))
                fprintf(fp, ": constant, r undefined (n = %zu)</title>", c->n);
            else
                fprintf(fp, ": r = %.4f, p = %.4g, n = %zu</title>", c->r, c->p, c->n);
            fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\"/>", x, y,
                    cw, ch, fill);
            fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" dominant-baseline=\"middle\" fill=\"%s\">",
                    x + cw / 2, y + ch / 2, !isnan(c->r) && fabs(c->r) > 0.6 ? "#ffffff" : "#222222");
            if (isnan(c->r))
                fputs("n/a", fp);
            else
                fprintf(fp, "%.2f%s", c->r, vlit_stars(c->p));
            fputs("</text></g>\n", fp);
        }
    }
    /* the colour scale */
    int sx = left + gw + 30, sy = top, sh = gh > 120 ? gh : 120;
    fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\" fill=\"url(#scale)\" stroke=\"#888888\"/>\n", sx,
            sy, sh);
    for (int t = 0; t <= 4; t++) {
        double v = 1 - 0.5 * t;
        int y = sy + sh * t / 4;
        fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888888\"/>", sx + 16, y, sx + 20, y);
        fprintf(fp, "<text x=\"%d\" y=\"%d\" dominant-baseline=\"middle\">%.1f</text>\n", sx + 23, y, v);
    }
    fputs("</svg>\n</body></html>\n", fp);
}

/* ---- commands ---- */

static int parse_common(int argc, char **argv, const char *which, const char **group, const char **rater,
                        const char **by, vlit_corr_method *method, int *format, vlit_table_format *in_format,
                        double *confidence, const char **out, cli_common *c)
{
    enum { O_GROUP = 256, O_RATER, O_BY, O_METHOD, O_FORMAT, O_INFMT, O_CONF, O_JSON };
    static const struct option opts[] = {
        {"group", required_argument, NULL, O_GROUP},
        {"rater", required_argument, NULL, O_RATER},
        {"by", required_argument, NULL, O_BY},
        {"method", required_argument, NULL, O_METHOD},
        {"format", required_argument, NULL, O_FORMAT},
        {"input-format", required_argument, NULL, O_INFMT},
        {"confidence", required_argument, NULL, O_CONF},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int is_icc = strcmp(which, "icc") == 0;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case O_GROUP:
        case O_RATER:
        case O_CONF:
            if (!is_icc)
                return cli_usage_error("stats", usage, "%s belongs to 'stats icc'", argv[optind - 1]);
            if (ch == O_GROUP)
                *group = optarg;
            else if (ch == O_RATER)
                *rater = optarg;
            else {
                char *end;
                errno = 0;
                *confidence = strtod(optarg, &end);
                if (errno || end == optarg || *end || !(*confidence > 0 && *confidence < 1))
                    return cli_usage_error("stats", usage, "--confidence: '%s' is not a number between 0 and 1",
                                           optarg);
            }
            break;
        case O_BY:
        case O_METHOD:
            if (is_icc)
                return cli_usage_error("stats", usage, "%s belongs to 'stats corr'", argv[optind - 1]);
            if (ch == O_BY)
                *by = optarg;
            else if (strcmp(optarg, "pearson") == 0)
                *method = VLIT_CORR_PEARSON;
            else if (strcmp(optarg, "spearman") == 0)
                *method = VLIT_CORR_SPEARMAN;
            else
                return cli_usage_error("stats", usage, "--method: '%s' is not pearson or spearman", optarg);
            break;
        case O_FORMAT:
            if (strcmp(optarg, "table") == 0)
                *format = FMT_TABLE;
            else if (strcmp(optarg, "json") == 0)
                *format = FMT_JSON;
            else if (strcmp(optarg, "html") == 0 && !is_icc)
                *format = FMT_HTML;
            else
                return cli_usage_error("stats", usage, "--format: '%s' is not %s", optarg,
                                       is_icc ? "table or json" : "table, json or html");
            break;
        case O_INFMT:
            if (strcmp(optarg, "auto") == 0)
                *in_format = VLIT_TABLE_AUTO;
            else if (strcmp(optarg, "csv") == 0)
                *in_format = VLIT_TABLE_CSV;
            else if (strcmp(optarg, "json") == 0)
                *in_format = VLIT_TABLE_JSON;
            else
                return cli_usage_error("stats", usage, "--input-format: '%s' is not auto, csv or json", optarg);
            break;
        case 'o': *out = optarg; break;
        case 'q': c->quiet = 1; break;
        case O_JSON: c->json_log = 1; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': return cli_usage_error("stats", usage, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("stats", usage, "unknown option %s", argv[optind - 1]);
        }
    }
    return -1; /* go on */
}

static int icc_main(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    const char *group = NULL, *rater = NULL, *by = NULL, *out = "-";
    vlit_corr_method method = VLIT_CORR_PEARSON;
    int format = FMT_TABLE;
    vlit_table_format in_format = VLIT_TABLE_AUTO;
    double confidence = 0.95;
    int rc = parse_common(argc, argv, "icc", &group, &rater, &by, &method, &format, &in_format, &confidence, &out, &c);
    if (rc >= 0)
        return rc;
    if (!group)
        return cli_usage_error("stats", usage, "icc: give --group COL");
    if (!rater)
        return cli_usage_error("stats", usage, "icc: give --rater COL");
    if (optind + 1 != argc)
        return cli_usage_error("stats", usage, "icc: give one RESULTS file");
    const char *path = argv[optind];
    vlit_error err = {0};
    vlit_table t = {0};
    vlit_icc_set s = {0};
    vlit_output *o = NULL;
    vlit_status st;
    if ((st = vlit_table_read(path, input_format(path, in_format), &t, &err)) ||
        (st = vlit_icc_table(&t, group, rater, confidence, &s, &err)) || (st = vlit_output_open(out, &o, &err)))
        goto fail;
    if (format == FMT_JSON)
        icc_json(vlit_output_file(o), &s, confidence);
    else
        icc_table(vlit_output_file(o), &s);
    st = vlit_output_commit(o, &err);
    o = NULL;
    if (st)
        goto fail;
    cli_info(&c, "stats", "%zu groups, %zu targets (%s%s)", s.groups, s.targets, s.targets ? s.target[0] : "",
             s.targets > 1 ? ", ..." : "");
    vlit_icc_set_free(&s);
    vlit_table_free(&t);
    return EXIT_OK;
fail:
    cli_error(&c, "stats", err.message);
    vlit_output_abort(o);
    vlit_icc_set_free(&s);
    vlit_table_free(&t);
    return cli_exit(st);
}

static int corr_main(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    const char *group = NULL, *rater = NULL, *by = NULL, *out = "-";
    vlit_corr_method method = VLIT_CORR_PEARSON;
    int format = FMT_TABLE;
    vlit_table_format in_format = VLIT_TABLE_AUTO;
    double confidence = 0.95;
    int rc =
        parse_common(argc, argv, "corr", &group, &rater, &by, &method, &format, &in_format, &confidence, &out, &c);
    if (rc >= 0)
        return rc;
    if (!by)
        return cli_usage_error("stats", usage, "corr: give --by COL");
    if (optind + 2 != argc)
        return cli_usage_error("stats", usage, "corr: give the INDICATORS and the RESULTS file");
    vlit_error err = {0};
    vlit_table ti = {0}, tr = {0};
    vlit_corr_set s = {0};
    vlit_output *o = NULL;
    vlit_status st;
    const char *ip = argv[optind], *rp = argv[optind + 1];
    if ((st = vlit_table_read(ip, input_format(ip, in_format), &ti, &err)) ||
        (st = vlit_table_read(rp, input_format(rp, in_format), &tr, &err)) ||
        (st = vlit_corr_tables(&ti, &tr, by, method, &s, &err)) || (st = vlit_output_open(out, &o, &err)))
        goto fail;
    FILE *fp = vlit_output_file(o);
    if (format == FMT_JSON)
        corr_json(fp, &s);
    else if (format == FMT_HTML)
        corr_html(fp, &s);
    else
        corr_table(fp, &s);
    st = vlit_output_commit(o, &err);
    o = NULL;
    if (st)
        goto fail;
    {
        size_t lo = SIZE_MAX, hi = 0;
        for (size_t k = 0; k < s.keys; k++) {
            lo = s.key_rows[k] < lo ? s.key_rows[k] : lo;
            hi = s.key_rows[k] > hi ? s.key_rows[k] : hi;
        }
        cli_info(&c, "stats", "%zu keys joined on '%s', %zu to %zu results rows averaged per key, %zu results rows "
                 "of other keys left out",
                 s.keys, by, lo, hi, s.unused_rows);
    }
    vlit_corr_set_free(&s);
    vlit_table_free(&ti);
    vlit_table_free(&tr);
    return EXIT_OK;
fail:
    cli_error(&c, "stats", err.message);
    vlit_output_abort(o);
    vlit_corr_set_free(&s);
    vlit_table_free(&ti);
    vlit_table_free(&tr);
    return cli_exit(st);
}

int cmd_stats(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc < 2)
            return cli_usage_error("stats", usage, "say which: icc or corr");
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "icc") == 0)
        return icc_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "corr") == 0)
        return corr_main(argc - 1, argv + 1);
    return cli_usage_error("stats", usage, "unknown statistic '%s' (known: icc, corr)", argv[1]);
}
