/* Lists every object mention vlit finds in a samples file, with its context
 * and what the clue record of the sample's image says about it: the material
 * for hand-checking the mention finder (bench/grounding/README.md).
 *
 *   cc -O2 -std=c11 -I include -I src dump_mentions.c build/libvlit.a -lyajl -lm
 *   dump_mentions LEXICON SAMPLES.jsonl CLUES.jsonl > mentions.tsv
 *   dump_mentions --captions LEXICON CLUES.jsonl > caption_objects.tsv
 *
 * Output, tab-separated: sample id, part (instruction/response), the words
 * found, category, mode (asserted, negated, absence, queried), narrower,
 * count, annotated instances (-1: a crowd), context. With --captions: the
 * categories each image's captions assert (image, category), the ground truth
 * that CHAIR (Rohrbach et al. 2018) adds to the annotated objects. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlit/vlit.h"

#include "score/mentions.h"

typedef struct img {
    char *image;
    int *instances;
    unsigned char *crowd;
} img;

static void die(const char *m)
{
    fprintf(stderr, "dump_mentions: %s\n", m);
    exit(1);
}

/* The turns of one role joined by "\n", without "<image>". */
static char *join(const vlit_sample *s, int user)
{
    size_t n = 1;
    for (size_t i = 0; i < s->n_turns; i++)
        n += strlen(s->turns[i].text) + 1;
    char *out = calloc(n, 1);
    if (!out)
        die("out of memory");
    for (size_t i = 0; i < s->n_turns; i++) {
        int is_user = strcmp(s->turns[i].role, "user") == 0;
        if (is_user != user)
            continue;
        if (*out)
            strcat(out, "\n");
        const char *t = s->turns[i].text, *tag;
        while ((tag = strstr(t, "<image>")) != NULL) {
            strncat(out, t, (size_t)(tag - t));
            t = tag + 7;
            if (*t == '\n')
                t++;
        }
        strcat(out, t);
    }
    return out;
}

static void context(const char *text, const mention *m)
{
    size_t n = strlen(text);
    size_t b = m->start > 40 ? m->start - 40 : 0, e = m->end + 40 < n ? m->end + 40 : n;
    for (size_t i = b; i < e; i++) {
        char c = text[i];
        if (i == m->start)
            putchar('[');
        putchar(c == '\n' || c == '\t' ? ' ' : c);
        if (i + 1 == m->end)
            putchar(']');
    }
}

/* --captions: image TAB category for the categories its captions assert. */
static int captions(const char *lexicon, const char *clues)
{
    vlit_error err = {0};
    mention_lexicon *lx;
    if (mention_lexicon_load(lexicon, &lx, &err))
        die(err.message);
    size_t ncat = mention_lexicon_size(lx);
    unsigned char *seen = malloc(ncat);
    vlit_clue_reader *cr;
    if (!seen || vlit_clue_reader_open(clues, 0, &cr, &err))
        die(seen ? err.message : "out of memory");
    const vlit_clue_record *rec;
    vlit_status st;
    mention_list ml = MENTION_LIST_INIT;
    while ((st = vlit_clue_reader_next(cr, &rec, &err)) == VLIT_OK) {
        memset(seen, 0, ncat);
        for (size_t i = 0; i < rec->n_captions; i++) {
            if (mention_find(lx, rec->captions[i], &ml))
                die("out of memory");
            mention_mark(&ml, 1u << MENTION_ASSERTED, seen, ncat);
        }
        for (size_t c = 0; c < ncat; c++)
            if (seen[c])
                printf("%s\t%s\n", rec->image, mention_lexicon_name(lx, c));
    }
    if (st != VLIT_END)
        die(err.message);
    vlit_clue_reader_close(cr);
    mention_list_free(&ml);
    free(seen);
    mention_lexicon_free(lx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--captions") == 0)
        return captions(argv[2], argv[3]);
    if (argc != 4)
        die("usage: dump_mentions LEXICON SAMPLES.jsonl CLUES.jsonl | --captions LEXICON CLUES.jsonl");
    vlit_error err = {0};
    mention_lexicon *lx;
    if (mention_lexicon_load(argv[1], &lx, &err))
        die(err.message);
    size_t ncat = mention_lexicon_size(lx);

    img *imgs = NULL;
    size_t nimg = 0;
    vlit_clue_reader *cr;
    if (vlit_clue_reader_open(argv[3], 0, &cr, &err))
        die(err.message);
    const vlit_clue_record *rec;
    vlit_status st;
    while ((st = vlit_clue_reader_next(cr, &rec, &err)) == VLIT_OK) {
        img *p = realloc(imgs, (nimg + 1) * sizeof *p);
        if (!p)
            die("out of memory");
        imgs = p;
        mention_truth t;
        if (mention_truth_build(lx, rec, &t))
            die("out of memory");
        imgs[nimg].image = strdup(rec->image);
        imgs[nimg].instances = t.instances;
        imgs[nimg].crowd = t.crowd;
        nimg++;
    }
    if (st != VLIT_END)
        die(err.message);
    vlit_clue_reader_close(cr);

    vlit_reader_params rp = vlit_reader_default_params();
    vlit_reader *r;
    if (vlit_reader_open(argv[2], VLIT_FMT_JSONL, &rp, &r, &err))
        die(err.message);
    const vlit_sample *s;
    static const char *modes[] = {"asserted", "negated", "queried", "hedged"};
    mention_list ml = MENTION_LIST_INIT;
    while ((st = vlit_reader_next(r, &s, &err)) == VLIT_OK) {
        const img *im = NULL;
        for (size_t i = 0; i < nimg && s->n_images; i++)
            if (strcmp(imgs[i].image, s->images[0]) == 0)
                im = &imgs[i];
        for (int part = 0; part < 2; part++) {
            char *text = join(s, part == 0);
            if (mention_find(lx, text, &ml))
                die("out of memory");
            for (size_t i = 0; i < ml.n; i++) {
                const mention *m = &ml.m[i];
                int annotated = !im ? -2 : im->crowd[m->category] ? -1 : im->instances[m->category];
                printf("%s\t%s\t%.*s\t%s\t%s\t%d\t%d\t%d\t", s->id, part == 0 ? "instruction" : "response",
                       (int)(m->end - m->start), text + m->start, mention_lexicon_name(lx, (size_t)m->category),
                       m->mode == MENTION_NEGATED && m->absence ? "absence" : modes[m->mode], m->narrower, m->count,
                       annotated);
                context(text, m);
                putchar('\n');
            }
            free(text);
        }
    }
    if (st != VLIT_END)
        die(err.message);
    vlit_reader_close(r);
    mention_list_free(&ml);
    for (size_t i = 0; i < nimg; i++) {
        free(imgs[i].image);
        free(imgs[i].instances);
        free(imgs[i].crowd);
    }
    free(imgs);
    mention_lexicon_free(lx);
    (void)ncat;
    return 0;
}
