import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kilnEnv, REPO_ROOT } from '../../support/child.js';
import { ip, startNamespaceService, stopChild, waitForOutput, type NamespaceService } from '../../support/namespaces.js';

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

export interface NetworkLab {
  hostNs: string;
  host: NamespaceService;
  internet: NamespaceService;
  lan: NamespaceService;
  /** Starts `kiln worker` inside the host namespace; resolves once its workers started. */
  startWorker(env: Record<string, string>): Promise<LabWorker>;
  /** Stops every process and deletes the namespaces (and with them the links). */
  close(): Promise<void>;
}

/** Builds the namespaces, links and services; `tmpDir` holds the host namespace's resolv.conf. */
export async function createNetworkLab(tmpDir: string): Promise<NetworkLab> {
  const tag = `kt${process.pid}`;
  const ns = { host: `${tag}-host`, internet: `${tag}-internet`, lan: `${tag}-lan` };

  const services: NamespaceService[] = [];
  const startService = async (nsName: string, reply: string, dnsAnswer?: string): Promise<NamespaceService> => {
    const service = await startNamespaceService(nsName, reply, PORT, dnsAnswer);
    services.push(service);
    return service;
  };
  const workers: ChildProcess[] = [];

  const close = async () => {
    for (const w of workers) await stopChild(w);
    for (const service of services) await service.stop();
    for (const n of Object.values(ns)) await ip('netns', 'delete', n).catch(() => undefined);
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
        workers.push(child);
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
        await waitForOutput(child, () => out, 'Kiln worker(s) started', 'kiln worker');
        return { output: () => out, stop: () => stopChild(child) };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
