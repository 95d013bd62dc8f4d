/* src/score/wordnet: the WordNet reader (index, exception lists, cntlist),
 * morphy, and its errors. Uses Debian's wordnet-base (scripts/setup.sh). */
#include <stdlib.h>

#include "../../src/score/wordnet.h"
#include "check.h"
#include "testutil.h"

static const char *lemma(const wordnet *wn, const char *word, wordnet_pos pos)
{
    wordnet_lemma out[WORDNET_MAX_LEMMAS];
    size_t n = wordnet_morphy(wn, word, strlen(word), pos, out, WORDNET_MAX_LEMMAS);
    return n ? out[0].entry->word : "(none)";
}

/* 1 if base is among the lemmas of word as pos */
static int has_lemma(const wordnet *wn, const char *word, wordnet_pos pos, const char *base)
{
    wordnet_lemma out[WORDNET_MAX_LEMMAS];
    size_t n = wordnet_morphy(wn, word, strlen(word), pos, out, WORDNET_MAX_LEMMAS);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(out[i].entry->word, base))
            return 1;
    return 0;
}

static unsigned pos_of(const wordnet *wn, const char *word)
{
    const wordnet_entry *e = wordnet_lookup(wn, word, strlen(word));
    return e ? e->pos : 0;
}

#define N WORDNET_POS_BIT(WORDNET_NOUN)
#define V WORDNET_POS_BIT(WORDNET_VERB)
#define A WORDNET_POS_BIT(WORDNET_ADJ)
#define R WORDNET_POS_BIT(WORDNET_ADV)

static void test_debian_wordnet(void)
{
    wordnet *wn;
    vlit_error err = {0};
    CHECK(wordnet_open(NULL, &wn, &err) == VLIT_OK);
    if (!wn) {
        fprintf(stderr, "WordNet: %s\n", err.message);
        return;
    }
    CHECK(wordnet_size(wn) > 140000);
    /* morphy: suffix rules, exception lists, the word itself */
    CHECK_STR(lemma(wn, "dogs", WORDNET_NOUN), "dog");
    CHECK_STR(lemma(wn, "running", WORDNET_VERB), "run");
    CHECK_STR(lemma(wn, "geese", WORDNET_NOUN), "goose");
    CHECK_STR(lemma(wn, "parked", WORDNET_VERB), "park");
    CHECK_STR(lemma(wn, "boxes", WORDNET_NOUN), "box");
    CHECK_STR(lemma(wn, "women", WORDNET_NOUN), "woman");
    CHECK_STR(lemma(wn, "ponies", WORDNET_NOUN), "pony");
    CHECK_STR(lemma(wn, "went", WORDNET_VERB), "go");
    CHECK_STR(lemma(wn, "making", WORDNET_VERB), "make");
    CHECK_STR(lemma(wn, "stopping", WORDNET_VERB), "stop"); /* ours: the doubled consonant */
    CHECK_STR(lemma(wn, "dog", WORDNET_NOUN), "dog");
    CHECK(has_lemma(wn, "bigger", WORDNET_ADJ, "big"));
    CHECK(has_lemma(wn, "better", WORDNET_ADJ, "good"));
    CHECK(has_lemma(wn, "saw", WORDNET_VERB, "see") && has_lemma(wn, "saw", WORDNET_VERB, "saw"));
    CHECK(has_lemma(wn, "left", WORDNET_VERB, "leave"));
    CHECK_STR(lemma(wn, "dogs", WORDNET_ADV), "(none)");
    CHECK_STR(lemma(wn, "xyzzyq", WORDNET_NOUN), "(none)");
    wordnet_lemma out[WORDNET_MAX_LEMMAS];
    CHECK(wordnet_morphy(wn, "geese", 5, WORDNET_NOUN, out, WORDNET_MAX_LEMMAS) == 1 &&
          out[0].how == WORDNET_BY_EXCEPTION);
    CHECK(wordnet_morphy(wn, "dogs", 4, WORDNET_NOUN, out, WORDNET_MAX_LEMMAS) == 1 && out[0].how == WORDNET_BY_RULE);
    CHECK(wordnet_morphy(wn, "dogs", 4, WORDNET_NOUN, out, 0) == 0);
    /* parts of speech */
    CHECK(pos_of(wn, "dog") == (N | V));
    CHECK(pos_of(wn, "describe") == V);
    CHECK(pos_of(wn, "quickly") == R);
    CHECK((pos_of(wn, "red") & (N | A)) == (N | A));
    CHECK(pos_of(wn, "the") == 0);
    /* multi-word lemmas and their first words */
    CHECK(pos_of(wn, "traffic_light") == N);
    CHECK(wordnet_lookup(wn, "traffic", 7)->colloc >= 2);
    CHECK(pos_of(wn, "take_apart") & V);
    /* sense-tagged counts: "dog" is used far more as a noun than as a verb */
    const wordnet_entry *dog = wordnet_lookup(wn, "dog", 3);
    CHECK(dog->tagged[WORDNET_NOUN] > dog->tagged[WORDNET_VERB]);
    const wordnet_entry *run = wordnet_lookup(wn, "run", 3);
    CHECK(run->tagged[WORDNET_VERB] > run->tagged[WORDNET_NOUN]);
    wordnet_close(wn);
}

/* A WordNet of a few words, in memory and in a folder. */
static const char *mini_files[WORDNET_NFILES] = {
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license.\n"
    "cat n 2 3 @ ~ #m 2 1 02121620 10154312  \n"
    "hot_dog n 1 1 @ 1 0 07697537  \n"
    "goose n 1 1 @ 1 0 01855672  \n",
    "cat v 1 1 @ 1 0 01411085  \r\n"
    "take_apart v 1 1 @ 1 0 01657977  \n",
    "hot a 1 1 & 1 0 01247240  \n"
    "big a 1 1 & 1 0 01382086  \n",
    "quickly r 1 1 \\ 1 0 00085811  \n",
    "geese goose\n",
    "",
    "bigger big\n",
    "",
    "cat%1:05:00:: 1 18\n"
    "cat%2:35:00:: 1 1\n"
    "big%3:00:01:: 1 40\n"
    "unknown%1:05:00:: 1 3\n",
};

static void mini_sources(wordnet_source src[WORDNET_NFILES], const char *const files[WORDNET_NFILES])
{
    for (int i = 0; i < WORDNET_NFILES; i++) {
        src[i].name = wordnet_file_names[i];
        src[i].data = files[i];
        src[i].len = strlen(files[i]);
    }
}

static void test_memory(void)
{
    wordnet_source src[WORDNET_NFILES];
    mini_sources(src, mini_files);
    wordnet *wn;
    vlit_error err = {0};
    CHECK(wordnet_load(src, &wn, &err) == VLIT_OK);
    if (!wn)
        return;
    CHECK(pos_of(wn, "cat") == (N | V));
    CHECK(pos_of(wn, "This") == 0); /* the licence is not read */
    CHECK_STR(lemma(wn, "cats", WORDNET_NOUN), "cat");
    CHECK_STR(lemma(wn, "cats", WORDNET_VERB), "cat");
    CHECK_STR(lemma(wn, "geese", WORDNET_NOUN), "goose");
    CHECK_STR(lemma(wn, "bigger", WORDNET_ADJ), "big");
    CHECK(wordnet_lookup(wn, "cat", 3)->tagged[WORDNET_NOUN] == 18);
    CHECK(wordnet_lookup(wn, "cat", 3)->tagged[WORDNET_VERB] == 1);
    CHECK(wordnet_lookup(wn, "hot", 3)->colloc == 2);
    CHECK(wordnet_lookup(wn, "take", 4)->colloc == 2 && pos_of(wn, "take") == 0);
    CHECK(wordnet_lookup(wn, "unknown", 7) == NULL); /* counts of unknown lemmas are dropped */
    wordnet_close(wn);

    /* malformed lines name the file and the line */
    const char *bad[WORDNET_NFILES];
    memcpy(bad, mini_files, sizeof bad);
    bad[WORDNET_INDEX_VERB] = "cat v 1 1 @ 1 0 01411085\nbadline\n";
    mini_sources(src, bad);
    CHECK(wordnet_load(src, &wn, &err) == VLIT_ERR_PARSE && !wn);
    CHECK_HAS(err.message, "index.verb: line 2");
    bad[WORDNET_INDEX_VERB] = "cat n 1 1 @ 1 0 01411085\n";
    mini_sources(src, bad);
    CHECK(wordnet_load(src, &wn, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "part of speech");
    bad[WORDNET_INDEX_VERB] = "";
    mini_sources(src, bad);
    CHECK(wordnet_load(src, &wn, &err) == VLIT_ERR_DATA);
    CHECK_HAS(err.message, "index.verb: no lemmas");
    memcpy(bad, mini_files, sizeof bad);
    bad[WORDNET_EXC_NOUN] = "geese\n";
    mini_sources(src, bad);
    CHECK(wordnet_load(src, &wn, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "noun.exc: line 1");
    memcpy(bad, mini_files, sizeof bad);
    bad[WORDNET_CNTLIST] = "cat%1:05:00:: 1 18\ncat 1 18\n";
    mini_sources(src, bad);
    CHECK(wordnet_load(src, &wn, &err) == VLIT_ERR_PARSE);
    CHECK_HAS(err.message, "cntlist.rev: line 2");
    bad[WORDNET_CNTLIST] = "cat%1:05:00:: 1 x\n";
    mini_sources(src, bad);
    CHECK(wordnet_load(src, &wn, &err) == VLIT_ERR_PARSE);
}

static void test_folder(void)
{
    /* the mini WordNet in a folder, found through VLIT_WORDNET_DIR */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("wn"));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    CHECK(system(cmd) == 0);
    for (int i = 0; i < WORDNET_NFILES; i++) {
        char name[64];
        snprintf(name, sizeof name, "wn/%s", wordnet_file_names[i]);
        write_file(name, mini_files[i]);
    }
    setenv(WORDNET_DIR_ENV, dir, 1);
    wordnet *wn;
    vlit_error err = {0};
    CHECK(wordnet_open(NULL, &wn, &err) == VLIT_OK);
    CHECK(wn && wordnet_size(wn) < 20);
    wordnet_close(wn);
    /* a missing file: its name and the package to install */
    snprintf(cmd, sizeof cmd, "rm '%s/adj.exc'", dir);
    CHECK(system(cmd) == 0);
    CHECK(wordnet_open(NULL, &wn, &err) == VLIT_ERR_IO && !wn);
    CHECK_HAS(err.message, "adj.exc");
    CHECK_HAS(err.message, "wordnet-base");
    CHECK_HAS(err.message, WORDNET_DIR_ENV);
    /* an explicit folder wins over the variable */
    CHECK(wordnet_open("/nonexistent/wordnet", &wn, &err) == VLIT_ERR_IO);
    CHECK_HAS(err.message, "/nonexistent/wordnet/index.noun");
    CHECK_HAS(err.message, "apt-get install wordnet-base");
    unsetenv(WORDNET_DIR_ENV);
}

int main(void)
{
    test_debian_wordnet(); /* $VLIT_WORDNET_DIR, if set, else /usr/share/wordnet */
    test_memory();
    test_folder();
    cleanup_dir();
    return CHECK_DONE();
}
