import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, kilnEnv } from './child.js';
import { ip } from './namespaces.js';

/*
 * "Another host" on this machine, for tests and benches of `kiln worker` on a host that shares
 * nothing with the server but PostgreSQL and the blob store: a network namespace joined to the
 * machine by a veth pair on a private /30 (no other route; the machine's side filtered so that
 * only the ports the test opens answer), and a mount namespace per worker in which the folders
 * the test names are hidden under an empty tmpfs (the server's data dir) and files under
 * /dev/null (e.g. /bin/busybox). PostgreSQL is reached through a TCP forwarder on the veth
 * address; the S3 test server listens there itself (`startS3({ address: net.hostAddress })`).
 */

const CLI = join(REPO_ROOT, 'src', 'main', 'cli.ts');
let made = 0;

export interface RemoteNetwork {
  /** The network namespace (`/run/netns/<name>`). */
  name: string;
  /** The machine's side of the veth pair, what the remote host reaches. */
  hostAddress: string;
  /** The remote host's own address. */
  workerAddress: string;
  /** From now on, only these TCP ports of `hostAddress` answer the remote host (nftables). */
  allowOnly(ports: number[]): Promise<void>;
  /** A forwarder on `hostAddress` to a TCP service of the machine (e.g. PostgreSQL on 127.0.0.1); its port. */
  forward(target: { host: string; port: number }): Promise<number>;
  /** A `postgres://` URL on the machine's loopback, rewritten to its forwarder on `hostAddress`. */
  forwardDatabase(url: string): Promise<string>;
  /** Removes the forwarders, the filter, the veth pair and the namespace. */
  remove(): Promise<void>;
}

export async function createRemoteNetwork(): Promise<RemoteNetwork> {
  const n = made++;
  const tag = `${process.pid % 100000}x${n}`;
  const name = `kiln-rh-${tag}`;
  const hostIf = `krh${tag}`;
  const peerIf = `krw${tag}`;
  const base = 4 * ((process.pid * 7 + n) % 64);
  const net = `10.254.${(process.pid >> 6) % 250}`;
  const hostAddress = `${net}.${base + 1}`;
  const workerAddress = `${net}.${base + 2}`;
  const table = `kiln_rh_${tag}`;
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  await ip('netns', 'add', name);
  try {
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf);
    await ip('link', 'set', peerIf, 'netns', name);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('-n', name, 'addr', 'add', `${workerAddress}/30`, 'dev', peerIf);
    await ip('-n', name, 'link', 'set', peerIf, 'up');
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (err) {
    await ip('link', 'del', hostIf).catch(() => undefined);
    await ip('netns', 'del', name).catch(() => undefined);
    throw err;
  }
  const network: RemoteNetwork = {
    name,
    hostAddress,
    workerAddress,
    async allowOnly(ports) {
      await nft(['delete', 'table', 'inet', table]).catch(() => undefined);
      await nft(['-f', '-'], `table inet ${table} {\n chain input {\n  type filter hook input priority -10; policy accept;\n  iifname "${hostIf}" tcp dport { ${ports.join(', ')} } accept\n  iifname "${hostIf}" ct state established,related accept\n  iifname "${hostIf}" drop\n }\n}\n`);
    },
    async forward(target) {
      const server = createServer((inbound) => {
        const outbound = connect(target.port, target.host);
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, hostAddress, () => resolve());
      });
      const addr = server.address();
      return typeof addr === 'object' && addr ? addr.port : 0;
    },
    async forwardDatabase(url) {
      const u = new URL(url);
      const port = await network.forward({ host: u.hostname, port: Number(u.port || 5432) });
      u.hostname = hostAddress;
      u.port = String(port);
      return u.toString();
    },
    async remove() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      await nft(['delete', 'table', 'inet', table]).catch(() => undefined);
      await ip('link', 'del', hostIf).catch(() => undefined);
      await ip('netns', 'del', name).catch(() => undefined);
    },
  };
  return network;
}

function nft(args: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nft', args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft ${args.join(' ')}: ${err}`))));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** What is hidden from a process of the remote host. */
export interface Hidden {
  /** Folders shown empty (a tmpfs over each): e.g. the parent of the server's data dir. */
  dirs?: string[];
  /** Files shown as /dev/null: e.g. /bin/busybox, for a host that has none. */
  files?: string[];
}

/** argv that runs `argv` on the remote host: in its network namespace, and a mount namespace of its own with `hidden` hidden. */
export function onRemoteHost(network: RemoteNetwork, hidden: Hidden, argv: string[]): string[] {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    'set -e',
    ...(hidden.dirs ?? []).map((d) => `mount -t tmpfs -o size=64k,mode=0700 kiln-hidden ${q(d)}`),
    ...(hidden.files ?? []).map((f) => `mount --bind /dev/null ${q(f)}`),
    'exec "$@"',
  ].join('\n');
  return ['nsenter', `--net=/run/netns/${network.name}`, '--', 'unshare', '--mount', '--propagation', 'slave', '--', 'sh', '-c', script, 'sh', ...argv];
}

/** Runs `argv` on the remote host to completion: its exit code and output. */
export function runOnRemoteHost(network: RemoteNetwork, hidden: Hidden, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...args] = onRemoteHost(network, hidden, argv);
  const child = spawn(cmd!, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RemoteWorker {
  child: ChildProcess;
  dataDir: string;
  /** Its build workers' ids (as executions' lease owners name them). */
  workerIds: string[];
  output(): string;
  /** SIGTERM (a clean stop) and wait. */
  stop(): Promise<void>;
  /** SIGKILL of the worker and every process under it (runc, containers, steps): a host that dies. */
  killTree(): Promise<void>;
}

/**
 * `kiln worker` on the remote host: `env` is all its settings (KILN_DATABASE_URL reachable from
 * there, the blob store, its own KILN_DATA_DIR). Resolves once it printed that it started.
 */
export async function startRemoteWorker(o: { network: RemoteNetwork; env: Record<string, string>; hidden?: Hidden }): Promise<RemoteWorker> {
  const [cmd, ...args] = onRemoteHost(o.network, o.hidden ?? {}, [process.execPath, '--import', 'tsx', CLI, 'worker']);
  const child = spawn(cmd!, args, { cwd: REPO_ROOT, env: kilnEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/Kiln worker\(s\) started: .*\n/.test(out)) resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => reject(new Error(`the remote kiln worker exited (${code ?? signal}):\n${out}`)));
  });
  const ids = /Kiln worker\(s\) started: ([^(]+) \(/.exec(out)?.[1]?.split(', ').map((s) => s.trim()) ?? [];
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    dataDir: o.env.KILN_DATA_DIR ?? '',
    workerIds: ids,
    output: () => out,
    async stop() {
      if (!ended()) child.kill('SIGTERM');
      await exited;
    },
    async killTree() {
      if (ended()) return;
      // Stop every process of the tree first, so none forks or reaps while the rest are killed.
      const tree = descendants(child.pid!);
      for (const pid of [child.pid!, ...tree]) signal(pid, 'SIGSTOP');
      for (const pid of [child.pid!, ...descendants(child.pid!), ...tree]) signal(pid, 'SIGKILL');
      await exited;
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Every process under `root`, by the parent pids of /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}
