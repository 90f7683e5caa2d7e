#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, and the tiny DAG run through it.
#
#   tests/cluster/slurm_local.sh up       install Debian's slurm-wlm + munge, write
#                                         a one-node slurm.conf, start the daemons
#                                         by hand (no systemd); idempotent
#   tests/cluster/slurm_local.sh status   exit 0 when munged, slurmctld, slurmd run
#   tests/cluster/slurm_local.sh run [DIR]
#                                         the tiny config's statistics, closed form
#                                         and one training run, once locally and
#                                         once through workflow/profiles/slurm, in
#                                         DIR/local and DIR/slurm; then
#                                         tests/cluster/check_run.py checks that
#                                         every job went through SLURM and that the
#                                         results agree (DIR/report.json)
#   tests/cluster/slurm_local.sh fault [DIR]
#                                         the tiny config on a synthetic text8 in
#                                         four token parts through the slurm
#                                         profile: uninterrupted in DIR/clean; in
#                                         DIR/killed with one vocab_tokenize job's
#                                         process SIGKILLed mid-run, then resumed;
#                                         tests/cluster/kill_resume.py runs and
#                                         checks it all (DIR/fault_report.json)
#   tests/cluster/slurm_local.sh down     stop the daemons, remove the slurm.conf
#                                         that `up` wrote (packages stay)
#   tests/cluster/slurm_local.sh test [DIR]   up, run, and down if up started it
#
# Needs root and apt (Debian 12). make test-cluster runs it through pytest.
# Only the test's own settings are passed on the command line (squeue status
# checks, a 2 s first check, kept SLURM logs; `fault` adds --retries 0 so that
# the killed job stays failed until the resume); the profile itself is unchanged.
# The node advertises one "gpu" GRES without a device, so train_run's
# --gpus=1 request is scheduled as on a GPU partition (training runs on the CPU).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
HOST=$(hostname -s)
ETC=/etc/slurm
LOGDIR=/var/log/slurm
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
MARK="# written by qwem's tests/cluster/slurm_local.sh"
TARGETS=(
    results/tiny/stats/stats.json
    results/tiny/closed_form/M_star.w2v.txt
    results/tiny/train/qwem_small.w2v.txt
)

log() { printf '[slurm_local %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() {  # wait_for SECONDS WHAT CMD...: poll CMD every 0.5 s
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "timed out waiting for $what"
        sleep 0.5
    done
}

install_packages() {
    local pkgs=(slurm-wlm munge)
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
        command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || die "apt-get not found (Debian/Ubuntu only)"
    export DEBIAN_FRONTEND=noninteractive
    log "installing ${pkgs[*]}"
    # Debian's policy-rc.d keeps apt from starting the services: we start them
    if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null; then
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
    fi
}

start_munge() {
    if [[ ! -s /etc/munge/munge.key ]]; then
        runuser -u munge -- mungekey --create --keyfile /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    if ! alive "$MUNGE_PID"; then
        log "starting munged"
        runuser -u munge -- /usr/sbin/munged
    fi
    wait_for 10 munge bash -c 'munge -n | unmunge'
}

node_line() {
    # the node's hardware as slurmd sees it, minus 10 % memory for the system
    local hw mem
    hw=$(slurmd -C | head -n1)
    mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
    hw=$(sed -e 's/^NodeName=[^ ]* //' -e 's/ *RealMemory=[0-9]*//' <<<"$hw")
    echo "NodeName=$HOST NodeAddr=127.0.0.1 $hw RealMemory=$((mem * 9 / 10)) Gres=gpu:1 State=UNKNOWN"
}

write_config() {
    # prints "changed" when slurm.conf or gres.conf differ from what is installed
    local tmp changed=""
    tmp=$(mktemp -d)
    grep -q "[[:space:]]$HOST\b" /etc/hosts || getent hosts "$HOST" >/dev/null ||
        echo "127.0.0.1 $HOST" >>/etc/hosts
    cat >"$tmp/slurm.conf" <<EOF
$MARK: a one-node test cluster
ClusterName=qwemtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
$(node_line)
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    printf '%s\nNodeName=%s Name=gpu File=/dev/null\n' "$MARK" "$HOST" >"$tmp/gres.conf"
    install -d "$ETC"
    for f in slurm.conf gres.conf; do
        if ! cmp -s "$tmp/$f" "$ETC/$f"; then
            install -m 0644 "$tmp/$f" "$ETC/$f"
            changed=changed
        fi
    done
    rm -rf "$tmp"
    echo "$changed"
}

stop() {  # stop NAME PIDFILE
    if alive "$2"; then
        local pid
        pid=$(cat "$2")
        log "stopping $1 ($pid)"
        kill "$pid"
        for _ in $(seq 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    # slurmctld (user slurm) cannot delete its pid file in /run; a stale one
    # would also make the slurmctld package's prerm call scancel
    rm -f "$2"
}

cmd_up() {
    [[ $(id -u) == 0 ]] || die "must run as root (installs packages, starts daemons)"
    install_packages
    start_munge
    local changed
    changed=$(write_config)
    if [[ -n $changed ]]; then
        stop slurmd "$SLURMD_PID"
        stop slurmctld "$CTLD_PID"
    fi
    install -d -o slurm -g slurm /var/lib/slurm/slurmctld "$LOGDIR"
    install -d /var/lib/slurm/slurmd
    if ! alive "$CTLD_PID"; then
        log "starting slurmctld"
        slurmctld
    fi
    wait_for 30 "scontrol ping" bash -c 'scontrol ping | grep -q UP'
    if ! alive "$SLURMD_PID"; then
        log "starting slurmd"
        slurmd -N "$HOST"
    fi
    # a drain reason saved by an earlier start (e.g. before gres.conf was right)
    # outlives the restart; ReturnToService=2 only revives nodes that were down
    wait_for 30 "slurmd to register" bash -c \
        "scontrol show node '$HOST' | grep -q 'SlurmdStartTime=[0-9]'"
    if sinfo -h -N -n "$HOST" -o %T | grep -q drain; then
        log "resuming $HOST, drained: $(sinfo -h -N -n "$HOST" -o %E)"
        scontrol update NodeName="$HOST" State=RESUME
    fi
    wait_for 30 "node idle (see sinfo -N -l, $LOGDIR/slurmd.log)" \
        bash -c "sinfo -h -N -n '$HOST' -o %T | grep -qx idle"
    # slurmctld may restore 'idle' from its state before slurmd registers
    timeout 60 srun -N1 -n1 true || die "smoke test 'srun true' failed"
    log "cluster up: $(sinfo -h -N -o '%N %T %c CPUs %m MB %G')"
}

cmd_down() {
    stop slurmd "$SLURMD_PID"
    stop slurmctld "$CTLD_PID"
    stop munged "$MUNGE_PID"
    # without our slurm.conf, SLURM's commands fail at once instead of trying
    # the stopped controller for ~9 s, a wait every Snakemake start would pay
    # (the SLURM plugin runs `scontrol show config` when it is imported)
    for f in slurm.conf gres.conf; do
        if grep -qsF "$MARK" "$ETC/$f"; then rm -f "$ETC/$f"; fi
    done
}

cmd_status() {
    alive "$MUNGE_PID" && alive "$CTLD_PID" && alive "$SLURMD_PID"
}

smk() {  # smk WORKDIR CONFIG ARGS...: Snakemake on the targets, output to WORKDIR.log
    local dir=$1 config=$2
    shift 2
    (cd "$dir" && "$PY" -m snakemake --snakefile "$REPO/Snakefile" \
        --configfile "$config" "$@" -- "${TARGETS[@]}") >"$dir.log" 2>&1 ||
        { tail -n 60 "$dir.log" >&2; die "snakemake failed, see $dir.log"; }
}

cmd_run() {
    local dir=${1:-$(mktemp -d /tmp/qwem-slurm.XXXXXX)}
    mkdir -p "$dir/local" "$dir/slurm"
    dir=$(cd "$dir" && pwd)
    cmd_status || die "the cluster is not up: run '$0 up' first"
    [[ -x $PY ]] || die "no Python at $PY: run make install, or set PYTHON"
    PATH="$(dirname "$PY"):$PATH"  # rules run `qwem`; sbatch passes it on
    export PATH
    (cd "$REPO/tests" && "$PY" -c 'import sys, yaml; from conftest import TINY
yaml.safe_dump(TINY, open(sys.argv[1], "w"), sort_keys=False)' "$dir/tiny.yaml")
    # count only what this run adds to the controller's log
    local offset
    offset=$(stat -c %s "$LOGDIR/slurmctld.log")
    # the two runs side by side: the SLURM run mostly waits for job start-up
    # and the plugin's status polling
    local t0=$SECONDS
    log "local run in $dir/local, meanwhile the SLURM run in $dir/slurm"
    (
        smk "$dir/local" "$dir/tiny.yaml" --workflow-profile "$REPO/workflow/profiles/default" \
            --cores 2
        echo $((SECONDS - t0)) >"$dir/local.seconds"
    ) &
    local local_run=$!
    smk "$dir/slurm" "$dir/tiny.yaml" --workflow-profile "$REPO/workflow/profiles/slurm" \
        --slurm-status-command squeue --slurm-init-seconds-before-status-checks 2 \
        --slurm-keep-successful-logs
    local slurm_s=$((SECONDS - t0))
    wait "$local_run" || die "the local run failed, see $dir/local.log"
    local local_s
    local_s=$(cat "$dir/local.seconds")
    tail -c +"$((offset + 1))" "$LOGDIR/slurmctld.log" >"$dir/slurmctld.log"
    squeue -t all -h -o '%i|%j|%T|%b' >"$dir/squeue.txt"
    scontrol show job -o >"$dir/scontrol.txt" || true
    log "local run $local_s s, SLURM run $slurm_s s (side by side); checking"
    "$PY" "$REPO/tests/cluster/check_run.py" "$dir" --seconds-local "$local_s" \
        --seconds-slurm "$slurm_s"
}

cmd_fault() {
    local dir=${1:-$(mktemp -d /tmp/qwem-slurm-fault.XXXXXX)}
    mkdir -p "$dir"
    cmd_status || die "the cluster is not up: run '$0 up' first"
    [[ -x $PY ]] || die "no Python at $PY: run make install, or set PYTHON"
    PATH="$(dirname "$PY"):$PATH"  # rules run `qwem`; sbatch passes it on
    export PATH
    "$PY" "$REPO/tests/cluster/kill_resume.py" "$dir"
}

cmd_test() {
    # a cluster that was already up stays up
    cmd_status || trap cmd_down EXIT
    local t0=$SECONDS
    cmd_up
    log "setup took $((SECONDS - t0)) s"
    cmd_run "$@"
    log "total $((SECONDS - t0)) s"
}

case ${1:-} in
up | down | status | run | fault | test)
    cmd=$1
    shift
    "cmd_$cmd" "$@"
    ;;
*)
    sed -n '2,33p' "$0" >&2
    exit 2
    ;;
esac
