import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { kilnEnv, REPO_ROOT } from '../../support/child.js';

/*
 * A small network of namespaces made by the test, so that no packet goes anywhere else:
 *
 *   "host" namespace (runs `kiln worker`; its own service on every address, port PORT;
 *   │                 a DNS server on its internet address, named by its resolv.conf)
 *   ├─ veth 203.0.113.1/24 ── 203.0.113.2/24  "internet" namespace (the service a build must reach);
 *   │                                          the host's default route
 *   ├─ veth 192.168.77.1/24 ── 192.168.77.2/24 "lan" namespace (a private-range service)
 *   └─ lo: 198.51.100.7/32, 2001:db8:7::7/128 besides loopback (more addresses of the host)
 *
 * The documentation ranges 203.0.113.0/24 and 198.51.100.0/24 play public addresses here.
 */

const run = promisify(execFile);

export const PORT = 8077;
export const ADDR = {
  hostOnInternet: '203.0.113.1',
  internet: '203.0.113.2',
  hostOnLan: '192.168.77.1',
  lan: '192.168.77.2',
  lanRange: '192.168.77.0/24',
  hostExtra4: '198.51.100.7',
  hostExtra6: '2001:db8:7::7',
} as const;

/** A `kiln worker` process in the host namespace. */
export interface LabWorker {
  /** What it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then waits for it to end. */
  stop(): Promise<void>;
}

/** A service in one namespace: what it answers, and the requests it got so far. */
export interface LabService {
  reply: string;
  hits(): number;
}

export interface NetworkLab {
  hostNs: string;
  host: LabService;
  internet: LabService;
  lan: LabService;
  /** Starts `kiln worker` inside the host namespace; resolves once its workers started. */
  startWorker(env: Record<string, string>): Promise<LabWorker>;
  /** Stops every process and deletes the namespaces (and with them the links). */
  close(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return { out: () => out, err: () => err };
}

function waitFor(child: ChildProcess, output: () => string, err: () => string, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (output().includes(text)) {
        child.stdout?.off('data', check);
        child.off('exit', exited);
        resolve();
      }
    };
    const exited = (code: number | null, signal: string | null) =>
      reject(new Error(`${what} exited (${code ?? signal}) before "${text}"; stderr:\n${err()}\nstdout:\n${output()}`));
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Builds the namespaces, links and services; `tmpDir` holds the host namespace's resolv.conf. */
export async function createNetworkLab(tmpDir: string): Promise<NetworkLab> {
  const tag = `kt${process.pid}`;
  const ns = { host: `${tag}-host`, internet: `${tag}-internet`, lan: `${tag}-lan` };
  const children: ChildProcess[] = [];

  const startService = async (nsName: string, reply: string, dnsAnswer?: string): Promise<LabService> => {
    const args = ['netns', 'exec', nsName, process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test', 'security', 'support', 'namespace-service.ts'), reply, String(PORT)];
    const child = spawn('ip', dnsAnswer ? [...args, dnsAnswer] : args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const { out, err } = collect(child);
    await waitFor(child, out, err, 'ready', `the ${reply} service`);
    return { reply, hits: () => (out().match(/^hit /gm) ?? []).length };
  };

  const close = async () => {
    for (const c of children) await stop(c);
    for (const n of Object.values(ns)) await run('ip', ['netns', 'delete', n]).catch(() => undefined);
  };

  try {
    for (const n of Object.values(ns)) {
      await ip('netns', 'add', n);
      await ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    const link = async (hostIf: string, peerIf: string, peerNs: string, hostAddr: string, peerAddr: string) => {
      await ip('-n', ns.host, 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf, 'netns', peerNs);
      await ip('-n', ns.host, 'addr', 'add', `${hostAddr}/24`, 'dev', hostIf);
      await ip('-n', peerNs, 'addr', 'add', `${peerAddr}/24`, 'dev', peerIf);
      await ip('-n', ns.host, 'link', 'set', hostIf, 'up');
      await ip('-n', peerNs, 'link', 'set', peerIf, 'up');
    };
    await link(`vi${process.pid}h`, `vi${process.pid}i`, ns.internet, ADDR.hostOnInternet, ADDR.internet);
    await link(`vl${process.pid}h`, `vl${process.pid}l`, ns.lan, ADDR.hostOnLan, ADDR.lan);
    await ip('-n', ns.host, 'route', 'add', 'default', 'via', ADDR.internet);
    await ip('-n', ns.host, 'addr', 'add', `${ADDR.hostExtra4}/32`, 'dev', 'lo');
    await ip('-n', ns.host, '-6', 'addr', 'add', `${ADDR.hostExtra6}/128`, 'dev', 'lo');

    const host = await startService(ns.host, 'host-secret', ADDR.internet);
    const internet = await startService(ns.internet, 'internet-ok');
    const lan = await startService(ns.lan, 'lan-ok');
    // The host's resolver is the host itself (as with a local caching resolver): slirp4netns'
    // forwarder at 10.0.2.3 sends the build's DNS queries there.
    const resolvConf = join(tmpDir, 'host-resolv.conf');
    await writeFile(resolvConf, `nameserver ${ADDR.hostOnInternet}\n`);

    return {
      hostNs: ns.host,
      host,
      internet,
      lan,
      async startWorker(env) {
        // Joins the host namespace's network only (`ip netns exec` would also mount a fresh
        // /sys, hiding the cgroup file systems runc needs), in a mount namespace of its own
        // where /etc/resolv.conf is the one above; mounts made there (the instances') stay there.
        const script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"';
        const child = spawn(
          'nsenter',
          [
            `--net=/run/netns/${ns.host}`, '--', 'unshare', '--mount', '--propagation', 'slave', '--',
            'sh', '-c', script, resolvConf, process.execPath, '--import', 'tsx', join(REPO_ROOT, 'src', 'main', 'cli.ts'), 'worker',
          ],
          { cwd: REPO_ROOT, env: kilnEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
        );
        children.push(child);
        const { out, err } = collect(child);
        await waitFor(child, out, err, 'Kiln worker(s) started', 'kiln worker');
        return { output: () => `${out()}${err()}`, stop: () => stop(child) };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
