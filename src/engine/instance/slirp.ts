import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { systemEnv } from '../system/run-command.js';

/** The addresses slirp4netns gives the namespace with `--configure`. */
export const SLIRP = {
  device: 'tap0',
  guestAddress: '10.0.2.100',
  gateway: '10.0.2.2',
  dns: '10.0.2.3',
} as const;

/**
 * A slirp4netns process giving a network namespace user-mode networking: a `tap0` interface,
 * a default route and a DNS forwarder, all handled by one unprivileged process on the host.
 * `--disable-host-loopback` makes the gateway refuse connections to the host's 127.0.0.0/8;
 * every other connection becomes a socket of the engine's network namespace, so what an instance
 * may reach (not the host's other addresses, not private ranges) is decided by the egress filter
 * in its namespace (`egress-filter.ts`). The process is tied to ours by `--exit-fd`: if the
 * engine dies, slirp4netns exits too.
 *
 * slirp4netns runs as the engine's user (root) in the host's network namespace and parses every
 * packet a build sends, so it is confined: `--enable-sandbox` puts it, once it has opened the
 * namespace's tap device, in a mount namespace of its own whose root is an empty tmpfs holding
 * only /etc and /run read-only (what its DNS forwarder reads: resolv.conf), with every capability
 * dropped but CAP_NET_BIND_SERVICE; `--enable-seccomp` adds its own seccomp filter (no module
 * loading, no ptrace, no mount, no namespaces). Both need slirp4netns 1.0 or later (1.2.0 here).
 * It starts in a mount namespace of its own with every mount private (`unshare --mount
 * --propagation private`, which execs it: same pid): its sandbox makes only / private before it
 * detaches the old root, and /run/netns is a shared mount (`ip netns` makes it so), so without
 * this the detach would propagate and unmount every `ip netns` namespace on the host.
 */
export class SlirpNetwork {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts slirp4netns on the namespace at `nsPath` and waits until it has configured `tap0`. */
  static async start(nsPath: string, timeoutMs = 10_000): Promise<SlirpNetwork> {
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'slirp4netns', '--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--ready-fd=3', '--exit-fd=4', '--netns-type=path', nsPath, SLIRP.device],
      { env: systemEnv(), stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const slirp = new SlirpNetwork(child);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    const ready = child.stdio[3] as Readable;
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`slirp4netns exited (${code}) before it was ready: ${stderr.trim()}`);
    });
    const spawnFailed = once(child, 'error').then(([err]) => {
      throw err as Error;
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`slirp4netns not ready after ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    });
    try {
      await Promise.race([once(ready, 'data'), exited, spawnFailed, timedOut]);
    } catch (err) {
      await slirp.stop();
      throw err;
    } finally {
      clearTimeout(timer);
      exited.catch(() => undefined);
      spawnFailed.catch(() => undefined);
    }
    return slirp;
  }

  /** Ends the process (closing its exit fd, then SIGTERM, then SIGKILL) and waits for it. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    (child.stdio[4] as Writable | null)?.destroy();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    try {
      await gone;
    } finally {
      clearTimeout(timer);
    }
  }
}
