/* The dataset readers (jsonl, llava, sharegpt, mimicit; the first byte picks
 * one, and whether bad records are skipped) and the writers they feed. */
#include "vlit/vlit.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    vlit_format fin = (vlit_format)(data[0] & 3), fout = (vlit_format)((data[0] >> 2) & 3);
    vlit_reader_params p = vlit_reader_default_params();
    p.skip_bad = (data[0] >> 4) & 1;
    p.max_string = 4096;
    const char *in = fuzz_file("samples.in", data + 1, size - 1);
    vlit_reader *r;
    vlit_writer *w;
    vlit_error err = {0};
    if (vlit_reader_open(in, fin, &p, &r, &err))
        return 0;
    if (vlit_writer_open(fuzz_path("samples.out"), fout, &w, &err)) {
        vlit_reader_close(r);
        return 0;
    }
    const vlit_sample *s;
    vlit_status st;
    while ((st = vlit_reader_next(r, &s, &err)) == VLIT_OK)
        if (vlit_writer_write(w, s, &err))
            break;
    if (st == VLIT_END)
        vlit_writer_commit(w, &err);
    else
        vlit_writer_abort(w);
    vlit_reader_close(r);
    return 0;
}
