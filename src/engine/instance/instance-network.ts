import { createNetns, deleteNetns, netnsPath } from './netns.js';
import { SLIRP, SlirpNetwork } from './slirp.js';

/**
 * An instance's network: a persistent network namespace (`kiln-<name>`) that every step joins,
 * with loopback up; for `user` networking also a slirp4netns process attached to it (tap0,
 * default route via 10.0.2.2, DNS at 10.0.2.3, host loopback unreachable).
 */
export class InstanceNetwork {
  private slirp: SlirpNetwork | undefined;
  private up = false;

  constructor(
    readonly nsName: string,
    readonly mode: 'none' | 'user',
  ) {}

  get nsPath(): string {
    return netnsPath(this.nsName);
  }

  /** Address of the instance as seen inside it (for /etc/hosts). */
  get address(): string {
    return this.mode === 'user' ? SLIRP.guestAddress : '127.0.1.1';
  }

  /** resolv.conf content for the instance. */
  get resolvConf(): string {
    return this.mode === 'user' ? `nameserver ${SLIRP.dns}\n` : '# no network\n';
  }

  /** Creates the namespace (and slirp4netns); on failure leaves nothing behind. */
  async start(): Promise<void> {
    await createNetns(this.nsName);
    this.up = true;
    if (this.mode === 'user') {
      try {
        this.slirp = await SlirpNetwork.start(this.nsPath);
      } catch (err) {
        await this.stop().catch(() => undefined);
        throw err;
      }
    }
  }

  /** Stops slirp4netns and deletes the namespace (idempotent). */
  async stop(): Promise<void> {
    const slirp = this.slirp;
    this.slirp = undefined;
    await slirp?.stop();
    if (this.up) {
      await deleteNetns(this.nsName);
      this.up = false;
    }
  }

  /** A fresh namespace and slirp4netns: sockets, routes and interface state of the old one are gone. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
