import { runCommand } from '../system/run-command.js';

/** Where `ip netns` keeps a named network namespace. */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

/**
 * Creates a persistent network namespace (`ip netns add`) with only the loopback interface,
 * up. Every step container of an instance joins it, so its network outlives single steps.
 */
export async function createNetns(name: string): Promise<string> {
  await runCommand('ip', ['netns', 'add', name]);
  try {
    await runCommand('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
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
