/* The table readers of vlit stats (CSV and JSON; the first byte picks the
 * format) and what runs on a table that loads: a table must keep its shape
 * (every row has a record number, every cell a NUL-terminated text or NULL),
 * and ICC and correlations on its first columns must either succeed with
 * values in range or fail with a message. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vlit_table_format fmt = (vlit_table_format)(data[0] % 3); /* auto, csv, json */
    vlit_table t = {0};
    vlit_error err = {0};
    if (vlit_table_parse((const char *)data + 1, size - 1, "fuzz", fmt, &t, &err)) {
        if (!err.message[0] || t.cell || t.rows)
            abort(); /* a failure says why and leaves nothing behind */
        return 0;
    }
    for (size_t c = 0; c < t.cols; c++)
        if (!t.header[c] || strlen(t.header[c]) == 0 || vlit_table_column(&t, t.header[c]) != (long)c)
            abort(); /* names are non-empty and unique */
    for (size_t i = 0; i < t.rows * t.cols; i++)
        if (t.cell[i])
            (void)strlen(t.cell[i]);
    if (t.cols >= 2) {
        vlit_icc_set s = {0};
        if (vlit_icc_table(&t, t.header[0], t.header[1], 0.95, &s, &err) == VLIT_OK) {
            for (size_t g = 0; g < s.groups; g++)
                for (int f = 0; f < VLIT_ICC_FORMS; f++) {
                    double p = s.group[g].r.form[f].p;
                    if (!isnan(p) && (p < 0 || p > 1))
                        abort();
                }
            vlit_icc_set_free(&s);
        } else if (!err.message[0]) {
            abort();
        }
        vlit_corr_set cs = {0};
        for (int m = 0; m < 2; m++)
            if (vlit_corr_tables(&t, &t, t.header[0], (vlit_corr_method)m, &cs, &err) == VLIT_OK) {
                for (size_t i = 0; i < cs.indicators * cs.columns; i++) {
                    double r = cs.cell[i].r, p = cs.cell[i].p;
                    if (!isnan(r) && (r < -1 || r > 1 || !(p >= 0 && p <= 1)))
                        abort();
                }
                vlit_corr_set_free(&cs);
            }
    }
    vlit_table_free(&t);
    return 0;
}
