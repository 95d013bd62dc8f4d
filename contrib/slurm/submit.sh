#!/usr/bin/env bash
# Submits a whole vlit pipeline to Slurm as job arrays with dependencies.
#
#   contrib/slurm/submit.sh [options] PIPELINE.conf
#
# PIPELINE.conf is the file `vlit run` reads (docs/run.md; data/demo/pipeline.conf).
# Each stage section present becomes a job array of --shards tasks (sbatch --array=0-N-1),
# each task running `vlit STAGE ... --shard i/N` (vlit takes i/N from Slurm's
# SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT), followed by one merge job that puts the
# shards together (vlit merge) for the next stage; every job waits for the one before with
# --dependency=afterok and is cancelled when that one fails (--kill-on-invalid-dep=yes).
# contrib/slurm/README.md describes the jobs and the files.
#
# options:
#   --shards N            tasks per array (default 4)
#   --throttle K          at most K tasks of an array at a time (sbatch --array=...%K)
#   --workdir DIR         the work folder (default: [run] workdir of the file, else vlit-run);
#                         it must be visible from every node
#   --set S.K=V           as for vlit run: replace a setting ('S.K=' removes it); repeatable
#   --vlit PATH           the vlit binary the jobs run (default: `command -v vlit`)
#   --sbatch "ARGS"       extra sbatch options of every job, e.g. "--partition=cpu --time=4:00:00"
#   --sbatch-STAGE "ARGS" extra options of one stage's array: STAGE is collect, generate,
#                         score, report or select; --sbatch-merge for the merge jobs
#                         (e.g. --sbatch-score "--cpus-per-task=4 --mem=4G")
#   --dry-run             write the plan and print the sbatch commands, submit nothing
#   -h, --help            this text
#
# Relative paths in the file are relative to the folder submit.sh is started in; the jobs
# run there too (sbatch --chdir). The job ids are written to WORKDIR/slurm/jobs.tsv.
# namerefs (local -n) to the per-section arrays confuse shellcheck:
# shellcheck disable=SC2178,SC2154,SC2034
set -euo pipefail

me=$(basename "$0")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "$me: $*" >&2; exit 2; }
usage() { sed -n '2,/^# namerefs/{/^# namerefs/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

shards=4 throttle="" workdir="" vlit="" dry=0 conf=""
sets=() all_sbatch=""
declare -A stage_sbatch=([collect]="" [generate]="" [score]="" [report]="" [select]="" [merge]="")
while [ $# -gt 0 ]; do
  case $1 in
    --shards) shards=${2:?--shards needs N}; shift 2 ;;
    --throttle) throttle=${2:?--throttle needs K}; shift 2 ;;
    --workdir) workdir=${2:?--workdir needs DIR}; shift 2 ;;
    --set) sets+=("${2:?--set needs S.K=V}"); shift 2 ;;
    --vlit) vlit=${2:?--vlit needs PATH}; shift 2 ;;
    --sbatch) all_sbatch=${2?}; shift 2 ;;
    --sbatch-*)
      s=${1#--sbatch-}
      [ -n "${stage_sbatch[$s]+x}" ] || die "unknown option $1 (stages: collect generate score report select merge)"
      stage_sbatch[$s]=${2?}; shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (--help lists them)" ;;
    *) [ -z "$conf" ] || die "one PIPELINE.conf only ('$conf', then '$1')"; conf=$1; shift ;;
  esac
done
[ -n "$conf" ] || { usage >&2; exit 2; }
[ -r "$conf" ] || die "cannot read $conf"
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "--shards needs a positive number, not '$shards'"
[ -z "$throttle" ] || [[ $throttle =~ ^[1-9][0-9]*$ ]] || die "--throttle needs a positive number"
if [ -z "$vlit" ]; then vlit=$(command -v vlit) || die "vlit is not on PATH: give --vlit PATH"; fi
vlit=$(realpath "$vlit")
[ -x "$vlit" ] || die "$vlit is not executable"

# ---- the config file, as vlit run reads it (docs/run.md "The file") ----
sections=(run collect generate score tag report select)
declare -A present=()
for s in "${sections[@]}"; do declare -a "K_$s=()" "V_$s=()"; done
trim() { local t=$1; t=${t#"${t%%[![:space:]]*}"}; printf '%s' "${t%"${t##*[![:space:]]}"}"; }
n=0 sec=""
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  line=$(trim "$line")
  case $line in
    '' | '#'* | ';'*) continue ;;
    '['*']')
      sec=$(trim "${line:1:${#line}-2}")
      [[ " ${sections[*]} " == *" $sec "* ]] || die "$conf:$n: unknown section [$sec]"
      present[$sec]=1
      continue ;;
  esac
  [ -n "$sec" ] || die "$conf:$n: '$line' comes before any [section]"
  [[ $line == *=* ]] || die "$conf:$n: expected 'key = value', got '$line'"
  key=$(trim "${line%%=*}") val=$(trim "${line#*=}")
  [[ $key =~ ^[a-z0-9_-]{1,64}$ ]] || die "$conf:$n: bad key '$key'"
  if [ "${#val}" -ge 2 ] && [ "${val:0:1}" = '"' ] && [ "${val: -1}" = '"' ]; then
    val=${val:1:${#val}-2}
    val=${val//\\\\/$'\x01'}; val=${val//\\\"/\"}; val=${val//$'\x01'/\\}
  elif [ -z "$val" ]; then
    die "$conf:$n: '$key' has an empty value (write '$key = false' or leave the line out)"
  fi
  declare -n K=K_$sec V=V_$sec
  K+=("$key"); V+=("$val")
  unset -n K V
done < "$conf"

for s in "${sets[@]}"; do
  [[ $s =~ ^([a-z]+)\.([a-z0-9_-]+)=(.*)$ ]] || die "--set '$s' is not SECTION.KEY=VALUE"
  sec=${BASH_REMATCH[1]} key=${BASH_REMATCH[2]} val=${BASH_REMATCH[3]}
  [[ " ${sections[*]} " == *" $sec "* ]] || die "--set '$s': unknown section [$sec]"
  declare -n K=K_$sec V=V_$sec
  nk=() nv=()
  for j in "${!K[@]}"; do [ "${K[$j]}" = "$key" ] || { nk+=("${K[$j]}"); nv+=("${V[$j]}"); }; done
  [ -z "$val" ] || { nk+=("$key"); nv+=("$val"); present[$sec]=1; }
  K=("${nk[@]}"); V=("${nv[@]}")
  unset -n K V
done

# the last value of KEY in SECTION, or empty
get() { local -n K=K_$1 V=V_$1; local j r=""; for j in "${!K[@]}"; do [ "${K[$j]}" != "$2" ] || r=${V[$j]}; done; printf '%s' "$r"; }
has() { local -n K=K_$1; local k; for k in "${K[@]}"; do [ "$k" != "$2" ] || return 0; done; return 1; }
# the section's lines as options: key = value -> --key value; true -> --key; false -> nothing
args_of() {
  local -n K=K_$1 V=V_$1 OUT=$2; local j
  OUT=()
  for j in "${!K[@]}"; do
    case ${V[$j]} in true) OUT+=("--${K[$j]}") ;; false) ;; *) OUT+=("--${K[$j]}" "${V[$j]}") ;; esac
  done
}
refuse() { local s=$1 k; shift; for k in "$@"; do ! has "$s" "$k" || die "$conf: [$s] may not set '$k': the recipe sets it itself"; done; }

for k in "${K_run[@]}"; do
  case $k in workdir | image-root | clues | samples | scores | tags) ;; *) die "$conf: unknown key '$k' in [run]" ;; esac
done
[ -z "${present[tag]:-}" ] || die "$conf: [tag] has no shards yet: run vlit tag before, and name its output with run.tags"
for s in collect generate score report select; do refuse "$s" output o shard; done
refuse score clues
refuse report clues scores tags format partial
refuse select scores tags reasons

[ -n "$workdir" ] || workdir=$(get run workdir)
[ -n "$workdir" ] || workdir="vlit-run"
workdir=$(realpath -m "$workdir")
image_root=$(get run image-root)
abs() { [ -z "$1" ] && return 0; realpath -m "$1"; }
clues=$(abs "$(get run clues)") samples=$(abs "$(get run samples)")
scores=$(abs "$(get run scores)") tags=$(abs "$(get run tags)")
for pair in collect:clues generate:samples score:scores; do
  s=${pair%%:*} f=${pair#*:}
  if [ -n "${present[$s]:-}" ]; then
    [ -z "${!f}" ] || die "$conf: [$s] and run.$f together: one of the two"
    printf -v "$f" '%s' "$workdir/$f.jsonl"
  fi
done

declare -a A_collect=() A_generate=() A_score=() A_report=() A_select=()
add_root() { local -n OUT=$2; if [ -n "$image_root" ] && ! has "$1" image-root; then OUT+=(--image-root "$image_root"); fi; }
args_of collect A_collect; add_root collect A_collect
args_of generate A_generate
generate_store=0
if [ "$(get generate mode)" = si ] && ! has generate store; then generate_store=1; fi
args_of score A_score
[ -z "$clues" ] || A_score+=(--clues "$clues"); add_root score A_score
args_of report A_report
[ -z "$clues" ] || A_report+=(--clues "$clues"); add_root report A_report
[ -z "$scores" ] || A_report+=(--scores "$scores")
[ -z "$tags" ] || A_report+=(--tags "$tags")
args_of select A_select
[ -n "$scores" ] || [ -z "${present[select]:-}" ] || die "$conf: [select] needs scores: a [score] section or run.scores"
A_select+=(--scores "$scores")
[ -z "$tags" ] || A_select+=(--tags "$tags")
for s in generate score report select; do
  if [ -n "${present[$s]:-}" ]; then
    case $s in generate) need=$clues w=clues ;; *) need=$samples w=samples ;; esac
    [ -n "$need" ] || die "$conf: [$s] needs $w: a stage that makes them or run.$w"
  fi
done

# ---- the plan the jobs read (bash, sourced by stage.sh) ----
mkdir -p "$workdir/slurm/logs" "$workdir/shards"
plan=$workdir/slurm/plan.sh
{
  echo "# written by contrib/slurm/submit.sh from $(realpath "$conf") on $(date -u +%FT%TZ)"
  for v in vlit workdir shards clues samples scores tags generate_store; do printf '%s=%q\n' "$v" "${!v}"; done
  for s in collect generate score report select; do
    declare -n A=A_$s
    printf 'A_%s=(' "$s"; for a in "${A[@]}"; do printf ' %q' "$a"; done; echo ' )'
    unset -n A
  done
} > "$plan.tmp"
mv "$plan.tmp" "$plan"

# ---- the jobs ----
jobs=$workdir/slurm/jobs.tsv
: > "$jobs"
last=""
submit() { # NAME KIND(array|merge) EXTRA-SBATCH STAGE
  local name=$1 kind=$2 extra=$3 stage=$4 cmd id log=%x-%j.out
  [ "$kind" = merge ] || log=%x-%A_%a.out
  cmd=(sbatch --parsable --job-name="vlit-$name" --chdir="$PWD" --output="$workdir/slurm/logs/$log")
  if [ "$kind" = array ]; then cmd+=(--array="0-$((shards - 1))${throttle:+%$throttle}"); fi
  [ -z "$last" ] || cmd+=(--dependency="afterok:$last" --kill-on-invalid-dep=yes)
  # shellcheck disable=SC2206  # word splitting of the user's sbatch options is intended
  cmd+=($all_sbatch $extra "$here/stage.sh" "$plan" "$stage")
  if [ "$dry" = 1 ]; then
    printf '%q ' "${cmd[@]}"; echo
    id="<$name>"
  else
    id=$("${cmd[@]}") || { echo "$me: sbatch failed for $name" >&2; exit 1; }
    id=${id%%;*}
    printf '%s\t%s\t%s\n' "$name" "$kind" "$id" >> "$jobs"
    echo "$me: $name: job $id"
  fi
  last=$id
}
sel_after=""
for s in collect generate score report select; do
  [ -n "${present[$s]:-}" ] || continue
  if [ "$s" = select ] && [ -n "$sel_after" ]; then last=$sel_after; fi
  [ "$s" != report ] || sel_after=$last   # select needs only the merged scores: it runs beside report
  submit "$s" array "${stage_sbatch[$s]}" "$s"
  submit "merge-$s" merge "${stage_sbatch[merge]}" "merge-$s"
done
if [ "$dry" = 0 ]; then
  echo "$me: plan in $plan, job ids in $jobs, logs in $workdir/slurm/logs/"
fi
