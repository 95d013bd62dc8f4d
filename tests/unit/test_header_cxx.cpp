// The public headers compile as C++ and link from C++ code.
#include "vlit/vlit.h"

#include <cstdio>

int main()
{
    vlit_collect_params p = vlit_collect_default_params();
    vlit_reader_params rp = vlit_reader_default_params();
    vlit_format f;
    int ok = vlit_format_parse("llava", &f) == VLIT_OK && f == VLIT_FMT_LLAVA && p.ocr_min_confidence == 60 &&
             rp.skip_bad == 0 && vlit_version()[0] != '\0' &&
             vlit_dbscan_default_params().min_samples > 0 && vlit_egosplit_default_params().min_cluster > 0 &&
             vlit_task_count() > 10 && vlit_tag_default_params().max_failed == -1 &&
             vlit_embed_default_params().dim == 256 &&
             vlit_select_default_params().out_format == VLIT_FMT_LLAVA &&
             vlit_report_default_params().min_cluster == 2 &&
             vlit_icc_form_name(VLIT_ICC3K) != nullptr;
    std::printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
    return ok ? 0 : 1;
}
