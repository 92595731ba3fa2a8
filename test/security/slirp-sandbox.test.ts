import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createNetns, deleteNetns, netnsPath } from '../../src/engine/instance/netns.js';
import { SlirpNetwork } from '../../src/engine/instance/slirp.js';

/*
 * Issue 8, item 6: slirp4netns runs as the engine's user (root) in the host's network namespace
 * and parses all of a build's traffic. It must run confined: in a mount namespace of its own
 * whose root holds nothing of the host but /etc and /run, with no capability but
 * CAP_NET_BIND_SERVICE, under a seccomp filter. Checked on a real slirp4netns attached to a
 * namespace this test makes; the build traffic through it (DNS forwarder, egress filter) is
 * test/security/network-egress.test.ts and test/e2e/network.test.ts.
 */

const run = promisify(execFile);
const NS = `kiln-sec-slirp-${randomBytes(3).toString('hex')}`;
let slirp: SlirpNetwork | undefined;

after(async () => {
  await slirp?.stop();
  await deleteNetns(NS).catch(() => undefined);
});

function status(pid: number): Map<string, string> {
  return new Map(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
  }));
}

describe('security: slirp4netns is sandboxed', () => {
  test('its own mount namespace with an empty root but /etc and /run, CAP_NET_BIND_SERVICE only, seccomp on', async () => {
    await createNetns(NS);
    slirp = await SlirpNetwork.start(netnsPath(NS));
    const pid = slirp.pid!;
    const s = status(pid);
    assert.equal(s.get('Seccomp'), '2', 'a seccomp filter');
    assert.equal(BigInt(`0x${s.get('CapEff')}`), 1n << 10n, `CapEff ${s.get('CapEff')}: only CAP_NET_BIND_SERVICE`);
    assert.equal(BigInt(`0x${s.get('CapBnd')}`) & ~(1n << 10n), 0n, 'and none to regain');
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/mnt`), readlinkSync('/proc/self/ns/mnt'), 'a mount namespace of its own');
    const root = readdirSync(`/proc/${pid}/root`).sort();
    assert.ok(!root.includes('home') && !root.includes('work') && !root.includes('var') && !root.includes('usr'), `its root holds ${root.join(', ')}`);
    assert.ok(root.includes('etc'), 'its DNS forwarder reads /etc/resolv.conf');
    // The sandbox left the host's mounts alone: the namespace (and every other `ip netns` one) is still there.
    await run('ip', ['netns', 'exec', NS, 'ip', 'link', 'show', 'tap0']);
    assert.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` /run/netns/${NS} `), 'the namespace is still mounted on the host');
  });
});
