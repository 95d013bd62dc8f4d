/* src/score/mentions.c and the four indicators built on it: grounding
 * (matching), annotation consistency (correctness), CHAIR (hallucination)
 * and annotation mentions (object complexity). Table-driven: a text and the
 * mentions expected in it. */
#include <math.h>
#include <stdlib.h>

#include "vlit/vlit.h"

#include "../../src/base/buf.h"
#include "../../src/score/mentions.h"
#include "check.h"
#include "testutil.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif

extern const score_method score_matching_grounding;
extern const score_method score_correctness_annotation_consistency;
extern const score_method score_hallucination_chair;
extern const score_method score_object_complexity_annotation_mentions;

static mention_lexicon *lx;

/* The mentions of text as "name[<][#N][!|-|?|%]" joined by ",": "<" a
 * narrower word, "#N" its count, "!" denied (absence), "-" negated otherwise,
 * "?" queried, "%" hedged. */
static const char *describe(const char *text)
{
    static vlit_buf b = VLIT_BUF_INIT;
    vlit_buf_clear(&b);
    vlit_buf_puts(&b, "");
    mention_list ml = MENTION_LIST_INIT;
    if (mention_find(lx, text, &ml))
        return "(out of memory)";
    for (size_t i = 0; i < ml.n; i++) {
        const mention *m = &ml.m[i];
        vlit_buf_printf(&b, "%s%s%s", i ? "," : "", mention_lexicon_name(lx, (size_t)m->category),
                        m->narrower ? "<" : "");
        if (m->count >= 0)
            vlit_buf_printf(&b, "#%d", m->count);
        if (m->mode == MENTION_NEGATED)
            vlit_buf_putc(&b, m->absence ? '!' : '-');
        else if (m->mode == MENTION_QUERIED)
            vlit_buf_putc(&b, '?');
        else if (m->mode == MENTION_HEDGED)
            vlit_buf_putc(&b, '%');
    }
    mention_list_free(&ml);
    return b.data;
}

static const struct {
    const char *text, *expected;
} cases[] = {
    /* plurals, synonyms, narrower words */
    {"There are dogs, a puppy and some cats.", "dog,dog,cat"},
    {"Several people and a woman", "person,person<"},
    {"The sofa faces a television and a fridge.", "couch,tv,refrigerator"},
    {"Two buses, three knives, four mice and five sheep.", "bus#2,knife#3,mouse#4,sheep#5"},
    {"Two ladies with puppies", "person<#2,dog"},
    {"A TV and a Cell Phone", "tv,cell phone"},
    /* multi-word names win over the words inside them */
    {"A hot dog lies next to a cell phone and a dog.", "hot dog,cell phone,dog"},
    {"A teddy bear sits on the bed near a bear.", "teddy bear,bed,bear"},
    {"a hot-dog and a double-decker bus", "hot dog,bus<"},
    {"A man holds a baseball bat and a tennis racket.", "person<,baseball bat,tennis racket"},
    {"Two glasses of wine on the dining table", "wine glass#2,dining table"},
    {"a pair of scissors", "scissors"},
    /* phrases that hide an object word */
    {"People wait at the train station.", "person"},
    {"A bus stop in the rain", ""},
    {"A tennis court and a ball game", ""},
    /* a mention before another one modifies it */
    {"A mother elephant walks.", "elephant"},
    {"A baby elephant and a baby.", "elephant<,person<"},
    {"The bus driver waves.", "person<"},
    {"The catcher's mitt is brown.", "person<,baseball glove"},
    {"The dogs' bowls are empty.", "dog,bowl"},
    {"One is a cake-style doughnut on a dog bed.", "donut"},
    /* adjectives that are also object names */
    {"An orange cat sleeps next to an orange.", "cat,orange"},
    {"An orange and white cat", "cat"},
    {"An orange and an apple", "orange,apple"},
    {"Oranges are piled up.", "orange"},
    {"a remote village; the remote is on the couch", "remote,couch"},
    {"ski poles and skis", "skis"},
    {"No, there is no orange visible here.", "orange!"},
    /* negation */
    {"There are no cats or dogs in the picture.", "cat!,dog!"},
    {"No, there is no giraffe visible here.", "giraffe!"},
    {"I don't see any giraffes.", "giraffe!"},
    {"There isn\xE2\x80\x99t a dog.", "dog!"},
    {"The photo does not contain a zebra.", "zebra!"},
    {"The man is not holding a bat.", "person<,baseball bat-"},
    {"neither a cat nor a dog", "cat!,dog!"},
    {"There is no cat, and a dog sleeps.", "cat!,dog"},
    {"There is no cat and a dog sleeps.", "cat!,dog"},
    {"no cats and dogs", "cat!,dog!"},
    {"A man with no shirt holding a dog", "person<,dog"},
    {"Not only a dog but also a cat", "dog,cat"},
    {"without any people", "person!"},
    {"They walk without holding an umbrella.", "umbrella-"},
    /* questions */
    {"Is there a giraffe in the image?", "giraffe?"},
    {"Do you spot any cat in the image?", "cat?"},
    {"What color is the cat?", "cat"},
    {"Is the man holding a kite?", "person<,kite"},
    {"What might the man be doing?", "person<"},
    /* speculation */
    {"The car is parked so the driver can shop.", "car,person<"},
    {"The car might be parked so the driver can shop.", "car,person<%"},
    {"If a dog were there, it could chase a cat.", "dog%,cat%"},
    {"A bird, likely a duck, walks by a dog.", "bird,bird<%,dog"},
    {"There may be no cat.", "cat-"},
    /* counts */
    {"There are two dogs and 3 cars.", "dog#2,car#3"},
    {"three large brown horses", "horse#3"},
    {"at least two dogs, about 20 people, two or three cats", "dog,person,cat"},
    {"only one dog and a single large cat", "dog#1,cat#1"},
    {"one dog plays with another dog", "dog,dog"},
    {"two other dogs and two of the cats", "dog,cat"},
    {"twenty-five people", "person#25"},
    {"two men and 2 skis", "person<#2,skis"},
    {"", ""},
};

static void test_find(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = describe(cases[i].text);
        if (strcmp(got, cases[i].expected) != 0)
            fprintf(stderr, "text: %s\n", cases[i].text);
        CHECK_STR(got, cases[i].expected);
    }
    mention_list ml = MENTION_LIST_INIT;
    CHECK(mention_find(lx, NULL, &ml) == VLIT_OK && ml.n == 0);
    /* offsets point at the term */
    const char *t = "Look: a Hot Dog's bun.";
    CHECK(mention_find(lx, t, &ml) == VLIT_OK && ml.n == 1);
    CHECK(ml.n == 1 && ml.m[0].start == 8 && ml.m[0].end == 15);
    mention_list_free(&ml);
}

static void test_lexicon(void)
{
    CHECK(mention_lexicon_size(lx) == 80);
    CHECK_STR(mention_lexicon_name(lx, 0), "person");
    CHECK(mention_lexicon_category(lx, "motorbike") == mention_lexicon_category(lx, "motorcycle"));
    CHECK(mention_lexicon_category(lx, "Hair_Drier") >= 0);
    CHECK(mention_lexicon_category(lx, "tvmonitor") == mention_lexicon_category(lx, "tv"));
    CHECK(mention_lexicon_category(lx, "spaceship") == -1);
    CHECK(mention_lexicon_category(lx, "train station") == -1);

    vlit_error err = {0};
    mention_lexicon *bad = NULL;
    const char *p = write_file("dup.tsv", "dog\tanimal\t-\tdog, hound\ncat\tanimal\t-\tcat, hound\n");
    CHECK(mention_lexicon_load(p, &bad, &err) == VLIT_ERR_DATA && !bad);
    CHECK_HAS(err.message, "dup.tsv:2");
    CHECK_HAS(err.message, "hound");
    p = write_file("cols.tsv", "dog\tanimal\tdog\n");
    CHECK(mention_lexicon_load(p, &bad, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "4 tab-separated columns");
    p = write_file("name.tsv", "dog\tanimal\t-\thound\n");
    CHECK(mention_lexicon_load(p, &bad, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "must be one of its terms");
    CHECK(mention_lexicon_load("/nonexistent/lexicon.tsv", &bad, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "/nonexistent/lexicon.tsv");
    /* open() of every method fails clearly without the lexicon */
    vlit_score_params cfg = vlit_score_default_params();
    cfg.data_dir = "/nonexistent";
    void *state = NULL;
    CHECK(score_hallucination_chair.open(&cfg, &state, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "/nonexistent/lexicon/coco_objects.tsv");
    cfg.data_dir = NULL;
    CHECK(score_matching_grounding.open(&cfg, &state, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "data folder");
}

static void test_quotes(void)
{
    mention_span q[8];
    const char *t = "The sign reads \"STOP\" and the shirt says 'Nike'. The \"best\" pizza. It's the dog's bowl.";
    size_t n = mention_quotes(t, q, 8);
    CHECK(n == 2);
    CHECK(n >= 1 && q[0].end - q[0].start == 4 && strncmp(t + q[0].start, "STOP", 4) == 0);
    CHECK(n >= 2 && strncmp(t + q[1].start, "Nike", 4) == 0);
    t = "The label shows \xE2\x80\x9C"
        "Fresh Bakery\xE2\x80\x9D in red letters.";
    CHECK(mention_quotes(t, q, 8) == 1);
    CHECK(strncmp(t + q[0].start, "Fresh Bakery", 12) == 0);
    /* the quote that generate aa writes */
    t = "The image contains the text \"ONE WAY\" and \"STOP\".";
    CHECK(mention_quotes(t, q, 8) == 2);

    vlit_clue_ocr ocr[2] = {{"STOP", {0, 0, 0, 0}, 0, 1, "coco-text"},
                            {"Main Station", {0, 0, 0, 0}, 0, 1, "coco-text"}};
    score_clue clue = {0};
    clue.ocr = ocr;
    clue.n_ocr = 2;
    CHECK(mention_ocr_match(&clue, "stop!", 5));
    CHECK(mention_ocr_match(&clue, "Main Staton", 11)); /* one edit in a long word */
    CHECK(!mention_ocr_match(&clue, "Mian", 4));        /* short words must match */
    CHECK(!mention_ocr_match(&clue, "STOP here", 9));
    CHECK(!mention_ocr_match(&clue, "...", 3));
}

/* A clue record: 3 people, 2 dogs, a car, OCR "STOP". */
static vlit_clue_object objs[8];
static score_clue make_clue(int crowd_people)
{
    static const char *cats[] = {"person", "person", "person", "dog", "dog", "car"};
    memset(objs, 0, sizeof objs);
    for (int i = 0; i < 6; i++) {
        objs[i].category = cats[i];
        objs[i].supercategory = "x";
    }
    objs[2].iscrowd = crowd_people;
    objs[6].category = "shirt"; /* not a lexicon category: ignored */
    static vlit_clue_ocr ocr[1] = {{"STOP", {0, 0, 0, 0}, 0, 1, "coco-text"}};
    score_clue c = {0};
    c.id = "1";
    c.image = "1.jpg";
    c.objects = objs;
    c.n_objects = 7;
    c.ocr = ocr;
    c.n_ocr = 1;
    return c;
}

static double extra(const score_value *v, const char *name)
{
    for (size_t i = 0; i < v->n_extra; i++)
        if (strcmp(v->extra[i].name, name) == 0)
            return v->extra[i].value;
    return NAN;
}

static score_value run(const score_method *m, const score_clue *clue, const char *instruction, const char *response)
{
    vlit_score_params cfg = vlit_score_default_params();
    cfg.data_dir = VLIT_DATA_DIR;
    vlit_error err = {0};
    void *state = NULL;
    score_value v;
    memset(&v, 0, sizeof v);
    if (m->open(&cfg, &state, &err)) {
        fprintf(stderr, "%s\n", err.message);
        score_missing(&v, "open failed");
        return v;
    }
    score_item it = {0};
    it.clue = clue;
    it.instruction = instruction;
    it.response = response;
    m->score(state, NULL, &it, &v);
    m->close(state);
    return v;
}

static int near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static void test_indicators(void)
{
    score_clue clue = make_clue(0);
    /* grounding: dog and people are annotated, the frisbee is not */
    score_value v = run(&score_matching_grounding, &clue, "What is the dog doing?",
                        "The dog plays with a frisbee near two people.");
    CHECK(!v.missing && near(v.value, 200.0 / 3.0));
    CHECK(near(extra(&v, "mentions"), 3) && near(extra(&v, "grounded"), 2));
    /* a denied or queried object is not claimed */
    v = run(&score_matching_grounding, &clue, "Is there a giraffe in the image?",
            "No, there is no giraffe, only dogs.");
    CHECK(!v.missing && near(v.value, 100));
    v = run(&score_matching_grounding, &clue, "Describe the scene.", "It is sunny.");
    CHECK(v.missing);
    CHECK_HAS(v.reason, "mentions no annotated category");
    v = run(&score_matching_grounding, NULL, "Describe the dog.", "A dog.");
    CHECK(v.missing);
    CHECK_HAS(v.reason, "no clue record");

    /* CHAIR on a hand-made case: 4 categories mentioned, bicycle and cat hallucinated;
     * the denied giraffe does not count */
    v = run(&score_hallucination_chair, &clue, "Describe the image.",
            "A man and a dog sit by a car. The man's dog chases a cat. There is also a bicycle, but no giraffe.");
    CHECK(!v.missing && near(v.value, 2.0 / 5.0));
    CHECK(near(extra(&v, "chair_s"), 1) && near(extra(&v, "mentions"), 5) && near(extra(&v, "hallucinated"), 2));
    v = run(&score_hallucination_chair, &clue, "Describe the image.", "Three people walk two dogs past a car.");
    CHECK(!v.missing && near(v.value, 0) && near(extra(&v, "chair_s"), 0));
    /* the instruction does not count for CHAIR */
    v = run(&score_hallucination_chair, &clue, "Where is the zebra?", "It is gone.");
    CHECK(v.missing);

    /* consistency: existence x2, counts x2, absence, OCR: all right */
    v = run(&score_correctness_annotation_consistency, &clue, "Describe.",
            "There are two dogs and three people. There are no cats. The sign reads \"STOP\".");
    CHECK(!v.missing && near(v.value, 1));
    CHECK(near(extra(&v, "existence"), 2) && near(extra(&v, "count"), 2) && near(extra(&v, "absence"), 1) &&
          near(extra(&v, "ocr"), 1) && near(extra(&v, "ocr_ok"), 1));
    /* wrong: a count (two people for 3), an absence (no dogs), a quote */
    v = run(&score_correctness_annotation_consistency, &clue, "Describe.",
            "Two people stand by a car. There are no dogs. The sign says \"YIELD\".");
    /* claims: existence person, car (ok); count person#2 (wrong); absence dog (wrong); ocr (wrong) */
    CHECK(!v.missing && near(v.value, 2.0 / 5.0));
    CHECK(near(extra(&v, "count_ok"), 0) && near(extra(&v, "absence_ok"), 0) && near(extra(&v, "existence_ok"), 2));
    /* a narrower word's count is a lower bound */
    v = run(&score_correctness_annotation_consistency, &clue, "", "Two men walk.");
    CHECK(!v.missing && near(v.value, 1) && near(extra(&v, "count_ok"), 1));
    v = run(&score_correctness_annotation_consistency, &clue, "", "Four men walk.");
    CHECK(!v.missing && near(v.value, 0.5));
    v = run(&score_correctness_annotation_consistency, &clue, "", "What a nice day.");
    CHECK(v.missing);
    CHECK_HAS(v.reason, "no claim");

    /* iscrowd: 2 people + a crowd: an exact count must exceed 2 */
    score_clue crowd = make_clue(1);
    v = run(&score_correctness_annotation_consistency, &crowd, "", "There are two people.");
    CHECK(!v.missing && near(v.value, 0.5));
    v = run(&score_correctness_annotation_consistency, &crowd, "", "There are seven people.");
    CHECK(!v.missing && near(v.value, 1));

    /* object complexity: person, dog, horse referred to; horse not annotated */
    v = run(&score_object_complexity_annotation_mentions, &clue, "Is the man next to the dog or the horse?", "");
    CHECK(!v.missing && near(v.value, 2) && near(extra(&v, "mentions"), 3));
    v = run(&score_object_complexity_annotation_mentions, &clue, "Describe the image in detail.", "A dog and a car.");
    CHECK(!v.missing && near(v.value, 0));
    v = run(&score_object_complexity_annotation_mentions, NULL, "Describe the dog.", "");
    CHECK(v.missing);

    /* a record without objects of the lexicon: nothing to check against */
    score_clue empty = {0};
    empty.id = "2";
    v = run(&score_hallucination_chair, &empty, "", "A dog.");
    CHECK(v.missing);
    CHECK_HAS(v.reason, "no objects");
}

int main(void)
{
    vlit_error err = {0};
    if (mention_lexicon_load(VLIT_DATA_DIR "/" MENTION_LEXICON_FILE, &lx, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    test_lexicon();
    test_find();
    test_quotes();
    test_indicators();
    mention_lexicon_free(lx);
    cleanup_dir();
    return CHECK_DONE();
}
