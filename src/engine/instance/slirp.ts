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
 */
export class SlirpNetwork {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts slirp4netns on the namespace at `nsPath` and waits until it has configured `tap0`. */
  static async start(nsPath: string, timeoutMs = 10_000): Promise<SlirpNetwork> {
    const child = spawn(
      'slirp4netns',
      ['--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=3', '--exit-fd=4', '--netns-type=path', nsPath, SLIRP.device],
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
