import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { createTargetNamespace, type TargetNamespace } from '../support/namespaces.js';
import { createComponent } from '../support/ecs-requests.js';
import { assertNoLeftovers, build, logsContaining, uniqueName } from '../support/builds.js';

/*
 * InternetMaxBandwidthOut=0 gives the instance no network: a RUN that calls a server fails at
 * its line and the server sees nothing; the instance's only interface is `lo`. With bandwidth,
 * the same call gets through. The server runs in a network namespace made by the test, linked
 * to this machine's by a veth pair on a private /30 that this Kiln allow-lists
 * (KILN_NETWORK_ALLOW): builds reach no private range by default, and never the host itself
 * (test/security/network-egress.test.ts).
 * (No `wget -T`: busybox 1.35's wget crashes with SIGSEGV whenever -T is given, which would
 * make a "refused" call fail for the wrong reason.)
 */

const PORT = 8078;
let kiln: TestKiln;
let target: TargetNamespace;

/** The server's URL for `path`. */
function serverUrl(path = '/'): string {
  return `http://${target.address}:${PORT}${path}`;
}

before(async () => {
  target = await createTargetNamespace('reached-the-server', PORT);
  kiln = await startKiln({ KILN_WORKERS: '1', KILN_NETWORK_ALLOW: target.range });
});
after(async () => {
  await kiln?.stop();
  await target?.close();
});

describe('network', () => {
  test('InternetMaxBandwidthOut=0: a call to the server fails at its line, and the server saw no request', async () => {
    const url = serverUrl();
    const before = target.service.hits();
    const { executionId, item } = await build(kiln.clients.v3, {
      internetMaxBandwidthOut: 0,
      buildContent: `RUN echo offline-build\nRUN wget -q -O - ${url}`,
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'BuildCommandFailed');
    assert.match(item.errorInfo ?? '', /^line 2: .*exited with code 1\./);
    assert.equal(target.service.hits(), before, 'the server got no request');
    const logs = await logsContaining(kiln.app.store, executionId, /Network is unreachable/);
    assert.ok(logs.includes(`--> line 2: RUN wget -q -O - ${url}`));
    assert.ok(!logs.includes('reached-the-server'));
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

  test('with InternetMaxBandwidthOut > 0 the same call reaches the (allow-listed) server (the refusal above is the missing network)', async () => {
    const url = serverUrl();
    const before = target.service.hits();
    const { executionId, item } = await build(kiln.clients.v3, { internetMaxBandwidthOut: 10, buildContent: `RUN wget -q -O - ${url}` });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.equal(target.service.hits(), before + 1);
    await logsContaining(kiln.app.store, executionId, 'reached-the-server');
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('with network, WebDownload (with its timeout) and COPY of a URL fetch from the server into the image', async () => {
    const base = `http://${target.address}:${PORT}`;
    const before = target.service.hits();
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
    assert.equal(target.service.hits(), before + 2);
    // fetches always run, and count as run steps
    assert.match(item.message ?? '', /Steps: 2 step\(s\) run, 0 from the step cache\./);
    const logs = await logsContaining(kiln.app.store, executionId, /reached-the-server\s+reached-the-server/);
    assert.match(logs, /--> line 1 > component .* task fetch \(line 2\): WebDownload /);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
