#!/usr/bin/python3
"""Independent references for tests/integration/stats.sh (Debian's python3-scipy).

  stats_ref.py corr INDICATORS.csv RESULTS.csv BY METHOD VLIT.json
      scipy.stats.pearsonr / spearmanr on the indicator values and the results'
      means per key; compares with vlit's JSON (|dr|, |dp| <= 1e-6); prints the
      largest differences.
  stats_ref.py icc RESULTS.csv GROUP RATER VLIT.json
      the six Shrout-Fleiss forms, their F tests (scipy.stats.f.sf) and 95 %
      intervals (scipy.stats.f.ppf) written out from the formulas of Shrout &
      Fleiss (1979) and McGraw & Wong (1996); compares with vlit's JSON.
  stats_ref.py paper VLIT.json TABLE3_ICC.csv
      which ICC form reproduces the paper's Table 3 (single and average
      measures) on the datasets where Table 2 is consistent with it.
  stats_ref.py random DIR SEED
      writes random indicator/results tables (ties included) as CSV and JSON.
"""
import csv
import json
import math
import sys

import numpy as np
from scipy import stats

TOL = 1e-6


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_table(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            return [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in json.load(f)]
    return read_csv(path)


def is_num(s):
    try:
        return math.isfinite(float(s))
    except ValueError:
        return False


def numeric_columns(rows, skip):
    cols = [c for c in rows[0].keys() if c not in skip]
    return [c for c in cols if all(is_num(r[c]) for r in rows)]


def close(a, b, tol):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def corr(ind_path, res_path, by, method, out_path):
    ind, res = read_table(ind_path), read_table(res_path)
    icols, rcols = numeric_columns(ind, {by}), numeric_columns(res, {by})
    keys = [r[by] for r in ind]
    means = {}
    for k in keys:
        rows = [r for r in res if r[by] == k]
        means[k] = {c: np.mean([float(r[c]) for r in rows]) for c in rcols}
    with open(out_path, encoding="utf-8") as f:
        got = json.load(f)
    fn = stats.pearsonr if method == "pearson" else stats.spearmanr
    worst_r = worst_p = 0.0
    cells = 0
    bad = []
    if list(got.keys()) != icols:
        bad.append(f"indicators {list(got.keys())} != {icols}")
    for i in icols:
        x = np.array([float(r[i]) for r in ind])
        if list(got.get(i, {}).keys()) != rcols:
            bad.append(f"{i}: columns {list(got.get(i, {}).keys())} != {rcols}")
            continue
        for c in rcols:
            y = np.array([means[k][c] for k in keys])
            g = got[i][c]
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                if g["r"] is not None or g["p"] is not None:
                    bad.append(f"{i}/{c}: constant input, expected null")
                continue
            res_ = fn(x, y)
            r, p = float(res_[0]), float(res_[1])
            cells += 1
            if g["n"] != len(keys):
                bad.append(f"{i}/{c}: n {g['n']} != {len(keys)}")
            dr, dp = abs(g["r"] - r), abs(g["p"] - p)
            worst_r, worst_p = max(worst_r, dr), max(worst_p, dp)
            if dr > TOL or dp > TOL:
                bad.append(f"{i}/{c}: vlit r={g['r']!r} p={g['p']!r}, scipy r={r!r} p={p!r}")
    print(f"{method}: {cells} cells over {len(keys)} keys, max |dr| {worst_r:.3g}, max |dp| {worst_p:.3g}")
    for b in bad:
        print("  " + b)
    return 1 if bad or cells == 0 else 0


def icc_forms(Y, conf=0.95):
    n, k = Y.shape
    gm = Y.mean()
    rm, cm = Y.mean(axis=1), Y.mean(axis=0)
    ssr = k * ((rm - gm) ** 2).sum()
    ssc = n * ((cm - gm) ** 2).sum()
    ssw = ((Y - rm[:, None]) ** 2).sum()
    sse = ((Y - rm[:, None] - cm[None, :] + gm) ** 2).sum()
    msr, msc = ssr / (n - 1), ssc / (k - 1)
    msw, mse = ssw / (n * (k - 1)), sse / ((n - 1) * (k - 1))
    q = 1 - (1 - conf) / 2
    out = {}
    # one-way
    F1, a1, b1 = msr / msw, n - 1, n * (k - 1)
    fl, fu = F1 / stats.f.ppf(q, a1, b1), F1 * stats.f.ppf(q, b1, a1)
    p1 = stats.f.sf(F1, a1, b1)
    out["ICC1"] = ((msr - msw) / (msr + (k - 1) * msw), F1, a1, b1, p1, (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
    out["ICC1k"] = ((msr - msw) / msr, F1, a1, b1, p1, 1 - 1 / fl, 1 - 1 / fu)
    # two-way
    F3, a3, b3 = msr / mse, n - 1, (n - 1) * (k - 1)
    p3 = stats.f.sf(F3, a3, b3)
    fl, fu = F3 / stats.f.ppf(q, a3, b3), F3 * stats.f.ppf(q, b3, a3)
    out["ICC3"] = ((msr - mse) / (msr + (k - 1) * mse), F3, a3, b3, p3, (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
    out["ICC3k"] = ((msr - mse) / msr, F3, a3, b3, p3, 1 - 1 / fl, 1 - 1 / fu)
    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    A = k * icc2 / (n * (1 - icc2))
    B = 1 + k * icc2 * (n - 1) / (n * (1 - icc2))
    v = (A * msc + B * mse) ** 2 / ((A * msc) ** 2 / (k - 1) + (B * mse) ** 2 / ((n - 1) * (k - 1)))
    fs, fi = stats.f.ppf(q, n - 1, v), stats.f.ppf(q, v, n - 1)
    lo = n * (msr - fs * mse) / (fs * (k * msc + (k * n - k - n) * mse) + n * msr)
    hi = n * (fi * msr - mse) / (k * msc + (k * n - k - n) * mse + n * fi * msr)
    out["ICC2"] = (icc2, F3, a3, b3, p3, lo, hi)
    out["ICC2k"] = ((msr - mse) / (msr + (msc - mse) / n), F3, a3, b3, p3, lo * k / (1 + lo * (k - 1)), hi * k / (1 + hi * (k - 1)))
    return out


def icc_groups(rows, group, rater):
    cols = numeric_columns(rows, {group, rater})
    groups = []
    for r in rows:
        if r[group] not in groups:
            groups.append(r[group])
    res = {}
    for g in groups:
        mine = [r for r in rows if r[group] == g]
        Y = np.array([[float(r[c]) for r in mine] for c in cols])
        res[g] = icc_forms(Y)
    return cols, res


def icc(res_path, group, rater, out_path):
    rows = read_table(res_path)
    cols, ref = icc_groups(rows, group, rater)
    with open(out_path, encoding="utf-8") as f:
        got = json.load(f)
    bad = []
    worst = 0.0
    if got["targets"] != cols:
        bad.append(f"targets {got['targets']} != {cols}")
    if [g["group"] for g in got["groups"]] != list(ref.keys()):
        bad.append("groups differ")
    for g in got["groups"]:
        for form, want in ref.get(g["group"], {}).items():
            v = g[form]
            have = (v["ICC"], v["F"], v["df1"], v["df2"], v["p"], v["ci"][0], v["ci"][1])
            for name, a, b in zip(("ICC", "F", "df1", "df2", "p", "lo", "hi"), have, want):
                d = abs(a - b) / max(1.0, abs(b))
                worst = max(worst, d)
                if d > 1e-9:
                    bad.append(f"{g['group']} {form} {name}: vlit {a!r}, reference {b!r}")
    print(f"icc: {len(got['groups'])} groups x 6 forms x 7 numbers, max relative difference {worst:.3g}")
    for b in bad:
        print("  " + b)
    return 1 if bad else 0


# Table 3 rows that Table 2 does not reproduce under any form (docs/stats.md)
INCONSISTENT = {"Ours", "w/o diversity"}
PAPER_TOL = 2e-4  # Table 2 prints scores to 0.1; the paper computed on its own, unrounded scores


def paper(out_path, table3_path):
    with open(out_path, encoding="utf-8") as f:
        got = {g["group"]: g for g in json.load(f)["groups"]}
    want = {r["dataset"]: (float(r["SM"]), float(r["AM"])) for r in read_csv(table3_path)}
    pairs = {"ICC1": "ICC1k", "ICC2": "ICC2k", "ICC3": "ICC3k"}
    matches = {}
    print(f"{'dataset':16s} {'paper SM':>9s} {'paper AM':>9s}  " + "  ".join(f"{s:>7s} {a:>7s}" for s, a in pairs.items()))
    for d, (sm, am) in want.items():
        g = got[d]
        line = f"{d:16s} {sm:9.4f} {am:9.4f}  "
        line += "  ".join(f"{g[s]['ICC']:7.4f} {g[a]['ICC']:7.4f}" for s, a in pairs.items())
        print(line)
        for s, a in pairs.items():
            ok = abs(g[s]["ICC"] - sm) <= PAPER_TOL and abs(g[a]["ICC"] - am) <= PAPER_TOL
            matches.setdefault(s, set())
            if ok:
                matches[s].add(d)
    consistent = set(want) - INCONSISTENT
    fitting = [s for s, m in matches.items() if consistent <= m]
    print(f"forms reproducing all {len(consistent)} consistent rows within {PAPER_TOL}: {fitting}")
    for s, m in matches.items():
        print(f"  {s}/{pairs[s]} matches {len(m)} of {len(want)}: {sorted(m)}")
    if fitting != ["ICC1"]:
        print("expected exactly ICC1/ICC1k to fit")
        return 1
    if matches["ICC1"] & INCONSISTENT:
        print("a row listed as inconsistent matches now: update INCONSISTENT and docs/stats.md")
        return 1
    return 0


def random_tables(folder, seed):
    rng = np.random.default_rng(int(seed))
    nkeys = int(rng.integers(4, 30))
    models = ["m1", "m2", "m3"][: int(rng.integers(1, 4))]
    keys = [f"k{i}" for i in range(nkeys)]
    ind = {"key": keys}
    ind["a"] = rng.normal(size=nkeys).round(3)
    ind["b"] = rng.integers(0, 4, size=nkeys).astype(float)  # many ties
    ind["c"] = (ind["a"] * 2 + rng.normal(size=nkeys) * 0.1).round(4)
    res = []
    for k in keys:
        for m in models:
            res.append({"key": k, "model": m, "x": round(float(rng.normal()), 2), "y": float(rng.integers(0, 3)),
                        "z": round(float(rng.uniform(0, 100)), 1)})
    with open(f"{folder}/ind.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["key", "a", "b", "c"])
        for i in range(nkeys):
            w.writerow([keys[i], ind["a"][i], ind["b"][i], ind["c"][i]])
    with open(f"{folder}/res.json", "w", encoding="utf-8") as f:
        json.dump(res, f)
    # ICC: groups of raters scoring targets (target effect + rater bias + noise)
    nt, nr = int(rng.integers(3, 13)), int(rng.integers(2, 6))
    with open(f"{folder}/icc.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["group", "rater", "note"] + [f"t{j}" for j in range(nt)])
        for g in range(int(rng.integers(1, 4))):
            effect = rng.normal(size=nt) * rng.uniform(0.2, 3)
            for r in range(nr):
                bias = rng.normal() * rng.uniform(0, 2)
                w.writerow([f"g{g}", f"r{r}", "text"] + list((effect + bias + rng.normal(size=nt)).round(3)))
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "corr":
        return corr(argv[2], argv[3], argv[4], argv[5], argv[6])
    if cmd == "icc":
        return icc(argv[2], argv[3], argv[4], argv[5])
    if cmd == "paper":
        return paper(argv[2], argv[3])
    if cmd == "random":
        return random_tables(argv[2], argv[3])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
