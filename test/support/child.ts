import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Kiln as a separate process, started the way the README does (`node --import tsx
 * src/main/cli.ts …`): for tests that kill the server, restart it, or check what the CLI prints.
 */

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO_ROOT, 'src', 'main', 'cli.ts');

/** A free loopback TCP port (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The environment for a Kiln child: this process's environment without any `KILN_*`
 * variable (so an outer configuration cannot leak in), plus `env`.
 */
export function kilnEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KILN_')) base[k] = v;
  return { ...base, ...env };
}

export interface KilnProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` from the banner's first line. */
  endpoint: string;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text` (rejects if the process exits first). */
  waitForOutput(text: string): Promise<void>;
  /** Resolves with the exit code/signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless already ended; resolves when it has ended. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/**
 * Spawns `kiln serve <args>` and resolves once it printed `Kiln is listening on <endpoint>`.
 * One API process unless `env` or `args` say otherwise (the default, one per core, forks a
 * cluster: only the tests of the cluster need it).
 */
export async function spawnKiln(env: Record<string, string>, args: string[] = []): Promise<KilnProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...args], { cwd: REPO_ROOT, env: kilnEnv({ KILN_API_PROCESSES: '1', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  const waiters: Array<{ text: string; resolve(): void; reject(e: Error): void }> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const w of waiters.splice(0)) w.reject(new Error(`kiln exited (${code ?? signal}) before printing "${w.text}"; stderr:\n${err}\nstdout:\n${out}`));
    });
  });
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    for (const w of [...waiters]) {
      if (out.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const waitForOutput = (text: string): Promise<void> => {
    if (out.includes(text)) return Promise.resolve();
    if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`kiln has exited; stderr:\n${err}`));
    return new Promise((resolve, reject) => waiters.push({ text, resolve, reject }));
  };
  const proc: KilnProcess = {
    child,
    endpoint: '',
    stdout: () => out,
    stderr: () => err,
    waitForOutput,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  try {
    await waitForOutput('Kiln is listening on ');
    await waitForOutput('\n');
  } catch (e) {
    await proc.kill();
    throw e;
  }
  const m = /Kiln is listening on (http:\/\/\S+)/.exec(out);
  if (!m) {
    await proc.kill();
    throw new Error(`no endpoint in the banner:\n${out}`);
  }
  proc.endpoint = m[1] as string;
  return proc;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx src/main/cli.ts <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return completion(spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, env: kilnEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs `kiln <args>` to completion on the data dir and database of a running Kiln (its `config`). */
export function runCliOn(config: { dataDir: string; databaseUrl?: string }, args: string[]): Promise<CliResult> {
  return runCli(args, { KILN_DATA_DIR: config.dataDir, KILN_DATABASE_URL: config.databaseUrl ?? '' });
}

/** Runs a shell command line (bash, for pipes and PIPESTATUS) in the repository, with Kiln's environment, to completion. */
export function runShell(line: string, env: Record<string, string>): Promise<CliResult> {
  return completion(spawn('bash', ['-c', line], { cwd: REPO_ROOT, env: kilnEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The exit code and whole output of a child, which is killed with the test process if still running. */
function completion(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Splits a shell command line the way sh would for plain words and '…' / "…" quoting. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** SIGKILLs `child` and resolves once it has exited (at once if it already has). */
export async function killChild(child: import('node:child_process').ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}
