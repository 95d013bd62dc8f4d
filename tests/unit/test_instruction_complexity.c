/* src/score/instruction_elements and the instruction_complexity indicator's
 * embedded method: element counts of hand-written instructions, each kind of
 * element, the lexicon's errors, and the method as the registry runs it.
 * Needs Debian's wordnet-base (scripts/setup.sh). */
#include <stdlib.h>

#include "../../src/score/indicator.h"
#include "../../src/score/instruction_elements.h"
#include "check.h"
#include "testutil.h"

#ifndef VLIT_DATA_DIR
#define VLIT_DATA_DIR "data"
#endif
#define LEXICON VLIT_DATA_DIR "/" IELEM_LEXICON_FILE

static ielem *an;
static ielem_scratch *scr;
static vlit_buf explained = VLIT_BUF_INIT;

static ielem_counts count(const char *text)
{
    ielem_counts c;
    vlit_buf_clear(&explained);
    if (ielem_count(an, scr, text, strlen(text), &c, &explained) != VLIT_OK)
        abort();
    return c;
}

static unsigned total(const char *text)
{
    return count(text).total;
}

/* the analysis of text has this element line ("predicate describe") */
static int has(const char *text, const char *element)
{
    count(text);
    char line[256];
    snprintf(line, sizeof line, "  %s\n", element);
    if (strstr(explained.data, line))
        return 1;
    fprintf(stderr, "\"%s\" not in the analysis of \"%s\":\n%s", element, text, explained.data);
    return 0;
}

/* the analysis of text has an element line starting with prefix, silently */
static int has_quiet(const char *text, const char *prefix)
{
    count(text);
    char line[256];
    snprintf(line, sizeof line, "  %s", prefix);
    return strstr(explained.data, line) != NULL;
}

static void test_order(void)
{
    /* the brief's pair, and a graded series in between */
    const char *series[] = {
        "Describe the image.",
        "Describe the dog in the image.",
        "Describe the brown dog next to the car.",
        "What is the brown dog next to the red car doing with its ball?",
        "Compare the colour of the two cars on the left and explain which one is parked closer to the red sign, "
        "in two sentences.",
    };
    for (size_t i = 1; i < sizeof series / sizeof *series; i++)
        CHECK(total(series[i - 1]) < total(series[i]));
    CHECK(total(series[0]) == 1);
    CHECK(total(series[4]) >= 10);
    ielem_counts c = count(series[4]);
    CHECK(c.predicates == 3);  /* compare, explain, park */
    CHECK(c.focus == 1);       /* which one */
    CHECK(c.constraints == 1); /* in two sentences */
    CHECK(c.relations >= 2);   /* on the left, closer, to the sign */
    CHECK(c.total == c.predicates + c.arguments + c.modifiers + c.relations + c.focus + c.constraints);
    /* the subsets of LLaVA's GPT-4 data, one typical instruction each */
    CHECK(total("Describe the following image.") < total("What is the cat doing on the red couch?"));
    CHECK(total("What is the cat doing on the red couch?") <
          total("What challenges might the woman on the motorcycle face in this situation?"));
}

static void test_kinds(void)
{
    ielem_counts c;
    CHECK(has("Describe the image.", "predicate describe"));
    CHECK(has("Compare the colour of the two cars in two sentences.", "constraint unit:sentence"));
    CHECK(has("Compare the colour of the two cars in two sentences.", "modifier num:two"));
    CHECK(has("Which car is parked closer to the sign?", "relation cmp:close"));
    CHECK(has("Which car is parked closer to the sign?", "focus which:car"));
    CHECK(has("Is the traffic light red?", "argument traffic_light"));
    CHECK(has("Is the traffic light red?", "modifier red"));
    CHECK(has("Why are these people taking apart the controllers?", "predicate take_apart"));
    CHECK(has("Why are these people taking apart the controllers?", "focus why:people"));
    CHECK(has("What is next to the car?", "relation next_to:car"));
    CHECK(has("What is on the left?", "relation on:left"));
    CHECK(has("What is the dog's owner doing?", "argument owner"));
    CHECK(has("What is the dog's owner doing?", "predicate do"));
    CHECK(has("What does the man have in his hand?", "predicate have"));
    CHECK(has("What does the man have in his hand?", "relation in:hand"));
    CHECK(has("What might the duck face on the road?", "predicate face"));
    CHECK(has("What might the duck face on the road?", "modifier mod:might"));
    CHECK(has("Why isn't the dog eating?", "modifier neg"));
    CHECK(has("Describe the scene briefly.", "constraint style:briefly"));
    CHECK(has("Write a short description of the cat.", "constraint style:short"));
    CHECK(has("Write a short description of the cat.", "argument description"));
    CHECK(has("What happens if the light turns red?", "relation conj:if"));
    CHECK(has("How many dogs are there?", "focus how_many:dog"));
    CHECK(has("How big is the dog?", "focus how:big"));
    CHECK(has("Describe the zorblax.", "argument zorblax"));
    CHECK(count("Describe the zorblax.").unknown == 1);
    CHECK(has("Can you tell me what the woman is holding?", "focus what:woman"));
    CHECK(has("Tell me which dog is asleep.", "focus which:dog"));
    CHECK(!has_quiet("I like the dog which is asleep.", "focus which:"));
    CHECK(has("Summarize the scene in three bullet points.", "constraint unit:bullet_point"));
    CHECK(has("Provide a one-sentence caption.", "constraint unit:one-sentence"));
    CHECK(has("Please answer yes or no.", "predicate answer"));
    CHECK(has("Please answer yes or no.", "constraint style:yes_or_no"));
    c = count("Write a poem about the lake in no more than four lines.");
    CHECK(c.constraints == 1 && c.modifiers == 0 && c.relations == 0);
    /* "using a single word or phrase" is one constraint, and "use" no predicate */
    c = count("Answer the question using a single word or phrase.");
    CHECK(c.constraints == 1 && c.predicates == 1);
    /* answer options: one constraint, their words not read */
    c = count("Which animal is bigger?\nA. cat\nB. dog\n(C) horse\nAnswer with the option's letter.");
    CHECK(has("Which animal is bigger?\nA. cat\nB. dog\n(C) horse\nAnswer with the option's letter.",
              "constraint options"));
    CHECK(!strstr(explained.data, "horse"));
}

static void test_rules(void)
{
    /* the image itself, the user and the assistant add nothing */
    CHECK(total("Describe the picture provided.") == 1);
    CHECK(total("How many people are visible in the image?") == 2);
    CHECK(total("Can you describe the dog for me?") == total("Describe the dog."));
    /* each element once per instruction; turns add up */
    CHECK(total("Describe the dog. Describe the dog.") == total("Describe the dog."));
    unsigned a = total("What is the dog eating?"), b = total("Where is the cat sleeping?");
    CHECK(total("What is the dog eating?\nWhere is the cat sleeping?") == a + b);
    /* curly apostrophes and case do not matter */
    CHECK(total("What\xE2\x80\x99s the DOG doing?") == total("what's the dog doing?"));
    /* nothing to count */
    CHECK(total("") == 0);
    CHECK(total("?!... ,,;") == 0);
    CHECK(count("").words == 0);
    CHECK(count("Describe the dog.").words == 3);
}

static void test_robust(void)
{
    /* a sentence longer than the analyser's window, and bytes of every value */
    vlit_buf b = VLIT_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        vlit_buf_puts(&b, i % 2 ? "and the black dog runs after a ball " : "the cat sleeps on a mat ");
    ielem_counts c = count(b.data);
    CHECK(c.words == 5000 / 2 * 6 + 5000 / 2 * 8);
    CHECK(c.total > 5 && c.total < 40);
    vlit_buf_clear(&b);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char ch = (char)(x % 7 == 0 ? ' ' : x & 0xff);
        vlit_buf_append(&b, &ch, 1);
    }
    count(b.data); /* no crash; the sanitizer builds check the rest */
    vlit_buf_clear(&b);
    for (int i = 0; i < 3000; i++)
        vlit_buf_puts(&b, "supercalifragilisticexpialidocious-and-then-some-more-words-in-one-hyphenated-token ");
    c = count(b.data);
    CHECK(c.words == 3000 && c.unknown == 3000);
    vlit_buf_free(&b);
}

static void test_lexicon_errors(void)
{
    ielem *x;
    vlit_error err = {0};
    CHECK(ielem_open(NULL, "/nonexistent/closed_class.tsv", &x, &err) == VLIT_ERR_IO && !x);
    CHECK_HAS(err.message, "/nonexistent/closed_class.tsv");
    const char *p = write_file("bad1.tsv", "# comment\nthe\tDET\t-\nof\tPREP\tnowhere\n");
    CHECK(ielem_open(NULL, p, &x, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "line 3: unknown role");
    p = write_file("bad2.tsv", "the\tDET\t-\nthe\tDET\tquant\n");
    CHECK(ielem_open(NULL, p, &x, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "line 2");
    p = write_file("bad3.tsv", "The\tDET\t-\n");
    CHECK(ielem_open(NULL, p, &x, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "lower case");
    p = write_file("bad4.tsv", "in  front of\tPREP\tspatial\n");
    CHECK(ielem_open(NULL, p, &x, &err) == VLIT_ERR_DATA);
    p = write_file("bad5.tsv", "the\tVB\t-\n");
    CHECK(ielem_open(NULL, p, &x, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "unknown tag");
    p = write_file("bad6.tsv", "the\tDET\t-\tclosed\n");
    CHECK(ielem_open(NULL, p, &x, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "unknown flag");
    p = write_file("ok.tsv", "the\tDET\t-\r\nin front of\tPREP\tspatial\n");
    CHECK(ielem_open(NULL, p, &x, &err) == VLIT_OK);
    ielem_close(x);
    CHECK(ielem_open("/nonexistent/wordnet", LEXICON, &x, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "wordnet-base");
}

static const score_method *find_method(void)
{
    for (size_t i = 0; i < score_method_count; i++)
        if (!strcmp(score_methods[i]->info.name, "instruction_complexity") &&
            !strcmp(score_methods[i]->info.method, "lexicon-elements"))
            return score_methods[i];
    return NULL;
}

static void test_method(void)
{
    const score_method *m = find_method();
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK(m->info.principle == 7 && m->info.direction == 1 && m->info.embedded && m->info.inputs == VLIT_NEEDS_TEXT);
    CHECK_STR(m->info.range, ">= 0");
    /* it comes before the indicator's other methods */
    for (size_t i = 0; i < score_method_count && score_methods[i] != m; i++)
        CHECK(strcmp(score_methods[i]->info.name, "instruction_complexity") != 0);
    vlit_score_params cfg = vlit_score_default_params();
    cfg.data_dir = VLIT_DATA_DIR;
    void *state;
    vlit_error err = {0};
    CHECK(m->open(&cfg, &state, &err) == VLIT_OK);
    void *sc = m->scratch_new(state);
    score_item it;
    memset(&it, 0, sizeof it);
    it.instruction = "Compare the colour of the two cars on the left and explain which one is parked closer to the "
                     "red sign, in two sentences.";
    score_value v;
    memset(&v, 0, sizeof v);
    m->score(state, sc, &it, &v);
    CHECK(!v.missing && v.value == total(it.instruction));
    CHECK(v.n_extra == 8 && !strcmp(v.extra[0].name, "predicates") && v.extra[0].value == 3);
    CHECK(!strcmp(v.extra[7].name, "unknown_words") && v.extra[7].value == 0);
    memset(&v, 0, sizeof v);
    it.instruction = NULL;
    m->score(state, sc, &it, &v);
    CHECK(!v.missing && v.value == 0);
    m->scratch_free(sc);
    m->close(state);
    /* no data folder; no WordNet */
    cfg.data_dir = NULL;
    CHECK(m->open(&cfg, &state, &err) == VLIT_ERR_USAGE);
    CHECK_HAS(err.message, "closed_class.tsv");
    cfg.data_dir = VLIT_DATA_DIR;
    setenv(WORDNET_DIR_ENV, "/nonexistent/wordnet", 1);
    CHECK(m->open(&cfg, &state, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "instruction_complexity: WordNet file /nonexistent/wordnet/index.noun");
    CHECK_HAS(err.message, "apt-get install wordnet-base");
    unsetenv(WORDNET_DIR_ENV);
    m->close(NULL);
}

int main(void)
{
    vlit_error err = {0};
    if (ielem_open(NULL, LEXICON, &an, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    scr = ielem_scratch_new();
    test_order();
    test_kinds();
    test_rules();
    test_robust();
    test_lexicon_errors();
    test_method();
    ielem_scratch_free(scr);
    ielem_close(an);
    vlit_buf_free(&explained);
    cleanup_dir();
    return CHECK_DONE();
}
