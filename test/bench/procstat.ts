/**
 * CPU time per process group from /proc (Linux only; elsewhere every figure is 0), so the bench
 * can say where the time per request goes: the Worker's workerd, the bench's Node process (bridges
 * and simulator, plus the load generator when it runs inline), the load-generator child, Redis
 * and Postgres.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, clock ticks. */
  ticks: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    return { pid, ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function allProcs(): ProcInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) out.push(info);
  }
  return out;
}

export interface GroupRoots {
  /** The bench's own pid. */
  self: number;
  loadgen?: number;
  /** Postgres runs daemonized (pg_ctl), so it is found from its postmaster pid. */
  postmaster?: number;
}

/** CPU ms per group since some origin; subtract two snapshots to get a window. */
export type CpuSnapshot = Record<string, number>;

/**
 * Busy CPU ms of the whole machine, all cores, from /proc/stat: user, nice, system and steal (a
 * hypervisor's other guests). Interrupt and softirq time is left out: much of it is the kernel
 * moving the bench's own packets, which no process is charged for.
 */
function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, user = 0, nice = 0, system = 0, , , , , steal = 0] = line.trim().split(/\s+/).map(Number);
    return ((user + nice + system + steal) * 1000) / clockTicks();
  } catch {
    return 0;
  }
}

/**
 * Groups: `workerd` (any workerd under the bench), `bench node`, `loadgen`, `redis-server`,
 * `postgres` (postmaster and its backends), `other` (anything else under the bench), and
 * `machine` (every process on the machine, kernel included) so that `foreignMs` can tell how much
 * CPU something outside the bench took during a window.
 */
export function cpuSnapshot(roots: GroupRoots): CpuSnapshot {
  const procs = allProcs();
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const ms = (ticks: number) => (ticks * 1000) / clockTicks();
  const snapshot: CpuSnapshot = { workerd: 0, 'bench node': 0, loadgen: 0, 'redis-server': 0, postgres: 0, other: 0, machine: machineBusyMs() };
  const visit = (pid: number, group: (p: ProcInfo) => string) => {
    const stack = [...(children.get(pid) ?? [])];
    while (stack.length) {
      const p = stack.pop()!;
      const g = group(p);
      snapshot[g] = (snapshot[g] ?? 0) + ms(p.ticks);
      stack.push(...(children.get(p.pid) ?? []));
    }
  };
  const self = procs.find((p) => p.pid === roots.self);
  if (self) snapshot['bench node']! += ms(self.ticks);
  visit(roots.self, (p) => {
    if (p.pid === roots.loadgen) return 'loadgen';
    if (p.comm === 'workerd') return 'workerd';
    if (p.comm === 'redis-server') return 'redis-server';
    if (p.comm === 'postgres' || p.comm === 'postmaster') return 'postgres';
    return 'other';
  });
  if (roots.postmaster !== undefined && roots.postmaster !== roots.self) {
    const postmaster = procs.find((p) => p.pid === roots.postmaster);
    if (postmaster && postmaster.ppid !== roots.self) {
      snapshot.postgres! += ms(postmaster.ticks);
      visit(postmaster.pid, () => 'postgres');
    }
  }
  return snapshot;
}

/** CPU ms of a window (a `cpuDelta`) spent outside the bench's processes: other work on the machine. */
export function foreignMs(delta: CpuSnapshot): number {
  const ours = Object.entries(delta).reduce((a, [k, v]) => (k === 'machine' ? a : a + v), 0);
  return Math.max(0, (delta.machine ?? 0) - ours);
}

/** Every process of the bench, split into the Worker's workerd and the rest (harness, Redis, Postgres). */
export function benchProcesses(roots: GroupRoots): { workerd: number[]; harness: number[] } {
  const procs = allProcs();
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out = { workerd: [] as number[], harness: [roots.self] };
  const visit = (pid: number) => {
    for (const p of children.get(pid) ?? []) {
      (p.comm === 'workerd' ? out.workerd : out.harness).push(p.pid);
      visit(p.pid);
    }
  };
  visit(roots.self);
  if (roots.postmaster !== undefined && !out.harness.includes(roots.postmaster)) {
    out.harness.push(roots.postmaster);
    visit(roots.postmaster);
  }
  return out;
}

/**
 * Pins the Worker's workerd (all its threads) to the last CPU and everything else of the bench to
 * the others, so the harness never competes with the Worker for its core. Returns a description,
 * or why it could not pin.
 */
export function pinProcesses(roots: GroupRoots): { pinned: boolean; note: string } {
  const cpus = os.cpus().length;
  if (cpus < 2) return { pinned: false, note: 'not pinned: one CPU' };
  const { workerd, harness } = benchProcesses(roots);
  if (workerd.length === 0) return { pinned: false, note: 'not pinned: no workerd found' };
  const worker = String(cpus - 1);
  const rest = cpus === 2 ? '0' : `0-${cpus - 2}`;
  try {
    for (const pid of workerd) execFileSync('taskset', ['-a', '-p', '-c', worker, String(pid)], { stdio: 'ignore' });
    for (const pid of harness) execFileSync('taskset', ['-a', '-p', '-c', rest, String(pid)], { stdio: 'ignore' });
  } catch (error) {
    return { pinned: false, note: `not pinned: taskset failed (${(error as Error).message.split('\n')[0]})` };
  }
  return { pinned: true, note: `workerd pinned to CPU ${worker}; harness, Redis and Postgres to CPU ${rest}` };
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const key of Object.keys(after)) out[key] = Math.max(0, (after[key] ?? 0) - (before[key] ?? 0));
  return out;
}
