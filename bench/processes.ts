import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * Child processes of the bench (Kiln, the bare server): spawned without a shell so `pid` is
 * the node process itself, awaited until they print where they listen, and always killed —
 * on a normal end, on an error and on SIGINT/SIGTERM of the bench.
 */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  name: string;
  pid: number;
  port: number;
  /** Everything the child wrote so far (for error reports). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

function killAllNow(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllNow();
      process.exit(130);
    });
  }
}

export interface SpawnOptions {
  name: string;
  /** Arguments to `node` (e.g. `['--import', 'tsx', 'src/main/cli.ts', 'serve']`). */
  args: string[];
  env?: Record<string, string>;
  /** Extracts the listening port from the output so far; undefined while not ready. */
  ready: (output: string) => number | undefined;
  timeoutMs?: number;
}

/** Spawns `node …args` in the repository root and waits until `ready` finds the port. */
export async function spawnNode(opts: SpawnOptions): Promise<Child> {
  installHandlers();
  const child = spawn(process.execPath, opts.args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let exitNote = '';
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    exitNote = `code ${code}, signal ${signal}`;
    resolve();
  }));
  // The pipes are drained for the child's whole life, so a chatty child never blocks.
  let onReady: (() => void) | undefined;
  const collect = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    onReady?.();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let port: number;
  try {
    port = await Promise.race([
      new Promise<number>((resolve) => {
        onReady = () => {
          const p = opts.ready(out);
          if (p !== undefined) {
            onReady = undefined;
            resolve(p);
          }
        };
        onReady();
      }),
      new Promise<never>((_, reject) => child.once('error', reject)),
      exited.then(() => { throw new Error(`${opts.name} exited before it was ready (${exitNote})`); }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${opts.name} did not start within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- ${opts.name} output ---\n${out.trim()}`);
  } finally {
    clearTimeout(timer);
  }

  return {
    name: opts.name,
    pid: child.pid!,
    port,
    output: () => out,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface KilnOptions {
  dataDir: string;
  accessKeyId: string;
  accessKeySecret: string;
  databaseUrl?: string;
  /** Extra node flags, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/x']`. */
  nodeFlags?: string[];
  /** `kiln serve --api-processes N` (absent: the flag is not passed). */
  apiProcesses?: number;
  /** More `KILN_*` settings (they win over the defaults above). */
  env?: Record<string, string>;
}

/** `node --import tsx src/main/cli.ts serve` on a free loopback port; resolves on the banner. */
export function startKiln(o: KilnOptions): Promise<Child> {
  return spawnNode({
    name: 'kiln',
    args: [...(o.nodeFlags ?? []), '--import', 'tsx', 'src/main/cli.ts', 'serve', ...(o.apiProcesses !== undefined ? ['--api-processes', String(o.apiProcesses)] : [])],
    env: {
      KILN_HOST: '127.0.0.1',
      KILN_PORT: '0',
      KILN_DATA_DIR: o.dataDir,
      KILN_ACCESS_KEY_ID: o.accessKeyId,
      KILN_ACCESS_KEY_SECRET: o.accessKeySecret,
      KILN_PIPELINE_QUOTA: '10000000',
      KILN_LOG_LEVEL: 'warn',
      ...(o.databaseUrl ? { KILN_DATABASE_URL: o.databaseUrl } : {}),
      ...o.env,
    },
    ready: (out) => {
      const m = /Kiln is listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
  });
}

/** The bare `node:http` server of bench/bare-server.ts on a free loopback port (`processes` > 1: node:cluster). */
export function startBare(processes = 1): Promise<Child> {
  return spawnNode({
    name: 'bare',
    args: ['--import', 'tsx', 'bench/bare-server.ts'],
    env: { BARE_PORT: '0', BARE_PROCESSES: String(processes) },
    ready: (out) => {
      const m = /bare server listening on 127\.0\.0\.1:(\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
  });
}

const CLK_TCK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; NaN when unavailable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** The pids of a process and of all its descendants (node:cluster children included), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(' ').map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds used so far by a process and its live descendants (a child that exited meanwhile is not counted). */
export function treeCpuSeconds(pid: number): number {
  let sum = 0;
  for (const p of processTree(pid)) {
    const s = cpuSeconds(p);
    if (!Number.isNaN(s)) sum += s;
  }
  return sum;
}

/** The faults a Kiln process logged (pino JSON lines at level ≥ 50), as `type: message`. */
export function serverErrors(child: Child): string[] {
  const out: string[] = [];
  for (const line of child.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { type?: string; message?: string } };
      if ((entry.level ?? 0) >= 50) out.push(`${entry.err?.type ?? 'error'}: ${(entry.err?.message ?? entry.msg ?? '').split('\n')[0]}`);
    } catch {
      // not a log line
    }
  }
  return out;
}
