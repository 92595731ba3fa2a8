import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './child.js';

/*
 * Network namespaces made by a test, so that what a networked build calls is a namespace of the
 * test and nothing else. Names carry the test process's id.
 */

const run = promisify(execFile);

export async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** The service of `namespace-service.ts` running in a namespace. */
export interface NamespaceService {
  /** What it answers to every HTTP request. */
  reply: string;
  /** HTTP requests it got so far. */
  hits(): number;
  stop(): Promise<void>;
}

/** Ends a child process (SIGTERM, SIGKILL after 10 s) and waits for it. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once `output()` contains `text`; rejects if the child exits first. */
export function waitForOutput(child: ChildProcess, output: () => string, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!output().includes(text)) return;
      child.stdout?.off('data', check);
      child.off('exit', exited);
      resolve();
    };
    const exited = (code: number | null, signal: string | null) => reject(new Error(`${what} exited (${code ?? signal}) before "${text}":\n${output()}`));
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

/** Starts `namespace-service.ts` in `ns`: HTTP on every address at `port`, and DNS when `dnsAnswer` is given. */
export async function startNamespaceService(ns: string, reply: string, port: number, dnsAnswer?: string): Promise<NamespaceService> {
  const args = ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'namespace-service.ts'), reply, String(port)];
  const child = spawn('ip', dnsAnswer ? [...args, dnsAnswer] : args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  try {
    await waitForOutput(child, () => out, 'ready', `the "${reply}" service in ${ns}`);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { reply, hits: () => (out.match(/^hit /gm) ?? []).length, stop: () => stopChild(child) };
}

/** A namespace linked to this process's own by a veth pair, with a service on `port`. */
export interface TargetNamespace {
  /** The service's address (the other end of the link is this namespace's, i.e. the host's). */
  address: string;
  /** The link's /30, to allow-list. */
  range: string;
  service: NamespaceService;
  close(): Promise<void>;
}

/**
 * Creates `kt<pid>-target`, linked to the current namespace by a veth pair on a /30 of the
 * benchmarking range 198.18.0.0/15 (a private range: builds reach it only when allow-listed).
 */
export async function createTargetNamespace(reply: string, port: number): Promise<TargetNamespace> {
  const ns = `kt${process.pid}-target`;
  const hostIf = `kt${process.pid}t`;
  const base = (process.pid % 16384) * 4; // a /30 per process id: 198.18.0.0 – 198.18.255.252
  const octets = (n: number) => `198.18.${Math.floor(n / 256)}.${n % 256}`;
  let service: NamespaceService | undefined;
  const close = async () => {
    await service?.stop();
    await run('ip', ['netns', 'delete', ns]).catch(() => undefined); // takes the veth pair with it
  };
  try {
    await ip('netns', 'add', ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('addr', 'add', `${octets(base + 1)}/30`, 'dev', hostIf);
    await ip('-n', ns, 'addr', 'add', `${octets(base + 2)}/30`, 'dev', 'eth0');
    await ip('link', 'set', hostIf, 'up');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    service = await startNamespaceService(ns, reply, port);
    return { address: octets(base + 2), range: `${octets(base)}/30`, service, close };
  } catch (err) {
    await close();
    throw err;
  }
}
