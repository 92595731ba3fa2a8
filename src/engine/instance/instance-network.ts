import type { AddressRange } from './address-ranges.js';
import { installEgressFilter } from './egress-filter.js';
import { createNetns, deleteNetns, netnsPath } from './netns.js';
import { SLIRP, SlirpNetwork } from './slirp.js';

/**
 * An instance's network: a persistent network namespace (`kiln-<name>`) that every step joins,
 * with loopback up; for `user` networking also a slirp4netns process attached to it (tap0,
 * default route via 10.0.2.2, DNS at 10.0.2.3) and the egress filter in the namespace (see
 * `egress-filter.ts`): the internet is reachable, the host and private ranges (except `allowed`)
 * are not. The filter is loaded before `start` returns, so before any step runs.
 */
export class InstanceNetwork {
  private slirp: SlirpNetwork | undefined;
  private up = false;

  constructor(
    readonly nsName: string,
    readonly mode: 'none' | 'user',
    /** Private ranges the build may reach (`KILN_NETWORK_ALLOW`); never opens the host's own addresses. */
    private readonly allowed: readonly AddressRange[] = [],
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

  /** Creates the namespace (and slirp4netns and the egress filter); on failure leaves nothing behind. */
  async start(): Promise<void> {
    await createNetns(this.nsName);
    this.up = true;
    if (this.mode === 'user') {
      try {
        this.slirp = await SlirpNetwork.start(this.nsPath);
        await installEgressFilter(this.nsName, SLIRP.device, this.allowed);
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

  /**
   * A fresh namespace, slirp4netns and egress filter (with the host's addresses read again):
   * sockets, routes and interface state of the old one are gone.
   */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
