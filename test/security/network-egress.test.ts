import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';
import { build, logsContaining, waitNoLeftovers } from '../support/builds.js';
import { ADDR, createNetworkLab, PORT, type LabWorker, type NetworkLab } from './support/network-lab.js';

/*
 * Issue 8, item 6: networked builds reach the internet, never the host. A `kiln worker` runs
 * inside a "host" network namespace made by this test, with a service of its own on every
 * address (0.0.0.0 and ::, port PORT); the host reaches an "internet" namespace (203.0.113.2)
 * and a "lan" namespace in a private range (192.168.77.2). The API runs here, on PostgreSQL;
 * the worker reaches the same database over its Unix socket. Builds with
 * InternetMaxBandwidthOut > 0 call each address with wget; the services count what arrives.
 */

let tmp: string;
let lab: NetworkLab;
let db: FreshDatabase;
let kiln: TestKiln;
let workerUrl: string;
let worker: LabWorker | undefined;

/** The same database through the server's Unix socket (the worker's namespace has no route to 127.0.0.1 here). */
async function socketUrl(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const dirs = (await c.query<{ unix_socket_directories: string }>('SHOW unix_socket_directories')).rows[0]!.unix_socket_directories;
    const u = new URL(url);
    u.searchParams.set('host', dirs.split(',')[0]!.trim());
    return u.toString();
  } finally {
    await c.end();
  }
}

/** A shell line that calls `url` and prints `probe <label> reached` or `probe <label> refused`. */
function probe(label: string, url: string): string {
  return `(timeout 10 wget -q -O - ${url} && echo "probe ${label} reached") || echo "probe ${label} refused"`;
}

/**
 * Runs one networked build of `lines` (each a RUN, made unique so that no step comes from the
 * step cache) and returns its log and the probe outcomes.
 */
async function networkedBuild(lines: string[]): Promise<{ logs: string; outcome: Map<string, string> }> {
  const token = randomUUID();
  const { executionId, item } = await build(kiln.clients.v3, {
    internetMaxBandwidthOut: 10,
    buildContent: lines.map((l) => `RUN : ${token}; ${l}`).join('\n'),
  });
  assert.equal(item.status, 'SUCCESS', `${JSON.stringify(item)}\nworker output:\n${worker?.output()}`);
  const logs = await logsContaining(kiln.app.store, executionId, 'probes done');
  await waitNoLeftovers(kiln.config.dataDir, executionId); // the namespace, and with it the filter, is gone
  return { logs, outcome: new Map([...logs.matchAll(/^probe (\S+) (reached|refused)$/gm)].map((m) => [m[1]!, m[2]!])) };
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kiln-egress-'));
  lab = await createNetworkLab(tmp);
  db = await freshDatabase('kiln_egress');
  kiln = await startKiln({ KILN_DATABASE_URL: db.url, KILN_WORKERS: '0' });
  workerUrl = await socketUrl(db.url);
});
after(async () => {
  await kiln?.stop();
  await db?.drop();
  await lab?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a networked build (worker in a "host" namespace, default settings)', () => {
  before(async () => {
    worker = await lab.startWorker({ KILN_DATA_DIR: kiln.config.dataDir, KILN_DATABASE_URL: workerUrl, KILN_WORKERS: '1' });
  });
  after(async () => {
    await worker?.stop();
    worker = undefined;
  });

  test('reaches the internet service, by address and by a name resolved through slirp4netns\' DNS forwarder', async () => {
    const before = lab.internet.hits();
    const { logs, outcome } = await networkedBuild([
      probe('internet', `http://${ADDR.internet}:${PORT}/`),
      'nslookup internet.test 10.0.2.3',
      probe('internet-by-name', `http://internet.test:${PORT}/`),
      'echo probes done',
    ]);
    assert.equal(outcome.get('internet'), 'reached', logs);
    assert.equal(outcome.get('internet-by-name'), 'reached', logs);
    assert.match(logs, /^internet-ok$/m);
    assert.match(logs, new RegExp(`^Address: ${ADDR.internet.replaceAll('.', '\\.')}$`, 'm'));
    assert.equal(lab.internet.hits(), before + 2);
  });

  test('reaches no address of the host: loopback, the slirp gateway and forwarder, every interface address (IPv4 and IPv6)', async () => {
    const hostHits = lab.host.hits();
    const internetHits = lab.internet.hits();
    const targets: Array<[string, string]> = [
      ['loopback', `http://127.0.0.1:${PORT}/`],
      ['gateway', `http://10.0.2.2:${PORT}/`],
      ['dns-forwarder-other-port', `http://10.0.2.3:${PORT}/`],
      ['zero', `http://0.0.0.0:${PORT}/`],
      ['host-internet-address', `http://${ADDR.hostOnInternet}:${PORT}/`],
      ['host-lan-address', `http://${ADDR.hostOnLan}:${PORT}/`],
      ['host-other-address', `http://${ADDR.hostExtra4}:${PORT}/`],
      ['host-ipv6-address', `http://[${ADDR.hostExtra6}]:${PORT}/`],
    ];
    const { logs, outcome } = await networkedBuild([
      ...targets.map(([label, url]) => probe(label, url)),
      probe('internet', `http://${ADDR.internet}:${PORT}/`), // the network itself works
      'echo probes done',
    ]);
    assert.equal(outcome.get('internet'), 'reached', logs);
    assert.equal(lab.internet.hits(), internetHits + 1);
    for (const [label] of targets) assert.equal(outcome.get(label), 'refused', `${label}:\n${logs}`);
    assert.doesNotMatch(logs, /host-secret/);
    assert.equal(lab.host.hits(), hostHits, 'the host service got no request');
  });

  test('a private range (another namespace at 192.168.77.2) is unreachable', async () => {
    const before = lab.lan.hits();
    const { logs, outcome } = await networkedBuild([probe('lan', `http://${ADDR.lan}:${PORT}/`), 'echo probes done']);
    assert.equal(outcome.get('lan'), 'refused', logs);
    assert.equal(lab.lan.hits(), before);
  });

  test('frames written straight to the device (a packet socket: DHCP to 255.255.255.255) meet the same rules', async () => {
    // udhcpc sends its DHCPDISCOVER through a packet socket, past the IP stack's hooks; slirp4netns
    // would answer it (its built-in DHCP server) if the frame reached it. 255.255.255.255 is denied.
    const { logs } = await networkedBuild([
      '(udhcpc -i tap0 -n -q -t 2 -T 1 -s /bin/true && echo "dhcp lease") || echo "no dhcp lease"',
      'echo probes done',
    ]);
    assert.match(logs, /^no dhcp lease$/m, logs);
  });
});

describe(`a networked build with KILN_NETWORK_ALLOW=${ADDR.lanRange}`, () => {
  before(async () => {
    worker = await lab.startWorker({
      KILN_DATA_DIR: kiln.config.dataDir, KILN_DATABASE_URL: workerUrl, KILN_WORKERS: '1', KILN_NETWORK_ALLOW: ADDR.lanRange,
    });
  });
  after(async () => {
    await worker?.stop();
    worker = undefined;
  });

  test("reaches the allowed private range, but still not the host's own address in it", async () => {
    const lanHits = lab.lan.hits();
    const hostHits = lab.host.hits();
    const { logs, outcome } = await networkedBuild([
      probe('lan', `http://${ADDR.lan}:${PORT}/`),
      probe('host-lan-address', `http://${ADDR.hostOnLan}:${PORT}/`),
      'echo probes done',
    ]);
    assert.equal(outcome.get('lan'), 'reached', logs);
    assert.match(logs, /^lan-ok$/m);
    assert.equal(lab.lan.hits(), lanHits + 1);
    assert.equal(outcome.get('host-lan-address'), 'refused', logs);
    assert.equal(lab.host.hits(), hostHits);
  });
});
