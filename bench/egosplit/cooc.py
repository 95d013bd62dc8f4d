#!/usr/bin/python3
"""Word co-occurrence graphs of real text, as instruction diversity builds them.

usage: cooc.py QA.jsonl CAPS.jsonl STOPWORDS OUTDIR [SHARDS]

From LLaVA's GPT-4 samples (QA.jsonl: instruction, output, type conv | detail |
complex) and LLaVA's caption file (CAPS.jsonl: five captions per image), read
in place, writes the edge lists (u TAB v TAB count) of:
  instructions-TYPE.tsv  the instructions of one task type (the indicator's graph)
  responses-TYPE.tsv     the responses of one task type (longer texts, hubs)
  captions.tsv           all captions
Words: the text lower-cased, cut into runs of letters and digits (an apostrophe
or any other character ends a word), stop words (data/lexicon/stopwords.txt)
and numbers left out. Two words are joined once per text they share; the count
is the weight. Lines are sorted (Python orders strings by code point, which is
the byte order of their UTF-8), so each file is also a vlit partial. With SHARDS
(default 4), OUTDIR/shards/NAME.K.tsv is the graph of texts K, K + SHARDS, ...
only: merged, the shards must give the whole graph again.
"""
import json
import os
import re
import sys

WORD = re.compile(r"[^\W_]+")


def words(text, stop):
    found = {w for w in WORD.findall(text.lower()) if w not in stop and not w.isdigit()}
    return sorted(found)


def graph(texts, stop):
    count = {}
    for text in texts:
        ws = words(text, stop)
        for i, a in enumerate(ws):
            for b in ws[i + 1:]:
                count[(a, b)] = count.get((a, b), 0) + 1
    return count


def write(path, count):
    with open(path, "w", encoding="utf-8") as f:
        for (a, b), c in sorted(count.items()):
            f.write("%s\t%s\t%d\n" % (a, b, c))


def write_all(out, name, texts, stop, shards):
    write("%s/%s.tsv" % (out, name), graph(texts, stop))
    for k in range(shards):
        write("%s/shards/%s.%d.tsv" % (out, name, k), graph(texts[k::shards], stop))


def main(qa_path, caps_path, stop_path, out, shards="4"):
    shards = int(shards)
    os.makedirs(out + "/shards", exist_ok=True)
    stop = set()
    for line in open(stop_path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            stop.add(line)
    samples = [json.loads(line) for line in open(qa_path, encoding="utf-8")]
    for kind in ("conv", "detail", "complex"):
        write_all(out, "instructions-" + kind, [s["instruction"] for s in samples if s["type"] == kind], stop, shards)
        write_all(out, "responses-" + kind, [s["output"] for s in samples if s["type"] == kind], stop, shards)
    captions = []
    for line in open(caps_path, encoding="utf-8"):
        captions += json.loads(line)["captions"]
    write_all(out, "captions", captions, stop, shards)


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    main(*sys.argv[1:])
