#!/usr/bin/env bash
# A real single-node Slurm on this machine, for the Slurm tests and bench/slurm.py (Debian 12,
# as root, no systemd). Idempotent: a Slurm already up is left as it is.
#
# The node declares 8 CPUs and 2 GPUs (fake ones: character devices named in gres.conf), so
# GPUs, not cores, limit how many jobs run at once; `SlurmdParameters=config_overrides` lets
# slurmd declare more CPUs than the machine has. Partition `debug` is this machine; partition
# `far` is a node that is never up (another machine), so an org can be refused a shared_dir
# that machine cannot see. Partition `urgent` is this machine again, at a higher priority tier:
# a job there preempts `debug`'s jobs (PreemptMode=REQUEUE: requeued, or PREEMPTED when they
# cannot be requeued). No accounting (no slurmdbd): `sacct` has nothing, and finished jobs
# stay visible to `squeue -t all` for MinJobAge seconds. A Slurm already up with another
# slurm.conf takes this one (`scontrol reconfigure`).
set -euo pipefail
up() { timeout 2 sinfo -h -p debug -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }
host=$(hostname -s)
conf=$(cat <<EOF
ClusterName=orgtui-ci
GresTypes=gpu
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
SchedulerType=sched/backfill
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
MinJobAge=600
KillWait=5
NodeName=$host CPUs=8 RealMemory=2000 Gres=gpu:2 State=UNKNOWN
NodeName=far1 NodeAddr=127.0.0.9 CPUs=8 RealMemory=2000 Gres=gpu:2 State=FUTURE
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
PartitionName=far Nodes=far1 MaxTime=INFINITE State=UP
PartitionName=urgent Nodes=$host MaxTime=INFINITE State=UP PriorityTier=2
EOF
)
if up; then
  if [ "$conf" != "$(cat /etc/slurm/slurm.conf 2>/dev/null)" ]; then
    printf '%s\n' "$conf" >/etc/slurm/slurm.conf
    scontrol reconfigure
  fi
  echo "slurm is up"
  exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
mkdir -p /etc/slurm /run/munge /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
printf '%s\n' "$conf" >/etc/slurm/slurm.conf
cat >/etc/slurm/gres.conf <<EOF
AutoDetect=off
NodeName=$host Name=gpu File=/tmp/fakegpu[0-1]
EOF
for i in 0 1; do
  [ -c /tmp/fakegpu$i ] || { rm -f /tmp/fakegpu$i; mknod /tmp/fakegpu$i c 195 $i; }
done
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /run/munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
# The daemons start with no file descriptor but 0-2: run as `flock LOCK bash slurm-up.sh`, a
# daemon that inherited the lock's descriptor would hold the lock for as long as it runs.
daemon() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec "$@"
  )
}
pgrep -x munged >/dev/null || daemon runuser -u munge -- /usr/sbin/munged
pgrep -x slurmctld >/dev/null || daemon /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || daemon /usr/sbin/slurmd
for _ in $(seq 100); do
  if up; then
    echo "slurm is up"
    exit 0
  fi
  sleep 0.1
done
echo "slurm did not come up; see /var/log/slurm/slurmctld.log and slurmd.log" >&2
exit 1
