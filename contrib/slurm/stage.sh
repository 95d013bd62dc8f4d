#!/usr/bin/env bash
#SBATCH --job-name=vlit-stage
#SBATCH --ntasks=1
# The job script of contrib/slurm/submit.sh: one stage of the pipeline, run by Slurm.
#
#   stage.sh PLAN STAGE [i]
#
# PLAN is WORKDIR/slurm/plan.sh, written by submit.sh (the stages' options, resolved).
# STAGE collect, generate, score, report or select: one task of a job array
#   (sbatch --array=0-N-1); vlit takes its shard i/N from SLURM_ARRAY_TASK_ID and
#   SLURM_ARRAY_TASK_COUNT and writes WORKDIR/shards/<output>.i. Given i, a plain job
#   (or a shell) runs shard i of the plan's N alone, with --shard i/N: the way to run a
#   failed task again (sbatch contrib/slurm/stage.sh WORKDIR/slurm/plan.sh score 7).
# STAGE merge-collect, merge-generate, merge-score, merge-report, merge-select: one job
#   that puts the N shards together with `vlit merge` into WORKDIR (clues.jsonl,
#   samples.jsonl, scores.jsonl, report.json + report.html, train.llava.json + dropped.jsonl).
# With SLURM_CPUS_PER_TASK set (sbatch --cpus-per-task), score, report and the report
# merge use that many threads unless the pipeline file sets threads.
# shellcheck disable=SC2154  # the variables come from the plan, sourced below
set -euo pipefail
die() { echo "vlit stage: $*" >&2; exit 1; }
[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: stage.sh PLAN STAGE [i]"
plan=$1 stage=$2 one=${3:-}
# shellcheck source=/dev/null
. "$plan"
sh=$workdir/shards
threads=() shard=()
with_threads() { # the stage's options lack --threads and Slurm gave us CPUs
  local a
  for a in "$@"; do [ "$a" != --threads ] || return 0; done
  [ -z "${SLURM_CPUS_PER_TASK:-}" ] || threads=(--threads "$SLURM_CPUS_PER_TASK")
}
parts() { local j; for ((j = 0; j < shards; j++)); do printf '%s\n' "$sh/$1$j$2"; done; }
echo "vlit stage $stage on $(hostname) (job ${SLURM_JOB_ID:-none}, array task ${SLURM_ARRAY_TASK_ID:-none})"
case $stage in
  collect | generate | score | report | select)
    if [ -n "$one" ]; then # one shard, named: explicit --shard (overrides the Slurm variables)
      [[ $one =~ ^[0-9]+$ ]] && [ "$one" -lt "$shards" ] || die "shard '$one' is not in 0..$((shards - 1))"
      i=$one shard=(--shard "$i/$shards")
    else
      i=${SLURM_ARRAY_TASK_ID:?stage $stage runs as a job array task (sbatch --array=0-$((shards - 1))) or with a shard number}
      [ "${SLURM_ARRAY_TASK_COUNT:-}" = "$shards" ] ||
        die "the array has ${SLURM_ARRAY_TASK_COUNT:-?} tasks, the plan $shards shards: submit with --array=0-$((shards - 1))"
    fi
    ;;
esac
run() { printf '+'; printf ' %q' "$@"; echo; "$@"; }
case $stage in
  collect) run "$vlit" collect "${A_collect[@]}" "${shard[@]}" -o "$sh/clues.$i.jsonl" ;;
  generate)
    store=()
    [ "$generate_store" != 1 ] || store=(--store "$sh/generate.$i.db")
    run "$vlit" generate "$clues" "${A_generate[@]}" "${store[@]}" "${shard[@]}" -o "$sh/samples.$i.jsonl" ;;
  score)
    with_threads "${A_score[@]}"
    run "$vlit" score "$samples" "${A_score[@]}" "${threads[@]}" "${shard[@]}" -o "$sh/scores.$i.jsonl" ;;
  report)
    with_threads "${A_report[@]}"
    run "$vlit" report "$samples" "${A_report[@]}" "${threads[@]}" "${shard[@]}" --partial -o "$sh/report.$i" ;;
  select) run "$vlit" select "$samples" "${A_select[@]}" --reasons "$sh/dropped.$i.jsonl" "${shard[@]}" -o "$sh/train.$i.llava.json" ;;
  merge-collect) mapfile -t p < <(parts clues. .jsonl); run "$vlit" merge clues "${p[@]}" -o "$clues" ;;
  merge-generate)
    mapfile -t p < <(parts samples. .jsonl); run "$vlit" merge samples "${p[@]}" -o "$samples"
    if [ "$generate_store" = 1 ]; then
      mapfile -t p < <(parts generate. .db); run "$vlit" merge stores "${p[@]}" -o "$workdir/generate.db"
    fi ;;
  merge-score) mapfile -t p < <(parts scores. .jsonl); run "$vlit" merge scores "${p[@]}" -o "$scores" ;;
  merge-report)
    with_threads "${A_report[@]}"
    mapfile -t p < <(parts report. "")
    run "$vlit" merge report "${p[@]}" "${threads[@]}" --format json -o "$workdir/report.json"
    if "$vlit" report --help | grep -- --from-json > /dev/null; then
      run "$vlit" report --from-json "$workdir/report.json" --format html -o "$workdir/report.html"
    else
      run "$vlit" merge report "${p[@]}" "${threads[@]}" --format html -o "$workdir/report.html"
    fi ;;
  merge-select)
    mapfile -t p < <(parts train. .llava.json); run "$vlit" merge select "${p[@]}" -o "$workdir/train.llava.json"
    # the reasons files: merged when their shards wrote completion records (vlit merge has
    # no kind for them yet); otherwise they stay in shards/dropped.i.jsonl
    mapfile -t p < <(parts dropped. .jsonl)
    if [ -e "${p[0]}.shard.json" ]; then
      run "$vlit" merge select "${p[@]}" -o "$workdir/dropped.jsonl"
    else
      echo "vlit stage: the dropped samples stay in $sh/dropped.*.jsonl (one file per shard)"
    fi ;;
  *) die "unknown stage '$stage'" ;;
esac
