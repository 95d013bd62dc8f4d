/* The annotation parsers of collect (COCO captions, instances, keypoints,
 * VQA questions/annotations, COCO-Text, VAW, TextVQA) and the join. The first
 * byte picks the source; a fixed small COCO file defines images 1 and 2 so
 * that joins, categories and answers are reached. */
#include <string.h>

#include "vlit/vlit.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_captions[] =
    "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":100,\"height\":80},{\"id\":2,\"file_name\":\"b.jpg\","
    "\"width\":50,\"height\":50}],\"annotations\":[{\"image_id\":1,\"id\":1,\"caption\":\"x\"}]}";
static const char base_questions[] = "{\"questions\":[{\"image_id\":1,\"question\":\"q?\",\"question_id\":11}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *in = fuzz_file("collect.in", data + 1, size - 1);
    vlit_collect_params p = vlit_collect_default_params();
    p.skip_bad = (data[0] >> 4) & 1;
    p.max_text = 256;
    if ((data[0] >> 5) & 1) {
        p.shard_index = 1;
        p.shard_count = 2;
    }
    const char *caps = fuzz_file("collect.captions", (const uint8_t *)base_captions, strlen(base_captions));
    switch (data[0] & 7) {
    case 0: p.coco_captions = in; break;
    case 1: p.coco_captions = caps, p.coco_instances = in; break;
    case 2: p.coco_captions = caps, p.coco_keypoints = in; break;
    case 3: p.coco_captions = caps, p.vqa_questions = in; break;
    case 4:
        p.coco_captions = caps;
        p.vqa_questions = fuzz_file("collect.q", (const uint8_t *)base_questions, strlen(base_questions));
        p.vqa_annotations = in;
        break;
    case 5: p.coco_text = in; break;
    case 6: p.coco_captions = caps, p.vaw = in; break;
    default: p.textvqa = in; break;
    }
    vlit_collect_summary sum;
    vlit_error err = {0};
    vlit_collect(&p, fuzz_path("collect.out"), &sum, &err);
    return 0;
}
