#!/usr/bin/env bash
# The Slurm recipe for real: starts a private single-node Slurm on this machine
# (its own munge key and munged, a minimal slurm.conf with this host as the one
# node - its real CPU count and memory -, slurmctld and slurmd as root, state,
# spool, logs and sockets in a temp folder, free ports), runs the demo pipeline
# (data/demo/pipeline.conf) through contrib/slurm/submit.sh as 4-task job arrays
# with afterok dependencies and merge jobs, waits for the jobs, and compares
# with the single-process `vlit run` of the same file: samples, scores, report
# JSON and the selected training file byte for byte. An installed Slurm is not
# touched (SLURM_CONF points to our own file; own munge socket, ports and dirs).
# Needs root (slurmd starts the jobs); skipped (77) only when the Slurm or munge
# programs are missing (scripts/setup.sh installs slurm-wlm and munge).
set -euo pipefail
VLIT=${1:?usage: slurm.sh VLIT}
VLIT=$(realpath "$VLIT")
root=$(cd "$(dirname "$0")/../.." && pwd)
export PATH=$PATH:/usr/sbin:/sbin
for p in munged slurmctld slurmd sbatch squeue sinfo scontrol; do
  command -v "$p" > /dev/null || { echo "slurm: $p not found (apt-get install slurm-wlm munge): skipped"; exit 77; }
done
if [ "$(id -u)" != 0 ]; then
  echo "slurm: FAIL: this test starts slurmd, which must run as root (CI runs it as root)" >&2
  exit 1
fi
PY=/usr/bin/python3
start=$(date +%s)
tmp=$(mktemp -d /tmp/vlit-slurm.XXXXXX)
chmod 700 "$tmp"
pids=()
own_conf=""
logs() {
  for f in "$tmp"/munge/munged.log "$tmp"/munge/munged.out "$tmp"/slurmctld.log "$tmp"/slurmctld.out \
    "$tmp"/slurmd.log "$tmp"/slurmd.out "$tmp"/slurm.conf "$tmp"/run/slurm/logs/*; do
    [ -f "$f" ] || continue
    echo "===== $f" >&2
    tail -n 60 "$f" >&2
  done
}
cleanup() {
  local rc=$?
  [ "$rc" = 0 ] || logs
  [ -z "$own_conf" ] || SLURM_CONF=$own_conf scancel --quiet --user=root 2> /dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
fail() { echo "slurm: FAIL: $*" >&2; exit 1; }

# ---- munge: our own key, socket, pid, log and seed files
mkdir -m 700 "$tmp/munge"
head -c 1024 /dev/urandom > "$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
sock=$tmp/munge/munge.socket
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$sock" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
  --seed-file="$tmp/munge/munged.seed" > "$tmp/munge/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "munged did not create its socket $sock"

# ---- slurm.conf: this host, its real CPUs and memory (slurmd -C), two free ports
read -r ctld_port slurmd_port < <($PY -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
node=$(slurmd -C | head -n 1)
[[ $node == NodeName=* ]] || fail "slurmd -C printed '$node'"
name=${node%% *}; name=${name#NodeName=}
mkdir -p "$tmp/state" "$tmp/spool"
export SLURM_CONF=$tmp/slurm.conf
own_conf=$SLURM_CONF
cat > "$SLURM_CONF" << EOF
ClusterName=vlittest
SlurmctldHost=$name(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=vlit Nodes=$name Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -c -f "$SLURM_CONF" > "$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$name" > "$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 120); do
  state=$(sinfo -h -N -o %T 2> /dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "the node is '$state', not idle, after 60 s"
echo "slurm: node $name idle after $(($(date +%s) - start)) s"

# ---- the single-process run: the reference (run in the same folder as the sharded run
# after it, so that the paths written into the report are the same)
export VLIT_DATA_DIR=$root/data
cd "$root"
"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
conf=data/demo/pipeline.conf
"$VLIT" run "$conf" -q --workdir "$tmp/run" --set run.image-root="$tmp/images"
mv "$tmp/run" "$tmp/single"

# ---- the same pipeline as job arrays of 4 tasks
"$root/contrib/slurm/submit.sh" --vlit "$VLIT" --shards 4 --workdir "$tmp/run" \
  --set run.image-root="$tmp/images" "$conf"
ids=$(cut -f3 "$tmp/run/slurm/jobs.tsv" | paste -sd,)
[ "$(wc -l < "$tmp/run/slurm/jobs.tsv")" = 10 ] || fail "expected 10 jobs (5 arrays, 5 merges)"
left=""
for _ in $(seq 900); do
  left=$(squeue -h -o '%i %T' 2> /dev/null) || left="squeue failed"
  [ -z "$left" ] && break
  sleep 1
done
[ -z "$left" ] || { scontrol show job >&2; fail "jobs not done after 15 minutes: $left"; }
echo "slurm: all jobs done after $(($(date +%s) - start)) s"

# every job and every array task completed with exit code 0
states=$(scontrol -o show job "$ids" 2> /dev/null || scontrol -o show job)
tasks=$(grep -c 'JobState=' <<< "$states")
done_ok=$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' <<< "$states" || true)
if [ "$tasks" != 25 ] || [ "$done_ok" != 25 ]; then
  grep -o 'JobId=[0-9]* .*JobName=[^ ]*\|JobState=[A-Z_]* Reason=[^ ]*\|ExitCode=[0-9:]*' <<< "$states" >&2
  fail "$done_ok of $tasks job tasks completed with exit 0 (expected 25 of 25: 5 arrays of 4 and 5 merges)"
fi
# the array tasks ran as shards 0..3 of 4 (their outputs are there)
for i in 0 1 2 3; do
  for f in clues.$i.jsonl samples.$i.jsonl scores.$i.jsonl report.$i train.$i.llava.json; do
    [ -e "$tmp/run/shards/$f" ] || fail "shard output shards/$f is missing"
  done
done

# ---- identical to the single-process run
pass=0
for f in clues.jsonl samples.jsonl scores.jsonl report.json train.llava.json; do
  if cmp "$tmp/single/$f" "$tmp/run/$f"; then
    pass=$((pass + 1))
  else
    fail "$f of the Slurm run differs from the single-process run"
  fi
done
# the dropped samples and why: one file when the shards' reasons could be merged,
# else the shards' files hold the single run's lines between them
if [ -e "$tmp/run/dropped.jsonl" ]; then
  cmp "$tmp/single/dropped.jsonl" "$tmp/run/dropped.jsonl" || fail "dropped.jsonl of the Slurm run differs"
else
  cmp <(sort "$tmp/single/dropped.jsonl") <(cat "$tmp"/run/shards/dropped.?.jsonl | sort) ||
    fail "the shards' dropped.i.jsonl are not the lines of the single run's dropped.jsonl"
  echo "slurm: dropped.jsonl: not merged (no completion records); the 4 shards hold its lines"
fi
pass=$((pass + 1))
[ -s "$tmp/run/report.html" ] || fail "no report.html"
echo "slurm: clues, samples, scores, report.json and train.llava.json identical to the single-process run; $(($(date +%s) - start)) s in all"
echo "$pass passed, 0 failed"
