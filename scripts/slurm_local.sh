#!/usr/bin/env bash
# A throw-away Slurm cluster of one node on this machine, for tests/test_slurm.py:
#   scripts/slurm_local.sh start DIR   starts munged, slurmctld and slurmd with state, sockets and logs under DIR,
#                                      waits (at most 60 s) until the node takes jobs; prints "SLURM_CONF=DIR/slurm.conf"
#   scripts/slurm_local.sh stop DIR    stops the daemons it started (by their pid files) and removes DIR
# It needs Debian's slurm-wlm (slurmctld, slurmd, srun, munge) and root (slurmd starts job steps as any user).
# Nothing outside DIR is touched: own munge key and socket, own ports, own spool and state directories.
# On failure it prints one line "CANNOT: <reason>" (and the daemon's log) and exits 1.
set -uo pipefail
cmd=${1:?usage: slurm_local.sh start|stop DIR}
dir=${2:?usage: slurm_local.sh start|stop DIR}

stop() {
    for name in slurmd slurmctld munged; do
        [ -f "$dir/$name.pid" ] || continue
        pid=$(cat "$dir/$name.pid")
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf "$dir"
}

cannot() {
    echo "CANNOT: $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2"
    stop
    exit 1
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi
[ "$cmd" = start ] || { echo "usage: slurm_local.sh start|stop DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "CANNOT: slurmd must run as root (this is uid $(id -u))"; exit 1; }
for tool in munged slurmctld slurmd srun sinfo; do
    command -v "$tool" >/dev/null || { echo "CANNOT: $tool is not installed (apt-get install slurm-wlm)"; exit 1; }
done

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$dir/state" "$dir/spool" && chmod 0755 "$dir" "$dir/state" "$dir/spool"
head -c 1024 /dev/urandom > "$dir/munge.key" && chmod 0400 "$dir/munge.key"
munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
    --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" >"$dir/munged.out" 2>&1 \
    || cannot "munged did not start: $(tail -n 1 "$dir/munged.out")" "$dir/munged.log"

host=$(hostname -s)
cpus=4  # config_overrides: 4 task slots even on a smaller machine, for srun -n 4
cat > "$dir/slurm.conf" <<CONF
ClusterName=shmemtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SrunPortRange=$(( 40000 + RANDOM % 10000 ))-$(( 50000 + RANDOM % 10000 ))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=shmemnode NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=shmemnode Default=YES MaxTime=10 State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 \
    || cannot "slurmctld did not start: $(tail -n 1 "$dir/slurmctld.out")" "$dir/slurmctld.log"
slurmd -N shmemnode -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 \
    || cannot "slurmd did not start: $(tail -n 1 "$dir/slurmd.out")" "$dir/slurmd.log"
for _ in $(seq 120); do
    state=$(sinfo -h -n shmemnode -o %T 2>/dev/null)
    case "$state" in idle*|mixed*) echo "SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
    sleep 0.5
done
cannot "the node did not become idle within 60 s (state: ${state:-none})" "$dir/slurmd.log"
