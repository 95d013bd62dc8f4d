/*
 * Internal: the report's HTML page (`vlit report --format html`).
 *
 * The page is rendered from the report JSON document (docs/report.md gives
 * its fields), never from the engines' structs, so that the HTML of a merged
 * or archived report is exactly the HTML of its JSON. It is one
 * self-contained file: inline CSS and inline SVG, no script, no network, no
 * external font. Every chart is an <svg> with data-chart="histogram",
 * "task_shares", "cluster_sizes" or "per_task", plus data-dataset (the
 * dataset's name) and data-indicator (the indicator's key, or "task_shares"),
 * so tests can find each one; the indicator table is
 * <table data-table="indicators"> with one <th data-dataset> per dataset.
 * All text from the document (sample texts above all) is HTML-escaped.
 */
#ifndef VLIT_REPORT_HTML_H
#define VLIT_REPORT_HTML_H

#include <stddef.h>

#include "vlit/base.h"

/* Renders the report JSON json[0..len) into out_path ("-" = standard
 * output), written under a temporary name and renamed when complete, so the
 * previous file survives any failure. Errors: VLIT_ERR_PARSE (not JSON; the
 * message gives the byte offset), VLIT_ERR_DATA (JSON that breaks the
 * contract; the message names the place, e.g.
 * `datasets[1] ("coco").indicators[4] ("text_readability").histogram:
 * 5 edges need 4 counts, found 3`), VLIT_ERR_LIMIT, VLIT_ERR_IO,
 * VLIT_ERR_NOMEM. Messages start with "report JSON: "; the caller adds the
 * file name. */
vlit_status vlit_report_html(const char *json, size_t len, const char *out_path, vlit_error *err);

/* The same page into memory: on VLIT_OK *out is a malloc'ed, NUL-terminated
 * string of *out_len bytes that the caller frees; on failure *out is NULL. */
vlit_status vlit_report_html_mem(const char *json, size_t len, char **out, size_t *out_len, vlit_error *err);

#endif
