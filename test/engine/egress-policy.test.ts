import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { addressValue, inRanges, mergeRanges, parseRange, parseRangeList } from '../../src/engine/instance/address-ranges.js';
import { currentEgressPolicy, egressRuleset, hostAddressRanges, localRouteRanges } from '../../src/engine/instance/egress-filter.js';

/*
 * The parts of the egress filter that need no namespace: address ranges, what counts as the
 * host, the ruleset, and the KILN_NETWORK_ALLOW setting. The filter at work is in
 * test/security/network-egress.test.ts.
 */

describe('address ranges', () => {
  test('CIDR blocks and single addresses, IPv4 and IPv6 (with embedded IPv4 and zones)', () => {
    assert.deepEqual(parseRange('10.0.0.0/8'), { family: 4, first: 0x0a000000n, last: 0x0affffffn });
    assert.deepEqual(parseRange('203.0.113.7'), { family: 4, first: 0xcb007107n, last: 0xcb007107n });
    assert.deepEqual(parseRange('fe80::/10'), { family: 6, first: 0xfe80n << 112n, last: (0xfec0n << 112n) - 1n });
    assert.equal(addressValue('::ffff:127.0.0.1').value, 0xffff7f000001n);
    assert.equal(addressValue('fe80::1%eth0').value, (0xfe80n << 112n) + 1n);
    assert.equal(addressValue('::').value, 0n);
  });

  test('a block with bits past its prefix, a bad prefix or no address is refused', () => {
    assert.throws(() => parseRange('10.1.2.3/8'), /bits set past its \/8 prefix/);
    assert.throws(() => parseRange('10.0.0.0/33'), /prefix length must be 0 to 32/);
    assert.throws(() => parseRange('fc00::/129'), /prefix length must be 0 to 128/);
    assert.throws(() => parseRange('300.1.1.0/24'), /not an address or CIDR block/);
    assert.throws(() => parseRange('example.com/24'), /not an address or CIDR block/);
    assert.deepEqual(parseRange('10.1.2.3/8', false), parseRange('10.0.0.0/8'), 'routes are widened, not refused');
  });

  test('overlapping and adjacent ranges merge', () => {
    const merged = mergeRanges(parseRangeList('127.0.0.0/8, 127.0.0.1, 10.0.0.0/9 10.128.0.0/9, fc00::/7'), 4);
    assert.deepEqual(merged, [parseRange('10.0.0.0/8'), parseRange('127.0.0.0/8')]);
  });
});

describe('the egress policy', () => {
  test("the host's ranges hold every address of this machine, loopback and the slirp network", async () => {
    const host = (await currentEgressPolicy([])).host;
    const mine = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
    assert.ok(mine.length > 1);
    for (const address of [...mine, '127.0.0.1', '127.8.9.10', '0.0.0.0', '10.0.2.2', '10.0.2.3', '::1', '::ffff:10.9.8.7']) {
      assert.ok(inRanges(address, host), `${address} is the host's`);
    }
    assert.ok(!inRanges('203.0.113.2', host));
    assert.ok((await hostAddressRanges()).length >= mine.length, 'read from the routing tables');
  });

  test('the ruleset: DNS to the forwarder first, then the host, the allow-list, the private ranges; the frame chain says the same', async () => {
    const policy = await currentEgressPolicy(parseRangeList('192.168.77.0/24,fd12::/16'));
    const rules = egressRuleset(policy, 'tap0');
    const output = rules.slice(rules.indexOf('chain output'), rules.indexOf('table netdev'));
    const order = ['oif lo accept', 'th dport 53 accept', '@host_v4', '@allowed_v4 accept', '@private_v4'].map((r) => output.indexOf(r));
    assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)), output);
    assert.match(rules, /set allowed_v4 \{ type ipv4_addr; flags interval; elements = \{ 192\.168\.77\.0-192\.168\.77\.255 \} \}/);
    assert.match(rules, /set allowed_v6 \{ type ipv6_addr; flags interval; elements = \{ fd12:0:0:0:0:0:0:0-fd12:ffff:ffff:ffff:ffff:ffff:ffff:ffff \} \}/);
    assert.match(rules, /set allowed_v4 \{ typeof @ll,240,32; flags interval; elements = \{ 3232255232-3232255487 \} \}/);
    assert.match(rules, /type filter hook egress device "tap0" priority filter; policy drop;/);
    assert.throws(() => egressRuleset(policy, 'tap0"; flush ruleset'), /bad device name/);
  });
});

describe('KILN_NETWORK_ALLOW', () => {
  const base = { KILN_DATA_DIR: '/tmp/kiln-config-test' };
  test('default: nothing allowed', () => {
    assert.deepEqual(loadConfig(base).networkAllow, []);
  });
  test('a comma-separated list of CIDR blocks', () => {
    assert.deepEqual(loadConfig({ ...base, KILN_NETWORK_ALLOW: '10.1.0.0/16, 192.168.5.0/24,fd00:1::/32' }).networkAllow, ['10.1.0.0/16', '192.168.5.0/24', 'fd00:1::/32']);
  });
  test('a bad block stops the start with a clear message', () => {
    assert.throws(() => loadConfig({ ...base, KILN_NETWORK_ALLOW: '10.1.0.0/16,10.2.3.4/8' }), /KILN_NETWORK_ALLOW: "10\.2\.3\.4\/8" has bits set past its \/8 prefix/);
    assert.throws(() => loadConfig({ ...base, KILN_NETWORK_ALLOW: 'intranet' }), /KILN_NETWORK_ALLOW: "intranet" is not an address or CIDR block/);
  });
});

describe('local routes that name no prefix', () => {
  test('`default` and an unreadable destination count as the whole family (fail closed), with a warning; other routes as they are', () => {
    const warnings: string[] = [];
    const v4 = localRouteRanges([
      { type: 'local', dst: '10.8.0.0/16', table: 'local' },
      { type: 'unicast', dst: 'default' },
      { type: 'local', dst: 'default', table: '100' },
    ], 4, (m) => warnings.push(m));
    assert.deepEqual(v4, [parseRange('10.8.0.0/16'), parseRange('0.0.0.0/0')]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /local route to "default" in table 100: every IPv4 address may be the host's, so networked builds reach only DNS/);
    const v6 = localRouteRanges([{ type: 'anycast', dst: 'fe80::zz/64' }, { type: 'local', dst: '10.0.0.1' }], 6, (m) => warnings.push(m));
    assert.deepEqual(v6, [parseRange('::/0'), parseRange('::/0')]);
    assert.match(warnings[1]!, /cannot read the host's anycast route to "fe80::zz\/64"/);
    assert.match(warnings[2]!, /not an IPv6 destination/);
    // the ruleset refuses everything but DNS to the forwarder
    const rules = egressRuleset({ host: [...v4, ...v6], allowed: [], private: [] }, 'tap0');
    assert.match(rules, /set host_v4 \{ type ipv4_addr; flags interval; elements = \{ 0\.0\.0\.0-255\.255\.255\.255 \} \}/);
  });
});
