import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { createComponent } from '../conformance/ops-support.js';
import { assertNoLeftovers, build, logsContaining, uniqueName } from './support.js';

/*
 * InternetMaxBandwidthOut=0 gives the instance no network: a RUN that calls a server on one
 * of this machine's own (non-loopback) addresses fails at its line and the server sees nothing;
 * the instance's only interface is `lo`. With bandwidth, the same call gets through.
 * (No `wget -T`: busybox 1.35's wget crashes with SIGSEGV whenever -T is given, which would
 * make a "refused" call fail for the wrong reason.)
 */

let kiln: TestKiln;
let server: Server;
let port: number;
let hits = 0;

/** An IPv4 address of this machine that is not loopback. */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address');
}

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
  server = createServer((_req, res) => {
    hits++;
    res.end('reached-the-host\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  await kiln?.stop();
});

describe('network', () => {
  test('InternetMaxBandwidthOut=0: a call to a host address fails at its line, and the server saw no request', async () => {
    const url = `http://${hostAddress()}:${port}/`;
    const before = hits;
    const { executionId, item } = await build(kiln.clients.v3, {
      internetMaxBandwidthOut: 0,
      buildContent: `RUN echo offline-build\nRUN wget -q -O - ${url}`,
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'BuildCommandFailed');
    assert.match(item.errorInfo ?? '', /^line 2: .*exited with code 1\./);
    assert.equal(hits, before, 'the server got no request');
    const logs = await logsContaining(kiln.app.store, executionId, /Network is unreachable/);
    assert.ok(logs.includes(`--> line 2: RUN wget -q -O - ${url}`));
    assert.ok(!logs.includes('reached-the-host'));
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('InternetMaxBandwidthOut=0: the instance has only the loopback interface', async () => {
    const { executionId, item } = await build(kiln.clients.v3, { internetMaxBandwidthOut: 0, buildContent: 'RUN cat /proc/net/dev' });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const logs = await logsContaining(kiln.app.store, executionId, 'Inter-|');
    const interfaces = [...logs.matchAll(/^\s*([A-Za-z0-9@._-]+):\s+\d+\s+\d+\s+\d+\s+\d+/gm)].map((m) => m[1]);
    assert.deepEqual(interfaces, ['lo'], logs);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('with InternetMaxBandwidthOut > 0 the same call reaches the server (the refusal above is the missing network)', async () => {
    const url = `http://${hostAddress()}:${port}/`;
    const before = hits;
    const { executionId, item } = await build(kiln.clients.v3, { internetMaxBandwidthOut: 10, buildContent: `RUN wget -q -O - ${url}` });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.equal(hits, before + 1);
    await logsContaining(kiln.app.store, executionId, 'reached-the-host');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('with network, WebDownload (with its timeout) and COPY of a URL fetch from the server into the image', async () => {
    const base = `http://${hostAddress()}:${port}`;
    const before = hits;
    const componentId = await createComponent(kiln.clients.v3, {
      name: uniqueName('fetch'),
      content: [
        'Tasks:',
        '  - Name: fetch',
        '    Action: WebDownload',
        '    Properties:',
        `      sourcePath: ${base}/downloaded.txt`,
        '      destinationDir: /opt/dl',
        '      timeout: 30',
      ].join('\n'),
    });
    const { executionId, item } = await build(kiln.clients.v3, {
      internetMaxBandwidthOut: 5,
      buildContent: `COMPONENT ${componentId}\nCOPY ${base}/copied.txt /opt/copy`,
      testContent: 'RUN cat /opt/dl/downloaded.txt /opt/copy/copied.txt',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.equal(hits, before + 2);
    // fetches always run, and count as run steps
    assert.match(item.message ?? '', /Steps: 2 step\(s\) run, 0 from the step cache\./);
    const logs = await logsContaining(kiln.app.store, executionId, /reached-the-host\s+reached-the-host/);
    assert.match(logs, /--> line 1 > component .* task fetch \(line 2\): WebDownload /);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
