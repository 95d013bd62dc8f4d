#!/usr/bin/python3
"""Checks a report page as headless Chromium parsed it (report_html.sh).

usage: report_html_check.py REPORT.json DOM.html

REPORT.json is the document the page was rendered from, DOM.html what
`chromium --dump-dom` printed. Everything expected is derived from the JSON
here, independently of the renderer:
  - one <svg data-chart> per histogram, cluster-size list, per-task object and
    task-share list of the JSON, each exactly once, with the dataset's name and
    the indicator's key, an accessible <title> first, and something drawn;
  - the indicator table: one <th data-dataset> per dataset in order, one row
    per distinct indicator key, one cell per dataset in each row; a null
    value shows a dash whose tooltip carries the JSON's reason;
  - one worst-samples table per list, with a row per sample whose text cell
    starts with the sample's text (so the text was escaped, not parsed);
  - no element or attribute that the texts could have smuggled in: no
    <script>, no <img>, no on* handler, one <style>, only the tags the
    renderer writes.
Prints one line per problem and exits 1 if there is any.
"""
import json
import sys
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "img", "hr", "input", "col", "area", "base", "embed", "source", "track", "wbr"}
RENDERER_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "ul", "li",
                 "span", "strong", "code", "nav", "a", "main", "section", "table", "thead", "tbody", "tr", "th",
                 "td", "div", "figure", "figcaption", "svg", "path", "text", "rect", "g", "details", "summary",
                 "footer"}
SHOWN = 320  # code points of a worst sample's text in its cell


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []  # Nodes and strings

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def elems(self, tag=None):
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def shown_text(t):
    """What the renderer puts in the cell: CR dropped, other controls but
    tab and newline replaced, at most SHOWN code points."""
    out = []
    for ch in t:
        if ch == "\r":
            continue
        if (ord(ch) < 0x20 and ch not in "\t\n") or ch == "\x7f":
            ch = "\ufffd"
        out.append(ch)
    return "".join(out)[:SHOWN]


def main():
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    parser = Tree()
    parser.feed(open(sys.argv[2], encoding="utf-8").read())
    parser.close()
    root = parser.root
    problems = []
    bad = problems.append
    everything = list(root.walk())[1:]

    # ---- charts
    expected = []
    for ds in doc["datasets"]:
        name = ds["name"]
        if isinstance(ds.get("task_shares"), list):
            expected.append(("task_shares", name, "task_shares"))
        for ind in ds["indicators"]:
            if isinstance(ind.get("histogram"), dict):
                expected.append(("histogram", name, ind["key"]))
            if isinstance(ind.get("cluster_sizes"), list):
                expected.append(("cluster_sizes", name, ind["key"]))
            if isinstance(ind.get("per_task"), dict):
                expected.append(("per_task", name, ind["key"]))
    svgs = [n for n in everything if n.tag == "svg"]
    found = []
    for s in svgs:
        key = (s.attrs.get("data-chart"), s.attrs.get("data-dataset"), s.attrs.get("data-indicator"))
        found.append(key)
        kids = s.elems()
        if not kids or kids[0].tag != "title" or not kids[0].text().strip():
            bad("chart %s has no <title> first" % (key,))
        if not any(n.tag in ("rect", "path") for n in s.walk()):
            bad("chart %s draws nothing" % (key,))
    for k in expected:
        if found.count(k) != 1:
            bad("chart %s: found %d times, expected once" % (k, found.count(k)))
    for k in found:
        if k not in expected:
            bad("unexpected chart %s" % (k,))

    # ---- the indicator table
    tables = [n for n in everything if n.tag == "table" and n.attrs.get("data-table") == "indicators"]
    names = [ds["name"] for ds in doc["datasets"]]
    if len(tables) != 1:
        bad("%d indicator tables, expected 1" % len(tables))
    else:
        t = tables[0]
        heads = [n.attrs["data-dataset"] for n in t.walk() if n.tag == "th" and "data-dataset" in n.attrs]
        if heads != names:
            bad("table columns %r, expected %r" % (heads, names))
        keys = []
        for ds in doc["datasets"]:
            for ind in ds["indicators"]:
                if ind["key"] not in keys:
                    keys.append(ind["key"])
        rows = {n.attrs["data-indicator"]: n for n in t.walk() if n.tag == "tr" and "data-indicator" in n.attrs}
        if sorted(rows) != sorted(keys):
            bad("table rows %r, expected %r" % (sorted(rows), sorted(keys)))
        for key, row in rows.items():
            cells = row.elems("td")
            if len(cells) != len(names):
                bad("row %s has %d cells for %d datasets" % (key, len(cells), len(names)))
                continue
            for ds, cell in zip(doc["datasets"], cells):
                ind = next((i for i in ds["indicators"] if i["key"] == key), None)
                dash = [n for n in cell.walk() if n.tag == "span" and "missing" in n.attrs.get("class", "")]
                if ind is None or ind.get("value") is None:
                    if not dash or dash[0].text() != "\u2014":
                        bad("row %s, dataset %s: no dash for a missing value" % (key, ds["name"]))
                    elif ind is not None and isinstance(ind.get("missing"), str) and \
                            ind["missing"] not in dash[0].attrs.get("title", ""):
                        bad("row %s, dataset %s: the tooltip lacks the reason %r" % (key, ds["name"], ind["missing"]))
                elif dash and dash[0].parent is cell:
                    bad("row %s, dataset %s: a dash for a value" % (key, ds["name"]))
                if ind is not None and ind.get("method") and ind["method"] not in cell.text():
                    bad("row %s, dataset %s: method %r not shown" % (key, ds["name"], ind["method"]))

    # ---- worst samples
    worst = {(n.attrs.get("data-dataset"), n.attrs.get("data-indicator")): n
             for n in everything if n.tag == "table" and n.attrs.get("data-table") == "worst"}
    want_worst = 0
    for ds in doc["datasets"]:
        for ind in ds["indicators"]:
            if not isinstance(ind.get("worst"), list):
                continue
            want_worst += 1
            t = worst.get((ds["name"], ind["key"]))
            if t is None:
                bad("no worst-samples table for %s / %s" % (ds["name"], ind["key"]))
                continue
            body = [n for n in t.walk() if n.tag == "tbody"][0]
            trs = body.elems("tr")
            if len(trs) != max(1, len(ind["worst"])):
                bad("worst %s / %s: %d rows for %d samples" % (ds["name"], ind["key"], len(trs), len(ind["worst"])))
                continue
            for k, (tr, w) in enumerate(zip(trs, ind["worst"])):
                cell = [c for c in tr.elems("td") if "text" in c.attrs.get("class", "")]
                want = shown_text(w.get("text") or "")
                got = cell[0].text() if cell else None
                if got is None or not got.startswith(want):
                    bad("worst %s / %s row %d: text %r does not start with %r" %
                        (ds["name"], ind["key"], k, (got or "")[:60], want[:60]))
    if len(worst) != want_worst:
        bad("%d worst-samples tables, expected %d" % (len(worst), want_worst))

    # ---- nothing smuggled in
    for n in everything:
        if n.tag not in RENDERER_TAGS:
            bad("element <%s> the renderer never writes" % n.tag)
        for a in n.attrs:
            if a.lower().startswith("on"):
                bad("event handler attribute %s on <%s>" % (a, n.tag))
    for tag, want in (("script", 0), ("img", 0), ("style", 1)):
        got = sum(1 for n in everything if n.tag == tag)
        if got != want:
            bad("%d <%s> elements, expected %d" % (got, tag, want))

    for p in problems:
        print(p)
    print("%s: %d charts, %d worst tables, %d problems" % (sys.argv[1], len(found), len(worst), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
