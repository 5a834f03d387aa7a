/**
 * How much of the machine's CPU went to processes other than the benchmark's own during a phase:
 * the machine's busy time (/proc/stat) minus the time of the given processes (/proc/<pid>/stat).
 * Other work on a small machine skews every latency, so a run says when it saw some.
 */
import { readFile } from 'node:fs/promises';

type Jiffies = { busy: number; total: number };

async function machine(): Promise<Jiffies | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    const v = fields.slice(0, 8).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

async function processTime(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14 and 15)
  } catch {
    return 0;
  }
}

export type CpuWindow = {
  /** Share (0-1) of the whole machine's CPU time used by other processes since start(). */
  foreignShare(): Promise<number | null>;
};

export async function cpuWindow(ownPids: number[]): Promise<CpuWindow> {
  const m0 = await machine();
  const p0 = await Promise.all(ownPids.map(processTime));
  return {
    async foreignShare() {
      const m1 = await machine();
      if (!m0 || !m1 || m1.total <= m0.total) return null;
      const p1 = await Promise.all(ownPids.map(processTime));
      const own = p1.reduce((a, t, i) => a + (t - p0[i]!), 0);
      const foreign = Math.max(0, m1.busy - m0.busy - own);
      return Math.round((foreign / (m1.total - m0.total)) * 1000) / 1000;
    },
  };
}
