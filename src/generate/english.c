#include "english.h"

#include <ctype.h>
#include <string.h>

static const struct {
    const char *one, *many;
} irregular[] = {
    {"person", "people"}, {"man", "men"},         {"woman", "women"},   {"child", "children"},
    {"mouse", "mice"},    {"sheep", "sheep"},     {"skis", "skis"},     {"scissors", "scissors"},
    {"knife", "knives"},  {"broccoli", "broccoli"}, {"fish", "fish"},   {"deer", "deer"},
    {"foot", "feet"},     {"tooth", "teeth"},     {"leaf", "leaves"},   {"shelf", "shelves"},
};

static int is_vowel(char c) { return strchr("aeiouAEIOU", c) != NULL; }

void en_plural(const char *name, vlit_buf *out)
{
    vlit_buf_clear(out);
    const char *last = strrchr(name, ' ');
    last = last ? last + 1 : name;
    vlit_buf_append(out, name, (size_t)(last - name));
    for (size_t i = 0; i < sizeof irregular / sizeof irregular[0]; i++)
        if (strcmp(last, irregular[i].one) == 0) {
            vlit_buf_puts(out, irregular[i].many);
            return;
        }
    size_t n = strlen(last);
    vlit_buf_puts(out, last);
    if (n == 0)
        return;
    char z = last[n - 1], y = n > 1 ? last[n - 2] : '\0';
    if (z == 's' || z == 'x' || z == 'z' || (z == 'h' && (y == 'c' || y == 's'))) {
        vlit_buf_puts(out, "es");
    } else if (z == 'y' && n > 1 && !is_vowel(y)) {
        out->data[--out->len] = '\0';
        vlit_buf_puts(out, "ies");
    } else {
        vlit_buf_putc(out, 's');
    }
}

void en_article(const char *name, int capital, vlit_buf *out)
{
    vlit_buf_clear(out);
    /* "an" before a vowel sound; words like "umbrella" and "orange" start
     * with one, "university" and "one" are rare among object names */
    int an = is_vowel(name[0]) && strncmp(name, "uni", 3) != 0 && strncmp(name, "one", 3) != 0;
    vlit_buf_puts(out, an ? (capital ? "An " : "an ") : (capital ? "A " : "a "));
    vlit_buf_puts(out, name);
}

void en_sentence(const char *text, vlit_buf *out)
{
    vlit_buf_clear(out);
    while (*text && isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    if (!n)
        return;
    vlit_buf_append(out, text, n);
    if (out->data[0] >= 'a' && out->data[0] <= 'z')
        out->data[0] = (char)(out->data[0] - 'a' + 'A');
    char last = out->data[out->len - 1];
    if (last != '.' && last != '!' && last != '?')
        vlit_buf_putc(out, '.');
}

void en_list(const char *const *items, size_t n, vlit_buf *out)
{
    vlit_buf_clear(out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            vlit_buf_puts(out, i + 1 == n ? " and " : ", ");
        vlit_buf_puts(out, items[i]);
    }
}
