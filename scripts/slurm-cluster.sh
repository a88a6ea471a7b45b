#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on this machine, for tests: slurmctld and slurmd on loopback, everything
# (slurm.conf, state, spool, logs, pid files) in one folder, found by clients through SLURM_CONF.
#
#   dir=$(scripts/slurm-cluster.sh start)     # makes a folder under $TMPDIR, starts both daemons, waits until a
#                                             # probe job has run, prints the folder
#   eval "$(scripts/slurm-cluster.sh env "$dir")"   # export SLURM_CONF=…: sbatch, squeue, scontrol now use it
#   scripts/slurm-cluster.sh logs "$dir"      # both daemons' logs (print them when a test fails)
#   scripts/slurm-cluster.sh stop "$dir"      # stops the two daemons it started, by pid
#   scripts/slurm-cluster.sh clean "$dir"     # stop, then delete the folder
#
# `start DIR` uses DIR instead (it must not exist, or be empty). stop/clean/env/logs refuse a folder this script did
# not make (no marker file), and stop only kills pids it recorded whose command line still names the folder.
#
# The cluster runs as the current user (root in CI) without munge, cgroups or systemd: auth/none, cred/none,
# proctrack/linuxproc, task/none, no accounting (use squeue and `scontrol show job`; finished jobs stay 300 s).
# The node advertises SLURM_CLUSTER_CPUS CPUs (default 16: four 4-CPU array tasks of docs/slurm at once) whatever
# the machine has; its memory is the machine's (`slurmd -C`). Ports are free loopback ports chosen at start.
# Installs slurmctld, slurmd and slurm-client through scripts/bootstrap.sh when missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
marker=.aegrid-slurm-cluster

usage() {
    echo "usage: $0 start [DIR] | env DIR | logs DIR | stop DIR | clean DIR" >&2
    exit 2
}

# The folder must carry our marker: never stop or delete anything in a folder we did not make.
owned() {
    local dir=$1
    [[ -n "$dir" ]] || usage
    if [[ ! -f "$dir/$marker" ]]; then
        echo "slurm-cluster: $dir was not made by slurm-cluster.sh start (no $marker file); refusing to touch it" >&2
        exit 1
    fi
}

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "slurm-cluster: no free loopback port found" >&2
    return 1
}

# Cancels this cluster's jobs (so no job step outlives the daemons), waiting up to 10 s for them to end.
cancel_jobs() {
    local dir=$1
    [[ -f "$dir/pids/slurmctld.pid" ]] || return 0
    kill -0 "$(cat "$dir/pids/slurmctld.pid")" 2>/dev/null || return 0
    SLURM_CONF="$dir/etc/slurm.conf" scancel --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 1 100); do
        [[ -z "$(SLURM_CONF="$dir/etc/slurm.conf" squeue -h -t RUNNING,COMPLETING -o %i 2>/dev/null)" ]] && return 0
        sleep 0.1
    done
    echo "slurm-cluster: jobs still running 10 s after scancel; stopping the daemons anyway" >&2
}

# Kills the daemon whose pid is in $dir/pids/$name.pid, if that pid is still that daemon (its command line names
# the folder's slurm.conf): TERM, then KILL after 5 s.
stop_daemon() {
    local dir=$1 name=$2 file pid
    file="$dir/pids/$name.pid"
    [[ -f "$file" ]] || return 0
    pid=$(cat "$file")
    if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/etc/slurm.conf"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "slurm-cluster: $name (pid $pid) ignored SIGTERM for 5 s; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
}

print_logs() {
    local dir=$1 log
    for log in "$dir"/log/*.log; do
        [[ -f "$log" ]] || continue
        echo "----- $log -----"
        cat "$log"
    done
}

write_config() {
    local dir=$1 cpus=$2 user node memory ctld_port d_port
    user=$(id -un)
    # slurmd -C: "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105".
    local probe
    probe=$(slurmd -C | head -n 1)
    node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$probe")
    memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$probe")
    [[ -n "$node" && -n "$memory" ]] || { echo "slurm-cluster: cannot read the node from 'slurmd -C': $probe" >&2; return 1; }
    ctld_port=$(free_port)
    d_port=$(free_port)
    while [[ "$d_port" == "$ctld_port" ]]; do d_port=$(free_port); done
    cat >"$dir/etc/slurm.conf" <<EOF
# Written by scripts/slurm-cluster.sh for a throwaway test cluster; everything lives under $dir.
ClusterName=aegrid-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/none
CredType=cred/none
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/pids/slurmctld.daemon.pid
SlurmdPidFile=$dir/pids/slurmd.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
# afterok on an array with a failed or cancelled task would otherwise wait forever.
DependencyParameters=kill_invalid_depend
# The node advertises more CPUs than the machine has, so array tasks overlap as on a real cluster.
SlurmdParameters=config_overrides
KillWait=5
MinJobAge=300
InactiveLimit=0
Waittime=0
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
    local dir=${1:-}
    "$here/bootstrap.sh" slurmctld slurmd slurm-client
    if [[ -z "$dir" ]]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/aegrid-slurm.XXXXXX")
    else
        mkdir -p "$dir"
        if [[ -n "$(ls -A "$dir")" ]]; then
            echo "slurm-cluster: $dir is not empty; give a new or empty folder (or none: one is made under \$TMPDIR)" >&2
            exit 1
        fi
    fi
    dir=$(cd "$dir" && pwd)
    touch "$dir/$marker"
    mkdir -p "$dir/etc" "$dir/state" "$dir/spool" "$dir/log" "$dir/pids"
    write_config "$dir" "${SLURM_CLUSTER_CPUS:-16}"
    export SLURM_CONF="$dir/etc/slurm.conf"

    # Each daemon in the foreground (-D) of its own session, so it outlives this script and no terminal signal
    # reaches it; we record its pid and stop exactly that process.
    setsid slurmctld -D -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmctld.stdout" 2>&1 &
    echo $! >"$dir/pids/slurmctld.pid"
    setsid slurmd -D -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmd.stdout" 2>&1 &
    echo $! >"$dir/pids/slurmd.pid"

    # Ready means a probe job has run: the node is idle well before slurmctld schedules anything (~3 s).
    local probe="" state=""
    for _ in $(seq 1 300); do
        for name in slurmctld slurmd; do
            if ! kill -0 "$(cat "$dir/pids/$name.pid")" 2>/dev/null; then
                echo "slurm-cluster: $name exited during start-up; its logs:" >&2
                print_logs "$dir" >&2
                cat "$dir/log/$name.stdout" >&2 || true
                stop_daemon "$dir" slurmctld
                stop_daemon "$dir" slurmd
                exit 1
            fi
        done
        if [[ -z "$probe" ]]; then
            if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
                probe=$(sbatch --parsable --job-name=probe --output=/dev/null --wrap=true 2>/dev/null) || probe=""
            fi
        else
            state=$(scontrol show job "$probe" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
            [[ "$state" == COMPLETED ]] && break
        fi
        sleep 0.1
    done
    if [[ "$state" != COMPLETED ]]; then
        echo "slurm-cluster: not ready after 30 s (probe job '${probe:-not submitted}' state '${state:-?}'); logs:" >&2
        print_logs "$dir" >&2
        stop_daemon "$dir" slurmctld
        stop_daemon "$dir" slurmd
        exit 1
    fi
    echo "$dir"
}

command=${1:-}
case "$command" in
    start) start "${2:-}" ;;
    env)
        owned "${2:-}"
        echo "export SLURM_CONF=$(cd "$2" && pwd)/etc/slurm.conf"
        ;;
    logs)
        owned "${2:-}"
        print_logs "$2"
        ;;
    stop)
        owned "${2:-}"
        dir=$(cd "$2" && pwd)
        cancel_jobs "$dir"
        stop_daemon "$dir" slurmd
        stop_daemon "$dir" slurmctld
        ;;
    clean)
        owned "${2:-}"
        dir=$(cd "$2" && pwd)
        cancel_jobs "$dir"
        stop_daemon "$dir" slurmd
        stop_daemon "$dir" slurmctld
        rm -rf "$dir"
        ;;
    *) usage ;;
esac
