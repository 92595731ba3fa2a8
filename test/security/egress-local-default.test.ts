import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/child.js';

/*
 * Issue 8, item 6 (follow-up): a host whose routing tables hold a `local default` route (a
 * transparent proxy: `ip route add local default dev lo table 100`) made reading the host's
 * addresses throw, so every networked build failed there. The routes are read in a network
 * namespace this test makes with such a route, by a child process that runs the engine's own
 * code there: the egress policy is built, the whole IPv4 space counts as the host (fail closed:
 * only DNS to slirp4netns' forwarder passes), and the ruleset loads into nftables.
 */

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args);
const NS = `kiln-sec-tproxy-${randomBytes(3).toString('hex')}`;

/** Runs `script` (an ES module body) with tsx inside the test's namespace; resolves its stdout. */
async function inNamespace(script: string): Promise<{ stdout: string; stderr: string }> {
  return run('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT });
}

const POLICY = `
import { currentEgressPolicy, egressRuleset } from './src/engine/instance/egress-filter.ts';
import { mergeRanges } from './src/engine/instance/address-ranges.ts';
const policy = await currentEgressPolicy([]);
const v4 = mergeRanges(policy.host, 4).map((r) => [r.first.toString(), r.last.toString()]);
console.log(JSON.stringify({ v4, ruleset: egressRuleset(policy, 'lo') }));
`;

before(async () => {
  await ip('netns', 'add', NS);
  await ip('-n', NS, 'link', 'set', 'lo', 'up');
  await ip('-n', NS, 'route', 'add', 'local', 'default', 'dev', 'lo', 'table', '100');
  await ip('-n', NS, 'rule', 'add', 'fwmark', '1', 'lookup', '100');
});
after(async () => {
  await ip('netns', 'delete', NS).catch(() => undefined);
});

describe('security: a local default route on the host', () => {
  test('the egress policy is built and fails closed: every IPv4 address is the host, only DNS passes', async () => {
    const { stdout, stderr } = await inNamespace(POLICY);
    const { v4, ruleset } = JSON.parse(stdout) as { v4: string[][]; ruleset: string };
    assert.deepEqual(v4, [['0', String(2 ** 32 - 1)]], 'the whole IPv4 space is refused as the host');
    assert.match(stderr, /local route to "default" in table 100: every IPv4 address may be the host's/, 'the log says why');
    // DNS to the forwarder is accepted before the host is refused.
    const lines = ruleset.split('\n');
    const dns = lines.findIndex((l) => l.includes('ip daddr 10.0.2.3') && l.includes('dport 53 accept'));
    const host = lines.findIndex((l) => l.includes('ip daddr @host_v4 reject'));
    assert.ok(dns >= 0 && dns < host, ruleset);
    // nftables takes it (checked, not loaded).
    const check = run('ip', ['netns', 'exec', NS, 'nft', '-c', '-f', '-']);
    check.child.stdin!.end(ruleset);
    await check;
  });
});
