/* The reader of report partials (manifest.jsonl of `vlit report --partial`):
 * arbitrary bytes as the manifest of a partial whose folder holds valid,
 * empty side files (co-occurrence graphs, text and image set partials). A
 * manifest that is accepted is then finished into the report JSON (Ego-
 * Splitting, DBSCAN, histograms, worst lists) and rendered as a table, and
 * the document must parse as JSON. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/base/json.h"
#include "../../src/report/report_internal.h"
#include "vlit/embed.h"
#include "vlit/graph.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "%s", fuzz_path("partial"));
    mkdir(dir, 0700);
    vlit_graph *g;
    vlit_graph_new(&g, NULL);
    vlit_embed_params tp = vlit_embed_default_params();
    tp.dim = 128;
    vlit_embed_params ip = vlit_embed_default_params();
    ip.method = "descriptor";
    char path[512];
    for (int d = 0; d < 4; d++) {
        for (int t = 0; t < 16; t++) {
            snprintf(path, sizeof path, "%s/d%d-t%d.tsv", dir, d, t);
            if (vlit_graph_write_partial(g, path, NULL))
                abort();
        }
        vlit_text_set *ts;
        vlit_image_set *is;
        if (vlit_text_set_new(&tp, &ts, NULL) || vlit_image_set_new(&ip, &is, NULL))
            abort();
        snprintf(path, sizeof path, "%s/d%d-texts.part", dir, d);
        if (vlit_text_set_write_partial(ts, path, NULL))
            abort();
        snprintf(path, sizeof path, "%s/d%d-images.part", dir, d);
        if (vlit_image_set_write_partial(is, path, NULL))
            abort();
        vlit_text_set_free(ts);
        vlit_image_set_free(is);
    }
    vlit_graph_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        make_dir();
    if (size > (1u << 20))
        return 0;
    rp_run run;
    vlit_error err = {0};
    if (rp_run_init(&run, NULL, &err))
        abort();
    vlit_status st = rp_add_partial(&run, (const char *)data, size, dir, "manifest.jsonl", &err);
    if (st && !err.message[0])
        abort(); /* every refusal says why */
    if (!st) {
        vlit_buf json = VLIT_BUF_INIT;
        st = rp_finish_json(&run, &json, &err);
        if (!st) {
            vlit_arena a;
            vlit_arena_init(&a, 0);
            vj *doc;
            if (vj_parse(json.data, json.len, NULL, &a, &doc, &err))
                abort(); /* the report is always JSON */
            vlit_arena_free(&a);
            vlit_buf table = VLIT_BUF_INIT;
            if (rp_render_table(json.data, json.len, &table, &err))
                abort();
            vlit_buf_free(&table);
        }
        vlit_buf_free(&json);
    }
    rp_run_free(&run);
    return 0;
}
