/* Task tagging: the rule-based tagger on a table of instructions of every
 * label, multi-turn samples, empty and odd input; the rules parser's errors;
 * the LLM tagger's normaliser and reply readers; the tags file reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/report/tasks_internal.h"
#include "check.h"

static const char *label(size_t i)
{
    const char *n = vlit_task_name(i);
    return n ? n : "(none)";
}

static void test_labels(void)
{
    CHECK(vlit_task_count() >= 12);
    CHECK(vlit_task_rules_check(NULL) == VLIT_OK);
    const char *need[] = {"description", "conversation", "scene_understanding", "instance_identity",
                          "instance_location", "instance_attributes", "instance_counting", "spatial_relation",
                          "instance_interaction", "visual_reasoning", "text_recognition", "other"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        size_t k = vlit_task_find(need[i]);
        CHECK(k != VLIT_TASK_NONE);
        CHECK(vlit_task_summary(k) && vlit_task_summary(k)[0]);
    }
    CHECK(vlit_task_find("nonsense") == VLIT_TASK_NONE);
    CHECK(vlit_task_name(vlit_task_count()) == NULL);
}

/* Instructions written for this test (not taken from any dataset). */
static const struct {
    const char *text, *want;
} table[] = {
    {"Describe this image in detail.", "description"},
    {"<image>\nGive a short caption for the photo.", "description"},
    {"What do you see in this picture?", "description"},
    {"Summarize the picture in two sentences.", "description"},
    {"Walk me through what this photograph shows.", "description"},
    {"Where was this picture taken?", "scene_understanding"},
    {"Is it day or night in this scene?", "scene_understanding"},
    {"What is the weather like?", "scene_understanding"},
    {"What kind of event is taking place here?", "scene_understanding"},
    {"Is this photo taken indoors or outdoors?", "scene_understanding"},
    {"Is there a bicycle in the image?", "instance_identity"},
    {"What breed is the dog? Identify it.", "instance_identity"},
    {"Which animal can be seen here?", "instance_identity"},
    {"Name the object in the region [0.10, 0.20, 0.55, 0.80].", "instance_identity"},
    {"Can you spot a traffic light?", "instance_identity"},
    {"Where is the cat sitting?", "instance_location"},
    {"Locate the umbrella in the picture.", "instance_location"},
    {"Which part of the photo contains the clock?", "instance_location"},
    {"Give the bounding box of the laptop.", "instance_location"},
    {"What color is the bus?", "instance_attributes"},
    {"What does the teapot look like?", "instance_attributes"},
    {"What is the table made of?", "instance_attributes"},
    {"What is the woman wearing?", "instance_attributes"},
    {"Describe the shape of the kite.", "instance_attributes"},
    {"How many people are in the boat?", "instance_counting"},
    {"Count the sheep in the field.", "instance_counting"},
    {"What is the number of cups on the shelf?", "instance_counting"},
    {"What is to the left of the sofa?", "spatial_relation"},
    {"Is the lamp behind the chair or in front of it?", "spatial_relation"},
    {"What is next to the fire hydrant?", "spatial_relation"},
    {"Describe the relative position of the two cars.", "spatial_relation"},
    {"What is the man doing with the frisbee?", "instance_interaction"},
    {"How are the two children interacting?", "instance_interaction"},
    {"What is the relationship between the rider and the horse?", "instance_interaction"},
    {"Why might the street be so crowded?", "visual_reasoning"},
    {"What could be the reason for the man's umbrella?", "visual_reasoning"},
    {"What precautions should the skier take?", "visual_reasoning"},
    {"What is unusual about this picture?", "visual_reasoning"},
    {"What can be inferred about the season from the trees?", "visual_reasoning"},
    {"What does the sign say?", "text_recognition"},
    {"Read the text on the billboard.", "text_recognition"},
    {"What is written on the cake?", "text_recognition"},
    {"What is the name of the store on the corner?", "text_recognition"},
    {"Transcribe the words on the poster.", "text_recognition"},
    {"Hello there", "other"},
    {"", "other"},
    {"?!... ,,, ---", "other"},
};

static void test_table(void)
{
    size_t n = sizeof table / sizeof table[0], right = 0;
    for (size_t i = 0; i < n; i++) {
        const char *got = label(vlit_task_tag_text(table[i].text));
        if (strcmp(got, table[i].want) == 0)
            right++;
        else
            fprintf(stderr, "  \"%s\": %s, expected %s\n", table[i].text, got, table[i].want);
        CHECK_STR(got, table[i].want);
    }
    CHECK(n >= 40);
    /* every label a rule can give appears in the table */
    for (size_t l = 0; l + 2 < vlit_task_count(); l++) {
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen |= strcmp(table[i].want, vlit_task_name(l)) == 0;
        CHECK(seen);
    }
}

static size_t tag_turns(const char *const *texts, const char *const *roles, size_t n)
{
    vlit_turn t[8];
    for (size_t i = 0; i < n; i++)
        t[i] = (vlit_turn){roles[i], texts[i]};
    vlit_sample s;
    memset(&s, 0, sizeof s);
    s.turns = t;
    s.n_turns = n;
    s.task = "counting"; /* the generator's name is never read */
    return vlit_task_tag_rules(&s);
}

static void test_samples(void)
{
    const char *roles4[] = {"user", "assistant", "user", "assistant"};
    const char *mixed[] = {"How many dogs are there?", "Two.", "What color is the left dog?", "Brown."};
    CHECK_STR(label(tag_turns(mixed, roles4, 4)), "conversation");
    const char *same[] = {"How many dogs are there?", "Two.", "Count the cats too.", "One."};
    CHECK_STR(label(tag_turns(same, roles4, 4)), "instance_counting");
    /* an "other" turn does not make a conversation */
    const char *with_other[] = {"Hello!", "Hi.", "What does the sign say?", "Stop."};
    CHECK_STR(label(tag_turns(with_other, roles4, 4)), "text_recognition");
    /* answers are not instructions */
    const char *answer_only[] = {"Look.", "There are three cars to the left of the bus."};
    const char *roles2[] = {"user", "assistant"};
    CHECK_STR(label(tag_turns(answer_only, roles2, 2)), "other");
    /* "human" is a user turn too; system turns are not */
    const char *human[] = {"Describe the photo.", "A beach."};
    const char *roles_h[] = {"human", "gpt"};
    CHECK_STR(label(tag_turns(human, roles_h, 2)), "description");
    const char *sys[] = {"How many birds?", "Three."};
    const char *roles_s[] = {"system", "assistant"};
    CHECK_STR(label(tag_turns(sys, roles_s, 2)), "other");
    /* no turns, NULL texts and roles */
    vlit_sample empty;
    memset(&empty, 0, sizeof empty);
    CHECK_STR(label(vlit_task_tag_rules(&empty)), "other");
    CHECK_STR(label(vlit_task_tag_rules(NULL)), "other");
    vlit_turn odd[2] = {{NULL, "How many?"}, {"user", NULL}};
    empty.turns = odd;
    empty.n_turns = 2;
    CHECK_STR(label(vlit_task_tag_rules(&empty)), "other");
    /* very long and non-ASCII input */
    size_t big = 100000;
    char *t = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        t[i] = "how many \xc3\xa9t\xc3\xa9s "[i % 17];
    t[big] = '\0';
    CHECK_STR(label(vlit_task_tag_text(t)), "instance_counting");
    free(t);
    CHECK_STR(label(vlit_task_tag_text("WHAT   COLOR\nIS THE CAR")), "instance_attributes");
    CHECK_STR(label(vlit_task_tag_text("What\xe2\x80\x99s written here?")), "text_recognition");
}

static void test_words(void)
{
    char buf[TR_MAX_TEXT + 1];
    uint32_t start[16];
    uint16_t len[16];
    uint8_t sent[16];
    size_t n = tr_words("<image>\nWhy? It's RED. ok", buf, start, len, sent, 16);
    CHECK(n == 4);
    CHECK(len[0] == 3 && memcmp(buf + start[0], "why", 3) == 0 && sent[0]);
    CHECK(len[1] == 4 && memcmp(buf + start[1], "it's", 4) == 0 && sent[1]);
    CHECK(len[2] == 3 && memcmp(buf + start[2], "red", 3) == 0 && !sent[2]);
    CHECK(sent[3]);
}

static void test_rules_parse(void)
{
    tr_rules *r = NULL;
    vlit_error err = {0};
    const char good[] = "# comment\n\ninstance_counting\t5\thow many\r\ndescription\t2\t^describe ... image|photo*\n";
    CHECK(tr_rules_parse(good, strlen(good), "g.tsv", &r, &err) == VLIT_OK);
    CHECK(tr_rules_count(r) == 2);
    int scores[16];
    CHECK_STR(label(tr_tag_text(r, "Describe the whole image", scores)), "description");
    CHECK(scores[vlit_task_find("description")] == 2);
    CHECK_STR(label(tr_tag_text(r, "Describe these photographs", NULL)), "description");
    CHECK_STR(label(tr_tag_text(r, "Then describe the nice big sunny image", NULL)), "other"); /* gap > 3, not anchored */
    CHECK_STR(label(tr_tag_text(r, "How many? Describe the image. How many!", scores)), "instance_counting");
    CHECK(scores[vlit_task_find("instance_counting")] == 5); /* a rule votes once */
    tr_rules_free(r);
    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"nolabel 5 how many\n", "b.tsv: line 1: needs LABEL<TAB>WEIGHT<TAB>PATTERN"},
        {"# x\nspace_travel\t5\thow\n", "b.tsv: line 2: unknown label 'space_travel'"},
        {"conversation\t5\thow\n", "not one a rule can give"},
        {"description\t0\thow\n", "line 1: the weight must be one digit 1..9"},
        {"description\t10\thow\n", "the weight must be one digit"},
        {"description\t3\t\n", "line 1: empty pattern"},
        {"description\t3\t... how\n", "cannot start with '...'"},
        {"description\t3\thow ...\n", "cannot end with '...'"},
        {"description\t3\thow ... ... x\n", "two '...' in a row"},
        {"description\t3\tHow\n", "is not a lower-case word"},
        {"description\t3\ta||b\n", "an empty or too long word"},
        {"description\t3\ta-b\n", "is not a lower-case word"},
        {"\n# only comments\n", "b.tsv: no rules"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vlit_error e = {0};
        tr_rules *x = NULL;
        CHECK(tr_rules_parse(bad[i].text, strlen(bad[i].text), "b.tsv", &x, &e) != VLIT_OK);
        CHECK(x == NULL);
        CHECK_HAS(e.message, bad[i].needle);
    }
}

static void test_normalise(void)
{
    char out[TL_MAX_TAG];
    static const struct {
        const char *in, *want;
    } t[] = {
        {"  Object Counting ", "object counting"},
        {"\"Colour-Recognition\".", "colour recognition"},
        {"The Spatial Relations", "spatial relation"},
        {"activities", "activity"},
        {"glasses", "glass"},
        {"analysis", "analysis"},
        {"yes/no questions!!", "yes no question"},
        {"a", ""},
        {"...", ""},
        {"one two three four five six seven eight", "one two three four five six"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        tl_normalise(t[i].in, strlen(t[i].in), out);
        CHECK_STR(out, t[i].want);
    }
}

static void test_replies(void)
{
    vlit_arena a;
    vlit_arena_init(&a, 0);
    const char reply[] = "Here are the tags:\n1: counting, object counting\n**2.** Colour recognition; attributes\n"
                         "- 3) scene\nSample 4: reading text\n4: ignored second line for 4\n7: out of range\n"
                         "5th: not numbered\n10x: nothing\n";
    tl_line *l;
    size_t n = tl_reply_lines(reply, strlen(reply), 6, &a, &l);
    CHECK(n == 4);
    if (n == 4) {
        CHECK(l[0].number == 1 && strcmp(l[0].text, "counting, object counting") == 0);
        CHECK(l[1].number == 2 && strcmp(l[1].text, "Colour recognition; attributes") == 0);
        CHECK(l[2].number == 3 && strcmp(l[2].text, "scene") == 0);
        CHECK(l[3].number == 4 && strcmp(l[3].text, "reading text") == 0);
        const char **tags;
        CHECK(tl_split_tags(l[1].text, &a, &tags) == 2);
        CHECK_STR(tags[0], "colour recognition");
        CHECK_STR(tags[1], "attribute");
    }
    CHECK(tl_reply_lines("no numbers at all", 17, 5, &a, &l) == 0);
    CHECK(tl_reply_lines("", 0, 5, &a, &l) == 0);
    const char *kept[] = {"counting", "object counting", "colour recognition", "scene"};
    char why[256];
    CHECK(tl_match_answer("Object counting", kept, 4, why, sizeof why) == 1);
    CHECK(tl_match_answer("counting", kept, 4, why, sizeof why) == 0);
    CHECK(tl_match_answer("3", kept, 4, why, sizeof why) == 2);
    CHECK(tl_match_answer("scene - the whole place", kept, 4, why, sizeof why) == 3);
    CHECK(tl_match_answer("object counting (how many)", kept, 4, why, sizeof why) == 1);
    CHECK(tl_match_answer("dancing", kept, 4, why, sizeof why) == -1);
    CHECK_HAS(why, "names no kept tag");
    CHECK(tl_match_answer("scene or colour recognition", kept, 4, why, sizeof why) == -1);
    CHECK_HAS(why, "more than one");
    CHECK(tl_match_answer("9", kept, 4, why, sizeof why) == -1);
    CHECK(tl_match_answer("", kept, 4, why, sizeof why) == -1);
    vlit_arena_free(&a);
}

static vlit_status read_all(const char *text, size_t *count, vlit_error *err)
{
    vlit_tag_reader *r;
    vlit_status st = vlit_tag_reader_open_mem(text, strlen(text), "t.jsonl", &r, err);
    if (st)
        return st;
    size_t pos;
    const char *id, *task, *method;
    *count = 0;
    while ((st = vlit_tag_reader_next(r, &pos, &id, &task, &method, err)) == VLIT_OK)
        (*count)++;
    vlit_tag_reader_close(r);
    return st == VLIT_END ? VLIT_OK : st;
}

static void test_tags_file(void)
{
    vlit_buf b = VLIT_BUF_INIT;
    CHECK(tf_write_line(&b, 0, "a\"1", "instance_counting", "rules", NULL) == VLIT_OK);
    CHECK(tf_write_line(&b, 3, "b", NULL, "llm:m", "the reply has no line") == VLIT_OK);
    CHECK(vlit_buf_puts(&b, "\n") == VLIT_OK); /* blank lines are skipped */
    vlit_tag_reader *r;
    vlit_error err = {0};
    CHECK(vlit_tag_reader_open_mem(b.data, b.len, "t.jsonl", &r, &err) == VLIT_OK);
    size_t pos;
    const char *id, *task, *method;
    CHECK(vlit_tag_reader_next(r, &pos, &id, &task, &method, &err) == VLIT_OK);
    CHECK(pos == 0);
    CHECK_STR(id, "a\"1");
    CHECK_STR(task, "instance_counting");
    CHECK_STR(method, "rules");
    CHECK(vlit_tag_reader_missing(r) == NULL);
    CHECK(vlit_tag_reader_next(r, &pos, &id, &task, &method, &err) == VLIT_OK);
    CHECK(pos == 3 && task == NULL);
    CHECK_STR(vlit_tag_reader_missing(r), "the reply has no line");
    CHECK_STR(method, "llm:m");
    CHECK(vlit_tag_reader_next(r, &pos, &id, &task, &method, &err) == VLIT_END);
    vlit_tag_reader_close(r);
    vlit_buf_free(&b);

    size_t n;
    CHECK(read_all("", &n, &err) == VLIT_OK && n == 0);
    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"{\"position\":0,\"id\":\"a\",\"task\":\"x\",\"method\":\"rules\"}\nnot json\n", "t.jsonl: line 2:"},
        {"[1]\n", "t.jsonl: line 1: not a JSON object"},
        {"{\"id\":\"a\",\"task\":\"x\",\"method\":\"rules\"}\n", "line 1: \"position\" must be an integer >= 0"},
        {"{\"position\":-1,\"id\":\"a\",\"task\":\"x\",\"method\":\"rules\"}\n", "\"position\" must be"},
        {"{\"position\":1.5,\"id\":\"a\",\"task\":\"x\",\"method\":\"rules\"}\n", "\"position\" must be"},
        {"{\"position\":0,\"id\":7,\"task\":\"x\",\"method\":\"rules\"}\n", "line 1: \"id\" must be a string"},
        {"{\"position\":0,\"id\":\"a\",\"task\":\"x\"}\n", "\"method\" must be a non-empty string"},
        {"{\"position\":0,\"id\":\"a\",\"method\":\"rules\"}\n", "neither \"task\" nor \"missing\""},
        {"{\"position\":0,\"id\":\"a\",\"task\":\"x\",\"missing\":\"y\",\"method\":\"rules\"}\n", "both"},
        {"{\"position\":0,\"id\":\"a\",\"task\":\"\",\"method\":\"rules\"}\n", "\"task\" must be a non-empty"},
        {"{\"position\":0,\"id\":\"a\",\"missing\":3,\"method\":\"rules\"}\n", "\"missing\" must be"},
        {"{\"position\":4,\"id\":\"a\",\"task\":\"x\",\"method\":\"r\"}\n{\"position\":4,\"id\":\"b\",\"task\":\"x\","
         "\"method\":\"r\"}\n",
         "t.jsonl: line 2: position 4 does not come after 4"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vlit_error e = {0};
        CHECK(read_all(bad[i].text, &n, &e) != VLIT_OK);
        CHECK_HAS(e.message, bad[i].needle);
    }
    vlit_error e = {0};
    CHECK(vlit_tag_reader_open("/nonexistent/tags.jsonl", &r, &e) == VLIT_ERR_IO);
    CHECK_HAS(e.message, "/nonexistent/tags.jsonl");
}

int main(void)
{
    test_labels();
    test_table();
    test_samples();
    test_words();
    test_rules_parse();
    test_normalise();
    test_replies();
    test_tags_file();
    return CHECK_DONE();
}
