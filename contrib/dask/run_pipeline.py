#!/usr/bin/python3
"""Runs a vlit pipeline as Dask tasks: every stage in N shards, then its merge.

    run_pipeline.py [options] PIPELINE.conf

PIPELINE.conf is the file `vlit run` reads (docs/run.md; data/demo/pipeline.conf).
Each stage section present becomes N tasks `vlit STAGE ... --shard i/N` (the shard
outputs go to WORKDIR/shards/) and one task `vlit merge KIND` that puts them together
in WORKDIR, exactly as one process would have written them; a stage's tasks depend on
the merge before them (report and select both run after the scores are merged). Each
task runs the vlit command line as a subprocess on a worker, so the work folder and the
input files must be visible from every worker (one machine, or a shared file system).

options:
  --shards N            shards per stage (default 4)
  --workers W           LocalCluster workers (default 2), one thread each
  --scheduler ADDR      use a running Dask scheduler (tcp://host:8786) instead
  --workdir DIR         the work folder (default: [run] workdir, else vlit-run)
  --set S.K=V           as for vlit run: replace a setting ('S.K=' removes it); repeatable
  --vlit PATH           the vlit binary (default: vlit on PATH)

Relative paths in the file are relative to the folder this is started in; the tasks run
there too. Exit status 0 when every task succeeded, 1 when one failed (its command and
the end of its messages are printed), 2 for a bad config or option.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

STAGES = ["collect", "generate", "score", "report", "select"]
SECTIONS = ["run"] + STAGES[:3] + ["tag"] + STAGES[3:]
RUN_KEYS = {"workdir", "image-root", "clues", "samples", "scores", "tags"}
# options the recipe sets itself, per section (as vlit run refuses them)
REFUSED = {"score": {"clues"}, "report": {"clues", "scores", "tags", "format", "partial"},
           "select": {"scores", "tags", "reasons"}}


class ConfigError(Exception):
    pass


def parse_config(path):
    """The file as vlit run reads it: {section: [(key, value), ...]} in file order."""
    conf, sec = {}, None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                sec = line[1:-1].strip()
                if sec not in SECTIONS:
                    raise ConfigError(f"{path}:{n}: unknown section [{sec}]")
                conf.setdefault(sec, [])
                continue
            if sec is None:
                raise ConfigError(f"{path}:{n}: '{line}' comes before any [section]")
            if "=" not in line:
                raise ConfigError(f"{path}:{n}: expected 'key = value', got '{line}'")
            key, val = (x.strip() for x in line.split("=", 1))
            if not re.fullmatch(r"[a-z0-9_-]{1,64}", key):
                raise ConfigError(f"{path}:{n}: bad key '{key}'")
            if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
                val = re.sub(r'\\([\\"])', r"\1", val[1:-1])
            elif not val:
                raise ConfigError(f"{path}:{n}: '{key}' has an empty value (write '{key} = false' or leave the line out)")
            conf[sec].append((key, val))
    return conf


def apply_set(conf, setting):
    m = re.fullmatch(r"([a-z]+)\.([a-z0-9_-]+)=(.*)", setting, re.S)
    if not m or m.group(1) not in SECTIONS:
        raise ConfigError(f"--set '{setting}' is not SECTION.KEY=VALUE with a known section")
    sec, key, val = m.groups()
    lines = [kv for kv in conf.get(sec, []) if kv[0] != key]
    if val:
        lines.append((key, val))
    if val or sec in conf:
        conf[sec] = lines


def options(lines):
    """key = value -> --key value; true -> --key; false -> nothing."""
    out = []
    for key, val in lines:
        if val == "true":
            out.append("--" + key)
        elif val != "false":
            out += ["--" + key, val]
    return out


def get(conf, sec, key):
    vals = [v for k, v in conf.get(sec, []) if k == key]
    return vals[-1] if vals else None


def plan(conf, workdir, vlit, shards):
    """The tasks: [(stage, [shard command lines], [merge command lines])] in order."""
    for key, _ in conf.get("run", []):
        if key not in RUN_KEYS:
            raise ConfigError(f"unknown key '{key}' in [run]")
    if "tag" in conf:
        raise ConfigError("[tag] has no shards yet: run vlit tag before, and name its output with run.tags")
    for sec in STAGES:
        for key, _ in conf.get(sec, []):
            if key in ("output", "o", "shard") or key in REFUSED.get(sec, ()):
                raise ConfigError(f"[{sec}] may not set '{key}': the recipe sets it itself")
    files = {k: (os.path.abspath(get(conf, "run", k)) if get(conf, "run", k) else None)
             for k in ("clues", "samples", "scores", "tags")}
    for sec, f in (("collect", "clues"), ("generate", "samples"), ("score", "scores")):
        if sec in conf:
            if files[f]:
                raise ConfigError(f"[{sec}] and run.{f} together: one of the two")
            files[f] = os.path.join(workdir, f + ".jsonl")
    root = get(conf, "run", "image-root")

    def with_root(sec, args):
        return args + (["--image-root", root] if root and get(conf, sec, "image-root") is None else [])

    sh = os.path.join(workdir, "shards")
    part = lambda name, i: os.path.join(sh, name.replace("#", str(i)))
    out = []
    for sec in STAGES:
        if sec not in conf:
            continue
        need = "clues" if sec == "generate" else "samples"
        if sec != "collect" and not files[need]:
            raise ConfigError(f"[{sec}] needs {need}: a stage that makes them or run.{need}")
        args = options(conf[sec])
        merges = []
        if sec == "collect":
            cmd = lambda i: [vlit, "collect"] + with_root(sec, args) + ["-o", part("clues.#.jsonl", i)]
            merges.append([vlit, "merge", "clues"] + [part("clues.#.jsonl", i) for i in range(shards)]
                          + ["-o", files["clues"]])
        elif sec == "generate":
            si = get(conf, sec, "mode") == "si" and get(conf, sec, "store") is None
            cmd = lambda i: ([vlit, "generate", files["clues"]] + args
                             + (["--store", part("generate.#.db", i)] if si else [])
                             + ["-o", part("samples.#.jsonl", i)])
            merges.append([vlit, "merge", "samples"] + [part("samples.#.jsonl", i) for i in range(shards)]
                          + ["-o", files["samples"]])
            if si:
                merges.append([vlit, "merge", "stores"] + [part("generate.#.db", i) for i in range(shards)]
                              + ["-o", os.path.join(workdir, "generate.db")])
        elif sec == "score":
            extra = (["--clues", files["clues"]] if files["clues"] else [])
            cmd = lambda i: ([vlit, "score", files["samples"]] + with_root(sec, args + extra)
                             + ["-o", part("scores.#.jsonl", i)])
            merges.append([vlit, "merge", "scores"] + [part("scores.#.jsonl", i) for i in range(shards)]
                          + ["-o", files["scores"]])
        elif sec == "report":
            extra = ((["--clues", files["clues"]] if files["clues"] else [])
                     + (["--scores", files["scores"]] if files["scores"] else [])
                     + (["--tags", files["tags"]] if files["tags"] else []))
            cmd = lambda i: ([vlit, "report", files["samples"]] + with_root(sec, args + extra)
                             + ["--partial", "-o", part("report.#", i)])
            parts = [part("report.#", i) for i in range(shards)]
            merges.append([vlit, "merge", "report"] + parts + ["--format", "json", "-o",
                                                               os.path.join(workdir, "report.json")])
            merges.append([vlit, "report", "--from-json", os.path.join(workdir, "report.json"),
                           "--format", "html", "-o", os.path.join(workdir, "report.html")])
        else:  # select
            if not files["scores"]:
                raise ConfigError("[select] needs scores: a [score] section or run.scores")
            extra = ["--scores", files["scores"]] + (["--tags", files["tags"]] if files["tags"] else [])
            cmd = lambda i: ([vlit, "select", files["samples"]] + args + extra
                             + ["--reasons", part("dropped.#.jsonl", i), "-o", part("train.#.llava.json", i)])
            merges.append([vlit, "merge", "select"] + [part("train.#.llava.json", i) for i in range(shards)]
                          + ["-o", os.path.join(workdir, "train.llava.json")])
            # the reasons files: merged when their shards wrote completion records (vlit
            # merge has no kind for them yet); otherwise they stay in shards/dropped.i.jsonl
            merges.append(["?" + part("dropped.0.jsonl.shard.json", 0), vlit, "merge", "select"]
                          + [part("dropped.#.jsonl", i) for i in range(shards)]
                          + ["-o", os.path.join(workdir, "dropped.jsonl")])
        out.append((sec, [cmd(i) + ["--shard", f"{i}/{shards}"] for i in range(shards)], merges))
    return out


def run_command(cmd, cwd, *after):
    """One task: the command line in cwd; raises with its messages when it fails.
    `after` are the results of the tasks this one waits for (Dask passes them in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_ARRAY_")}
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        tail = "\n".join((p.stdout + p.stderr).splitlines()[-20:])
        raise RuntimeError(f"exit {p.returncode}: {' '.join(cmd)}\n{tail}")
    return " ".join([os.path.basename(cmd[0])] + cmd[1:2 + (cmd[1] == "merge")]) + (" --shard " + cmd[-1] if "--shard" in cmd else "")


def run_merges(merges, cwd, *after):
    """The merge commands of a stage, one after the other, in one task."""
    done = []
    for m in merges:
        if m[0].startswith("?"):  # run only if that file exists
            if not os.path.exists(m[0][1:]):
                continue
            m = m[1:]
        done.append(run_command(m, cwd))
    return done


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config")
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler")
    ap.add_argument("--workdir")
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--vlit")
    a = ap.parse_args()
    if a.shards < 1 or a.workers < 1:
        ap.error("--shards and --workers need a positive number")
    vlit = a.vlit or shutil.which("vlit")
    if not vlit or not os.access(vlit, os.X_OK):
        ap.error("vlit is not on PATH: give --vlit PATH")
    vlit = os.path.abspath(vlit)
    try:
        conf = parse_config(a.config)
        for s in a.sets:
            apply_set(conf, s)
        workdir = os.path.abspath(a.workdir or get(conf, "run", "workdir") or "vlit-run")
        stages = plan(conf, workdir, vlit, a.shards)
    except (ConfigError, OSError) as e:
        print(f"run_pipeline: {e}", file=sys.stderr)
        return 2
    os.makedirs(os.path.join(workdir, "shards"), exist_ok=True)

    from dask.distributed import Client, LocalCluster

    cluster = None
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    cwd = os.getcwd()
    try:
        # the graph: shard tasks of a stage wait for the merge before them; select waits for
        # the merged scores only, so it runs beside report
        last, after_scores, finals = None, None, []
        for sec, shard_cmds, merges in stages:
            dep = after_scores if sec == "select" and after_scores is not None else last
            deps = [dep] if dep is not None else []
            shard_futs = [client.submit(run_command, c, cwd, *deps, key=f"vlit-{sec}-{i}", pure=False)
                          for i, c in enumerate(shard_cmds)]
            last = client.submit(run_merges, merges, cwd, *shard_futs, key=f"vlit-merge-{sec}", pure=False)
            finals.append(last)
            if sec == "score":
                after_scores = last
        for f in finals:
            for line in f.result():
                print(f"run_pipeline: done: {line}", flush=True)
    except Exception as e:  # a task's RuntimeError, re-raised by Dask here
        print(f"run_pipeline: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(f"run_pipeline: {len(stages)} stages of {a.shards} shards merged into {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
