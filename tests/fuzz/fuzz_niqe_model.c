/* The NIQE model file reader. A file that loads must save and load back to
 * the same numbers. */
#include <stdlib.h>
#include <string.h>

#include "vlit/vlit.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vlit_error err = {0};
    vlit_niqe_model *m, *back;
    if (vlit_niqe_model_load(fuzz_file("niqe.model", data, size), &m, &err))
        return 0;
    const char *copy = fuzz_path("niqe.copy");
    if (vlit_niqe_model_save(m, copy, &err) || vlit_niqe_model_load(copy, &back, &err))
        abort();
    vlit_niqe_model_info a = vlit_niqe_model_get_info(m), b = vlit_niqe_model_get_info(back);
    if (a.images != b.images || a.patches != b.patches ||
        memcmp(a.mean, b.mean, sizeof *a.mean * VLIT_NIQE_FEATURES) != 0 ||
        memcmp(a.cov, b.cov, sizeof *a.cov * VLIT_NIQE_FEATURES * VLIT_NIQE_FEATURES) != 0)
        abort();
    vlit_niqe_model_free(back);
    vlit_niqe_model_free(m);
    return 0;
}
