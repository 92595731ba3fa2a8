import { runCommand } from '../system/run-command.js';

/** Where `ip netns` keeps a named network namespace. */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/**
 * What a namespace owned by the host's user namespace must allow for a build whose root lives
 * in a user namespace of its own: that root's capabilities do not count in the host's network
 * namespace, so without these a web server of the image could not bind port 80 and `ping`
 * could not open its socket, as they can on a VM. Both are per-namespace settings; the host's
 * stay as they are.
 * - every port can be bound (`ip_unprivileged_port_start`);
 * - every group may open ICMP echo sockets (`ping_group_range`, in host ids: an instance's ids
 *   are 2^31 and above). No raw socket is allowed by this.
 */
const NAMESPACE_SETUP = [
  'ip link set lo up',
  'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start',
  "echo '0 4294967294' > /proc/sys/net/ipv4/ping_group_range",
].join(' && ');

/**
 * Creates a persistent network namespace (`ip netns add`) with only the loopback interface,
 * up, and the settings above. Every step container of an instance joins it, so its network
 * outlives single steps.
 */
export async function createNetns(name: string): Promise<string> {
  await runCommand('ip', ['netns', 'add', name]);
  try {
    // nsenter, not `ip netns exec`: the latter also remounts /sys, which nothing here needs
    await runCommand('nsenter', [`--net=${netnsPath(name)}`, 'sh', '-c', NAMESPACE_SETUP]);
  } catch (err) {
    await deleteNetns(name).catch(() => undefined);
    throw err;
  }
  return netnsPath(name);
}

/** Deletes the namespace; a missing one is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  const r = await runCommand('ip', ['netns', 'delete', name], { allowFailure: true });
  if (r.code !== 0 && !/No such file|not found|Cannot remove/.test(r.stderr)) {
    throw new Error(`ip netns delete ${name}: ${r.stderr.trim()}`);
  }
}
