import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './processes.js';

/*
 * The processes the export bench times or starts: one command timed as a whole (Kiln's CLI,
 * qemu-img, skopeo), and a throwaway Debian `docker-registry` on loopback. Every child runs in
 * its own process group and is killed with it on exit, on failure and on Ctrl-C.
 */

const live = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
}

export interface Timed {
  ms: number;
  stdout: string;
  stderr: string;
}

/** The ms since its start at which each phase a command printed first appeared (`kiln: export N% <phase>` lines). */
export type Phases = Array<{ phase: string; atMs: number }>;

const PHASE_LINE = /^kiln: export \d+% (.+)$/;

/**
 * Runs `cmd args` to its end and times it (wall clock, spawn to exit); a non-zero exit throws
 * with the output's tail. `phases`, when given, receives Kiln's progress phases as they appear.
 */
export function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, phases?: Phases): Promise<Timed> {
  hookExit();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) live.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-20_000);
      if (!phases) return;
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const phase = PHASE_LINE.exec(line.trim())?.[1];
        if (phase && !phases.some((p) => p.phase === phase)) phases.push({ phase, atMs: performance.now() - started });
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (child.pid !== undefined) live.delete(child.pid);
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} ended ${code ?? signal}:\n${`${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/** `kiln <args>` (src/main/cli.ts through tsx, as `npm run kiln` runs it) on the data dir `dataDir`. */
export function timeKiln(dataDir: string, args: string[], phases?: Phases): Promise<Timed> {
  return timeCommand(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], { ...process.env, KILN_DATA_DIR: dataDir }, phases);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface Registry {
  /** `127.0.0.1:PORT`, plain HTTP. */
  host: string;
  stop(): Promise<void>;
}

/**
 * Debian's `docker-registry` (the distribution registry) serving plain HTTP on a free loopback
 * port with its storage in `dir`: a fresh registry per measurement, so no push finds a blob
 * already there or mountable from an earlier push.
 */
export async function startRegistry(dir: string): Promise<Registry> {
  hookExit();
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const pid = child.pid;
  if (pid === undefined) throw new Error('docker-registry did not start');
  live.add(pid);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(pid, 'SIGTERM');
    const t = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    live.delete(pid);
  };
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${err.trim()}`);
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200) return { host, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${host} within 30 s: ${err.trim()}`);
    }
    await sleep(50);
  }
}

/** Median, minimum and maximum of `ms` (at least one value). */
export function spread(ms: readonly number[]): { median: number; min: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}
