#!/usr/bin/env python3
"""Checks the Self-Instruct prompt files in data/si/ (standard library only).

usage: python3 data/si/check.py [-v] [DIR]

DIR defaults to the folder this script is in. Prints each failed check (and,
with -v, each passed one), then "N passed, N failed"; exits 1 if any failed.
"""

import json
import os
import re
import sys

VARIANTS = ("conversation", "region", "negative", "knowledge", "detail", "reasoning")
MIN_EXAMPLES = 12
MIN_PER_VARIANT = 2

# Rounds (user question + AI answer) each variant's examples must have; the
# same ranges the variant files ask the LLM for.
ROUNDS = {
    "conversation": (3, 6),
    "region": (3, 5),
    "negative": (3, 5),
    "knowledge": (3, 5),
    "detail": (1, 1),
    "reasoning": (2, 4),
}

# Words that reveal where the knowledge comes from. None may appear in an AI
# turn; the ones marked True may not appear in a user turn either (a user can
# fairly ask for "a detailed description", but never speaks of captions).
FORBIDDEN = {
    "description": False,
    "caption": True,
    "annotat": True,
    "bounding box": True,
    "the text says": True,
    "the clue": True,
    "according to the": False,
    "keypoint": True,
    "supercategory": True,
    "coordinate": False,
    "votes": True,
    "metadata": True,
    "people said": True,
    "i was told": False,
    "as described": False,
    "information provided": False,
    "information given": False,
    "cannot see the image": False,
    "can't see the image": False,
    "language model": True,
}
FORBIDDEN_RE = [
    (re.compile(r"\b[a-z]+_[a-z]+"), "an underscored category name", True),
    (re.compile(r"\bbox(es)?\b", re.I), "the word box", False),
    (re.compile(r"\[\s*[01]?\.\d"), "box numbers", False),  # allowed for the user only in region examples
]

# Role words si_parse.c recognises at the start of a line; a continuation line
# that looks like one of them would be split off as a turn of its own.
ROLE_WORDS = {"user", "human", "question", "q", "assistant", "ai", "gpt", "bot", "answer", "a", "model"}

# The clue layout `vlit clue --boxes norm` prints with data/clue.tmpl.
HEADER_RE = re.compile(r"^Image \S+ \((\d+)x(\d+) pixels\)$")
NUM = r"(0\.\d{3}|1\.000)"
BOX = r"\[" + NUM + r", " + NUM + r", " + NUM + r", " + NUM + r"\]"
SECTIONS = [
    # (title line or None for a one-line group, item pattern)
    ("What people said about the picture:", re.compile(r"^- (\S.*)$")),
    ("Annotated objects (count and supercategory_category):", re.compile(r"^- (\d+) ([a-z]+_[a-z][a-z ]*)$")),
    ("Object boxes [x1, y1, x2, y2]:", re.compile(r"^- ([a-z]+_[a-z][a-z ]*) " + BOX + r"$")),
    ("Object attributes:", re.compile(r"^- ([a-z]+_[a-z][a-z ]*): (\S.*)$")),
    (None, re.compile(r"^People with annotated body keypoints: (\d+) of (\d+)$")),
    ("Questions people answered about it (majority answer, votes):",
     re.compile(r"^- Q: (\S.*) A: (\S.*) \((\d+)/(\d+)\)$")),
    ("Text visible in the image:", re.compile(r'^- "([^"]+)"( ' + BOX + r")?$")),
]


class Checker:
    def __init__(self, verbose):
        self.verbose = verbose
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            if self.verbose:
                print("ok    " + what)
        else:
            self.failed += 1
            print("FAIL  " + what)
        return ok


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def words(text):
    return len(text.split())


def norm_space(s):
    return " ".join(s.split())


def line_role(line):
    """The role si_parse.c would see at the start of line, or None."""
    i, n = 0, len(line)
    while i < n and line[i] in " \t*#->_":
        i += 1
    start = i
    while i < n and line[i].isascii() and line[i].isalpha():
        i += 1
    word = line[start:i]
    if not word or len(word) > 12:
        return None
    while i < n and (line[i] == " " or line[i].isdigit()):
        i += 1
    while i < n and line[i] in "*_":
        i += 1
    if i >= n or line[i] != ":":
        return None
    w = word.lower()
    if w not in ROLE_WORDS:
        return None
    return "user" if w in ("user", "human", "question", "q") else "ai"


def parse_conversation(text):
    """[(role, text)] for a strict "User:"/"AI:" conversation, or an error string."""
    turns = []
    for k, line in enumerate(text.split("\n"), 1):
        if line.startswith("User: "):
            turns.append(["user", line[6:]])
        elif line.startswith("AI: "):
            turns.append(["ai", line[4:]])
        else:
            if not turns:
                return "line 1 does not start with \"User: \""
            if line_role(line) is not None:
                return "line %d looks like a role label but is not \"User: \" or \"AI: \": %r" % (k, line[:40])
            turns[-1][1] += "\n" + line
    if not turns:
        return "empty"
    for i, (role, t) in enumerate(turns):
        if role != ("user" if i % 2 == 0 else "ai"):
            return "turn %d should be %s" % (i + 1, "User" if i % 2 == 0 else "AI")
        if not t.strip():
            return "turn %d is empty" % (i + 1)
    if turns[-1][0] != "ai":
        return "the last turn is not an AI answer"
    return [(r, t) for r, t in turns]


def parse_clue(clue):
    """(info, error): info has width, height, objects {name: count}, boxes [(name, box)], ..."""
    lines = clue.split("\n")
    m = HEADER_RE.match(lines[0]) if lines else None
    if not m:
        return None, "the first line is not an 'Image ID (WxH pixels)' header"
    info = {"objects": {}, "boxes": [], "attributes": [], "people": None, "qa": [], "ocr": [], "captions": []}
    sec = -1
    i = 1
    while i < len(lines):
        line = lines[i]
        # a section title, or the one-line people group, later than the current section
        found = None
        for j in range(sec + 1, len(SECTIONS)):
            title, pat = SECTIONS[j]
            if (title is not None and line == title) or (title is None and pat.match(line)):
                found = j
                break
        if found is not None:
            sec = found
            title, pat = SECTIONS[sec]
            if title is None:
                m = pat.match(line)
                info["people"] = (int(m.group(1)), int(m.group(2)))
                i += 1
                continue
            i += 1
            items = 0
            while i < len(lines) and lines[i].startswith("- "):
                m = pat.match(lines[i])
                if not m:
                    return None, "line %d does not fit its section: %r" % (i + 1, lines[i][:60])
                items += 1
                if sec == 0:
                    info["captions"].append(m.group(1))
                elif sec == 1:
                    info["objects"][m.group(2)] = info["objects"].get(m.group(2), 0) + int(m.group(1))
                elif sec == 2:
                    info["boxes"].append((m.group(1), [float(m.group(k)) for k in range(2, 6)]))
                elif sec == 3:
                    info["attributes"].append(m.group(1))
                elif sec == 5:
                    info["qa"].append((int(m.group(3)), int(m.group(4))))
                elif sec == 6:
                    info["ocr"].append(m.group(1))
                i += 1
            if items == 0:
                return None, "section %r has no items" % title
            continue
        return None, "line %d is out of place or unknown: %r" % (i + 1, line[:60])
    return info, None


def check_clue(c, ex_id, clue):
    info, err = parse_clue(clue)
    if not c.check(info is not None, "%s: clue has the `vlit clue --boxes norm` layout%s" % (ex_id, "" if info else " (" + err + ")")):
        return None
    c.check(len(info["captions"]) >= 3, "%s: clue has at least 3 captions" % ex_id)
    c.check(len(info["objects"]) >= 1, "%s: clue has an object inventory" % ex_id)
    ok = all(n in info["objects"] for n, _ in info["boxes"])
    for name, count in info["objects"].items():
        if sum(1 for n, _ in info["boxes"] if n == name) > count:
            ok = False
    c.check(ok, "%s: every box names an inventoried object, at most count boxes per object" % ex_id)
    c.check(all(b[0] <= b[2] and b[1] <= b[3] for _, b in info["boxes"]), "%s: boxes have x1 <= x2 and y1 <= y2" % ex_id)
    c.check(all(n in info["objects"] for n in info["attributes"]), "%s: attributes name inventoried objects" % ex_id)
    persons = info["objects"].get("person_person", 0)
    if info["people"] is not None or persons:
        p = info["people"]
        c.check(p is not None and p[1] == persons and p[0] <= p[1],
                "%s: people line matches the person count" % ex_id)
    c.check(all(v <= t for v, t in info["qa"]), "%s: QA votes do not exceed their totals" % ex_id)
    return info


def check_template_titles(c, tmpl_path):
    if not os.path.exists(tmpl_path):
        return
    text = read(tmpl_path)
    for title, _ in SECTIONS:
        if title is not None:
            c.check(title in text, "data/clue.tmpl still has the title %r" % title)
    c.check("People with annotated body keypoints: {people_visible} of {people}" in text,
            "data/clue.tmpl still has the people line")
    c.check("Image {id} ({width}x{height} pixels)" in text, "data/clue.tmpl still has the header line")


def fmt_box(b):
    return "[%s]" % ", ".join("%.3f" % v for v in b)


def check_turn_words(c, ex_id, turns, region_example):
    bad = []
    for k, (role, text) in enumerate(turns):
        low = text.lower()
        for w, user_too in FORBIDDEN.items():
            if w in low and (role == "ai" or user_too):
                bad.append("%s turn %d: %r" % (role, k + 1, w))
        for rx, what, user_too in FORBIDDEN_RE:
            if what == "box numbers" and role == "user" and region_example:
                continue
            if rx.search(text) and (role == "ai" or user_too or what == "box numbers"):
                bad.append("%s turn %d: %s" % (role, k + 1, what))
    c.check(not bad, "%s: no forbidden source words in the turns%s" % (ex_id, "" if not bad else " (" + "; ".join(bad) + ")"))


NEGATION = re.compile(r"\b(no|not|isn't|aren't|doesn't|don't|can't|cannot|nobody|nothing)\b", re.I)


def check_examples(c, path):
    if not c.check(os.path.exists(path), "examples.jsonl exists"):
        return
    examples = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                c.check(False, "examples.jsonl line %d is empty" % n)
                continue
            try:
                examples.append(json.loads(line))
                c.check(isinstance(examples[-1], dict), "examples.jsonl line %d is a JSON object" % n)
            except ValueError as e:
                c.check(False, "examples.jsonl line %d is valid JSON (%s)" % (n, e))
    examples = [e for e in examples if isinstance(e, dict)]
    c.check(len(examples) >= MIN_EXAMPLES, "at least %d examples (%d)" % (MIN_EXAMPLES, len(examples)))
    for v in VARIANTS:
        k = sum(1 for e in examples if e.get("variant") == v)
        c.check(k >= MIN_PER_VARIANT, "at least %d examples of variant %s (%d)" % (MIN_PER_VARIANT, v, k))
    ids = [e.get("id") for e in examples]
    c.check(len(set(ids)) == len(ids), "example ids are unique")
    clues = [e.get("clue") for e in examples]
    c.check(len(set(clues)) == len(clues), "example clues are all different")
    headers = [str(e.get("clue", "")).split("\n", 1)[0] for e in examples]
    c.check(len(set(headers)) == len(headers), "example image ids are all different")

    for e in examples:
        ex_id = str(e.get("id"))
        keys = {"id", "variant", "clue", "conversation"} | ({"region"} if e.get("variant") == "region" else set())
        c.check(set(e) == keys, "%s: has exactly the keys %s" % (ex_id, ", ".join(sorted(keys))))
        c.check(isinstance(e.get("id"), str) and re.fullmatch(r"ex\d\d+", e.get("id", "")) is not None,
                "%s: id looks like exNN" % ex_id)
        variant = e.get("variant")
        if not c.check(variant in VARIANTS, "%s: variant is one of %s" % (ex_id, "|".join(VARIANTS))):
            continue
        if not c.check(isinstance(e.get("clue"), str) and isinstance(e.get("conversation"), str),
                       "%s: clue and conversation are strings" % ex_id):
            continue
        info = check_clue(c, ex_id, e["clue"])
        turns = parse_conversation(e["conversation"])
        if not c.check(isinstance(turns, list), "%s: conversation parses as alternating User:/AI: turns%s"
                       % (ex_id, "" if isinstance(turns, list) else " (" + turns + ")")):
            continue
        rounds = len(turns) // 2
        lo, hi = ROUNDS[variant]
        c.check(lo <= rounds <= hi, "%s: %d rounds, %s asks for %d-%d" % (ex_id, rounds, variant, lo, hi))
        check_turn_words(c, ex_id, turns, variant == "region")
        ai = [t for r, t in turns if r == "ai"]
        c.check(all(words(t) >= 8 for t in ai), "%s: no one-word or very short AI answers" % ex_id)
        if variant == "region":
            r = e.get("region")
            ok = (isinstance(r, list) and len(r) == 4 and all(isinstance(v, (int, float)) for v in r)
                  and all(0 <= v <= 1 for v in r) and r[0] < r[2] and r[1] < r[3])
            if c.check(ok, "%s: region is [x1, y1, x2, y2] in 0-1 with x1 < x2, y1 < y2" % ex_id):
                if info is not None:
                    c.check(any(b == [round(v, 3) for v in r] for _, b in info["boxes"]),
                            "%s: region is one of the clue's object boxes" % ex_id)
                c.check(fmt_box(r) in turns[0][1], "%s: first user turn points at the region %s" % (ex_id, fmt_box(r)))
        if variant == "negative":
            k = sum(1 for t in ai if NEGATION.search(t))
            c.check(k >= 2, "%s: at least 2 negative or correcting AI answers (%d)" % (ex_id, k))
        if variant in ("conversation", "region", "knowledge"):
            c.check(any(NEGATION.search(t) for t in ai), "%s: at least one negative or limiting AI answer" % ex_id)
        if variant == "detail":
            n = words(ai[0])
            c.check(150 <= n <= 320, "%s: the detailed answer has 150-320 words (%d)" % (ex_id, n))


def check_readme_table(c, readme, common):
    """Every requirement row's quoted sentence must stand in system_common.txt."""
    rows = {}
    for line in readme.split("\n"):
        m = re.match(r"^\|\s*(\d)\s*\|[^|]*\|\s*“(.+)”\s*\|\s*$", line)
        if m:
            rows.setdefault(int(m.group(1)), []).append(m.group(2))
    for req in range(1, 10):
        quotes = rows.get(req, [])
        ok = bool(quotes) and all(norm_space(q) in norm_space(common) for q in quotes)
        c.check(ok, "README table quotes system_common.txt for requirement %d" % req)


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv[1:]
    d = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    c = Checker(verbose)

    names = ["system_common.txt"] + ["variant_%s.txt" % v for v in VARIANTS] + ["examples.jsonl", "README.md", "check.py"]
    for n in names:
        c.check(os.path.isfile(os.path.join(d, n)), "%s exists" % n)

    common_path = os.path.join(d, "system_common.txt")
    common = read(common_path) if os.path.isfile(common_path) else ""
    if common:
        n = words(common)
        c.check(250 <= n <= 400, "system_common.txt has 250-400 words (%d)" % n)
        for phrase in ('"User:"', '"AI:"', "region", "confiden", "negative", "contradict", "cannot be told",
                       "descriptions, captions, annotations", "knowledge from outside the picture", "reasons",
                       "speaks first", "nothing after the last answer"):
            c.check(phrase in common, "system_common.txt says %s" % phrase)
    for v in VARIANTS:
        p = os.path.join(d, "variant_%s.txt" % v)
        if os.path.isfile(p):
            n = words(read(p))
            c.check(60 <= n <= 150, "variant_%s.txt has 60-150 words (%d)" % (v, n))
    region_p = os.path.join(d, "variant_region.txt")
    if os.path.isfile(region_p):
        c.check("Marked region: [x1, y1, x2, y2]" in read(region_p), "variant_region.txt names the 'Marked region:' line")

    check_template_titles(c, os.path.join(d, "..", "clue.tmpl"))
    check_examples(c, os.path.join(d, "examples.jsonl"))

    readme_p = os.path.join(d, "README.md")
    if os.path.isfile(readme_p) and common:
        check_readme_table(c, read(readme_p), common)

    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
