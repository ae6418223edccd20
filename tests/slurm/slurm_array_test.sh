#!/usr/bin/env bash
# The cluster recipe against a real single-node SLURM: munged, slurmctld and slurmd are started
# here as children of this script (state in a temporary folder, free ports, 127.0.0.1), a
# scoring array over fixture models plus its merge job is submitted with 'llmap-cli slurm submit',
# and the merged project must equal a local 'llmap-cli score' of the same models (1e-6 relative).
# Then one task fails: the merge must not run; after the fix, re-running only the failed task and
# the merge (the command 'llmap-cli slurm status' prints) completes the project.
# The daemons are stopped by their process ids whatever happens (EXIT trap).
# Usage: slurm_array_test.sh LLMAP_CLI SOURCE_DIR     (LLMAP_SLURM_KEEP=1 keeps the temp folder)
# Needs the Debian packages slurmctld slurmd slurm-client munge (LLMAP_SETUP_SLURM=1 setup.sh).
set -euo pipefail

cli=$(realpath "$1")
src=$(realpath "$2")

T0=$(date +%s%N)
ts() { printf '[%6.1fs] %s\n' "$(( ($(date +%s%N) - T0) / 1000000 ))e-3" "$*"; }
fail() { ts "FAIL: $*"; exit 1; }

for tool in munged mungekey munge slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found: install the SLURM packages with 'LLMAP_SETUP_SLURM=1 packaging/setup.sh'"
done

BASE=$(mktemp -d "${TMPDIR:-/tmp}/llmap-slurm.XXXXXX")
chmod 755 "$BASE"
mkdir -p "$BASE"/{munge,state,spool,log,work}
chmod 755 "$BASE/munge"   # munged: the socket folder must be o+x and not group/other-writable

PIDS=()
JOBS=()
cleanup() {
  local rc=$?
  if [ ${#JOBS[@]} -gt 0 ] && [ ${#PIDS[@]} -ge 3 ]; then   # stop our jobs before their daemons
    scancel "${JOBS[@]}" 2>/dev/null || true
    for _ in $(seq 1 20); do
      squeue -h -j "$(IFS=,; echo "${JOBS[*]}")" 2>/dev/null | grep -q . || break; sleep 0.5
    done
  fi
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do                  # slurmd, slurmctld, then munged
    p=${PIDS[i]}
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$p" 2>/dev/null && { echo "pid $p ignored SIGTERM: SIGKILL"; kill -KILL "$p"; }
    wait "$p" 2>/dev/null || true
  done
  if [ "$rc" != 0 ]; then
    for f in "$BASE"/log/*.log "$BASE"/work/*.slurm/logs/*.log; do
      [ -f "$f" ] && { echo "--- $f (last lines)"; tail -n 15 "$f"; }
    done
  fi
  ts "daemons stopped (exit $rc)"
  [ "${LLMAP_SLURM_KEEP:-0}" = 1 ] && echo "kept $BASE" || rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

free_port() {   # a port on which nothing answers at 127.0.0.1, not equal to $1
  local p
  for _ in $(seq 1 100); do
    p=$(( 20000 + RANDOM % 40000 ))
    [ "$p" = "${1:-}" ] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}
CTL_PORT=$(free_port) || fail "no free port"
D_PORT=$(free_port "$CTL_PORT") || fail "no free port"

# ---------------- munge ----------------
mungekey -c -k "$BASE/munge/munge.key"
munged -F --socket="$BASE/munge/munge.socket" --key-file="$BASE/munge/munge.key" \
  --pid-file="$BASE/munge/munged.pid" --seed-file="$BASE/munge/munged.seed" \
  --log-file="$BASE/log/munged.log" >"$BASE/log/munged.out" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$BASE/munge/munge.socket" ] && break; sleep 0.1; done
munge -S "$BASE/munge/munge.socket" -n | unmunge -S "$BASE/munge/munge.socket" >/dev/null ||
  fail "munge round trip"

# ---------------- slurm ----------------
H=$(uname -n); H=${H%%.*}
ME=$(id -un)
MEM=$(( $(awk '/^MemTotal:/{print int($2/1024)}' /proc/meminfo) - 1024 ))
NCPU=$(nproc)
export SLURM_CONF="$BASE/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=llmaptest
SlurmctldHost=${H}(127.0.0.1)
SlurmUser=${ME}
SlurmdUser=${ME}
SlurmctldPort=${CTL_PORT}
SlurmdPort=${D_PORT}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${BASE}/munge/munge.socket,cred_expire=10
StateSaveLocation=${BASE}/state
SlurmdSpoolDir=${BASE}/spool
SlurmctldPidFile=${BASE}/slurmctld.pid
SlurmdPidFile=${BASE}/slurmd.pid
SlurmctldLogFile=${BASE}/log/slurmctld.log
SlurmdLogFile=${BASE}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,bf_interval=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=${H} NodeAddr=127.0.0.1 CPUs=${NCPU} RealMemory=${MEM} State=UNKNOWN
PartitionName=debug Nodes=${H} Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >"$BASE/log/slurmctld.out" 2>&1 </dev/null &
PIDS+=($!)
slurmd -D -N "$H" -f "$SLURM_CONF" >"$BASE/log/slurmd.out" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 1 60); do
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || fail "a daemon (pid $p) stopped at start"; done
  [ "$(timeout 5 sinfo -h -n "$H" -o %t 2>/dev/null)" = idle ] && break; sleep 0.5
done
[ "$(timeout 5 sinfo -h -n "$H" -o %t)" = idle ] || fail "the node never became idle"
ts "munged, slurmctld, slurmd up (ports $CTL_PORT/$D_PORT), node idle"

# ---------------- helpers ----------------
wait_gone() {   # wait_gone TIMEOUT JOBID...: until none is pending, running or completing
  local t=$1; shift; local ids; ids=$(IFS=,; echo "$*")
  for _ in $(seq 1 $((t * 2))); do
    squeue -h -j "$ids" -t PD,R,CG 2>/dev/null | grep -q . || return 0; sleep 0.5
  done
  squeue; return 1
}
field() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
job_id() { sed -n "s/^$1 job \([0-9][0-9]*\):.*/\1/p" "$2"; }
# same_scores A.csv B.csv: every model of A is in B with every value within 1e-6 relative
same_scores() {
  awk -F, 'NR == FNR { if (FNR > 1) { ref[$1] = $0; n++ } next }
    FNR == 1 { next }
    ($1 in ref) { split(ref[$1], r, ","); if (length(r) != NF) { print "columns differ: " $1; bad = 1 }
      for (i = 2; i <= NF; i++) { a = r[i] + 0; b = $i + 0; d = a - b; if (d < 0) d = -d
        m = (a < 0 ? -a : a); if ((b < 0 ? -b : b) > m) m = (b < 0 ? -b : b)
        if (r[i] ~ /nan/ || $i ~ /nan/ || d > 1e-6 * m) { print $1 " text " i - 2 ": " r[i] " vs " $i; bad = 1 } }
      seen++ }
    END { if (seen != n) { print "models: " seen " of " n " found"; bad = 1 } exit bad }' "$1" "$2"
}

cd "$BASE/work"
models=("$src"/resources/models/gpt2-prose-s0-tiny "$src"/resources/models/gpt_neox-mixed-s0-tiny
        "$src"/resources/models/llama-code-s0-tiny "$src"/tests/data/model/gpt2_small
        "$src"/tests/data/model/llama_mha_untied)
cat >texts.jsonl <<'TEXTS'
{"text": "The quick brown fox jumps over the lazy dog.", "source": "prose"}
{"text": "def add(a, b):\n    return a + b\n", "source": "code"}
{"text": "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail.", "source": "prose"}
{"text": "for i in range(10):\n    print(i * i)", "source": "code"}
{"text": "It was the best of times, it was the worst of times, it was the age of wisdom.", "source": "prose"}
{"text": "SELECT name, count(*) FROM models GROUP BY family ORDER BY 2 DESC;", "source": "code"}
TEXTS
# The CPU template with its resource lines edited for this 1-node cluster, as a user would.
sed -e 's/^#SBATCH --cpus-per-task=.*/#SBATCH --cpus-per-task=1/' \
    -e 's/^#SBATCH --mem=.*/#SBATCH --mem=300M/' \
    -e 's/^#SBATCH --time=.*/#SBATCH --time=00:10:00/' "$src/packaging/slurm/array-cpu.sbatch" >array.sbatch
sed -e 's/^#SBATCH --mem=.*/#SBATCH --mem=300M/' \
    -e 's/^#SBATCH --time=.*/#SBATCH --time=00:10:00/' "$src/packaging/slurm/merge.sbatch" >merge.sbatch

"$cli" score --project reference.h5 --texts texts.jsonl --device cpu --model "${models[@]}" \
  >log.reference 2>&1 || { cat log.reference; fail "local scoring"; }
"$cli" export --project reference.h5 --what scores --out reference.csv >/dev/null
ts "local reference: ${#models[@]} models scored"

# ---------------- 1. the array and the merge ----------------
printf '%s\n' "${models[@]}" >models.txt
"$cli" plan --project one.h5 --texts texts.jsonl --models models.txt --out one.tsv \
  --pack-seconds 25 --flops 1e13 --overhead-seconds 10 >plan.out || fail "plan"
tasks=$(sed -n 's/^# tasks\t//p' one.tsv)
[ "$tasks" = 3 ] || fail "5 models of ~10 s packed into tasks of 25 s: 3 tasks expected, got $tasks"
"$cli" slurm submit --manifest one.tsv --cpu --parallel 4 --array-template array.sbatch \
  --merge-template merge.sbatch >submit1.out || fail "slurm submit"
A=$(job_id array submit1.out); M=$(job_id merge submit1.out)
[ -n "$A" ] && [ -n "$M" ] || { cat submit1.out; fail "no job ids printed"; }
JOBS+=("$A" "$M")
grep -q -- "--dependency=afterok:$A" one.tsv.slurm/merge-1.sbatch || fail "merge script lacks afterok:$A"
ts "1: array $A (3 tasks) and merge $M submitted"
"$cli" slurm status --manifest one.tsv >status0.out || { cat status0.out; fail "status while running"; }
# The array's tasks may already be done on a loaded machine: the merge is then running or done.
grep -Eq "^merge job $M: (PENDING|RUNNING|COMPLETING|COMPLETED)" status0.out ||
  { cat status0.out; fail "status: no state of merge job $M"; }
grep -qE "^[0-9]	(pending|running|done)	" status0.out || { cat status0.out; fail "status: no task listed"; }
wait_gone 150 "$A" "$M" || fail "array $A / merge $M did not finish in time"
[ "$(field "$M" JobState)" = COMPLETED ] || fail "merge $M: $(field "$M" JobState)"
"$cli" export --project one.h5 --what scores --out one.csv >/dev/null
same_scores reference.csv one.csv || fail "the merged project differs from the local scores"
"$cli" slurm status --manifest one.tsv >status1.out || { cat status1.out; fail "status after success"; }
grep -q "^3 tasks: 3 done" status1.out || { cat status1.out; fail "status: not 3 done"; }
grep -q ": 5 of 5 planned models merged" status1.out || { cat status1.out; fail "status: merged"; }
ts "1: OK - merge COMPLETED, 5 models equal to the local scores, status: all done"

# ---------------- 2. a failing task: no merge; re-run the failed index and the merge ----------------
mkdir -p models2
for m in "${models[@]:0:4}"; do cp -r "$m" models2/; done
"$cli" plan --project two.h5 --texts texts.jsonl --models models2 --out two.tsv --pack-seconds 0 \
  >plan2.out || fail "plan 2"
[ "$(sed -n 's/^# tasks\t//p' two.tsv)" = 4 ] || fail "--pack-seconds 0: 4 tasks expected"
broken=$(awk -F'\t' '$1 == "2" { print $5 }' two.tsv)
mv "$broken/model.safetensors" "$broken/model.safetensors.away"   # task 2 cannot load its model
"$cli" slurm submit --manifest two.tsv --cpu --array-template "$BASE/work/array.sbatch" \
  --merge-template "$BASE/work/merge.sbatch" >submit2.out || fail "slurm submit 2"
A=$(job_id array submit2.out); M=$(job_id merge submit2.out)
JOBS+=("$A" "$M")
ts "2: array $A (task 2 broken) and merge $M submitted"
wait_gone 150 "$A" "$M" || fail "array $A / merge $M did not end in time"
[ "$(field "${A}_2" JobState)" = FAILED ] || fail "task ${A}_2: $(field "${A}_2" JobState)"
[ "$(field "$M" JobState)" = CANCELLED ] || fail "merge $M ran or waits: $(field "$M" JobState)"
set +e; "$cli" slurm status --manifest two.tsv >status2.out; rc=$?; set -e
cat status2.out
[ "$rc" = 1 ] || fail "status with a failed task must exit 1, not $rc"
grep -q "^2	failed (FAILED)	" status2.out || fail "status: task 2 not failed"
grep -q "^merge job $M: CANCELLED" status2.out || fail "status: merge $M not reported cancelled"
grep -q "^4 tasks: 3 done, 0 running, 0 pending, 1 failed" status2.out || fail "status counts"
grep -q ": 0 of 4 planned models merged" status2.out || fail "the merge must not have run"
rerun=$(tail -n 1 status2.out)
case "$rerun" in *" slurm submit --manifest "*" --indices 2 "*) ;; *) fail "re-run command: $rerun";; esac
mv "$broken/model.safetensors.away" "$broken/model.safetensors"
eval "$rerun" >submit3.out || fail "re-run submit"
A=$(job_id array submit3.out); M=$(job_id merge submit3.out)
JOBS+=("$A" "$M")
grep -q "tasks 2 " submit3.out || { cat submit3.out; fail "the re-run must submit task 2 only"; }
ts "2: fixed; re-ran task 2 as array $A, merge $M"
wait_gone 150 "$A" "$M" || fail "re-run $A / merge $M did not finish in time"
[ "$(field "$M" JobState)" = COMPLETED ] || fail "merge $M after the re-run: $(field "$M" JobState)"
"$cli" export --project two.h5 --what scores --out two.csv >/dev/null
[ "$(($(wc -l <two.csv) - 1))" = 4 ] || fail "two.h5 must hold 4 models"
same_scores two.csv reference.csv || fail "the completed project differs from the local scores"
"$cli" slurm status --manifest two.tsv >status3.out || { cat status3.out; fail "status after re-run"; }
grep -q ": 4 of 4 planned models merged" status3.out || { cat status3.out; fail "status: merged"; }
ts "2: OK - failed task 2 stopped the merge; re-run of task 2 + merge completed the project"
ts "ALL PASSED"
