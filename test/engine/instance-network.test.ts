import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Instance } from '../../src/engine/instance/instance.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';

const run = promisify(execFile);

describe("the 'user' network (slirp4netns)", () => {
  let fx: EngineFixture;
  let instance: Instance | undefined;
  let server: Server;
  let port: number;
  let hits = 0;

  before(async () => {
    fx = await engineFixture('net');
    server = createServer((_req, res) => {
      hits++;
      res.end('host loopback secret\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await instance?.destroy();
    instance = undefined;
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    server.close();
    await fx.close();
  });

  test('has an interface, a default route and a resolver', async () => {
    instance = await fx.driver.create(fx.spec({ network: 'user' }));
    const r = await sh(instance, 'ip -4 addr show tap0; ip route; cat /etc/resolv.conf');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /inet 10\.0\.2\.100\/24/);
    assert.match(r.stdout, /default via 10\.0\.2\.2 dev tap0/);
    assert.match(r.stdout, /nameserver 10\.0\.2\.3/);
  });

  test("cannot reach the host's loopback services, through the gateway or otherwise", async () => {
    instance = await fx.driver.create(fx.spec({ network: 'user' }));
    const r = await sh(
      instance,
      [
        `timeout 5 wget -q -O- http://10.0.2.2:${port}/ || echo gateway-refused`,
        `timeout 5 wget -q -O- http://127.0.0.1:${port}/ || echo loopback-refused`,
      ].join('; '),
    );
    assert.equal(r.stdout, 'gateway-refused\nloopback-refused\n');
    assert.equal(hits, 0);
  });

  test('the egress filter is in the namespace before the first step, and again after a restart', async () => {
    const spec = fx.spec({ network: 'user' });
    instance = await fx.driver.create(spec);
    const tables = async () => (await run('ip', ['netns', 'exec', `kiln-${spec.name}`, 'nft', 'list', 'tables'])).stdout;
    assert.equal(await tables(), 'table inet kiln_egress\ntable netdev kiln_egress_frames\n');
    const r = await sh(instance, `timeout 5 wget -q -O- http://10.0.2.3:${port}/ || echo forwarder-refused`);
    assert.match(r.stderr, /No route to host/, 'refused by the filter, at once');
    assert.equal(r.stdout, 'forwarder-refused\n');
    await instance.restart();
    assert.equal(await tables(), 'table inet kiln_egress\ntable netdev kiln_egress_frames\n');
  });

  test('restart brings the network back fresh', async () => {
    instance = await fx.driver.create(fx.spec({ network: 'user' }));
    const slirpOf = async () => (await fx.driver.leftovers(fx.prefix)).filter((l) => l.startsWith('slirp4netns process'));
    const before = await slirpOf();
    assert.equal(before.length, 1);
    await instance.restart();
    const after = await slirpOf();
    assert.equal(after.length, 1, 'the old slirp4netns is gone');
    assert.notDeepEqual(after, before, 'a new slirp4netns');
    const r = await sh(instance, 'ip -4 addr show tap0 | grep -c 10.0.2.100; ip route | grep -c "^default"');
    assert.equal(r.stdout, '1\n1\n');
  });
});
