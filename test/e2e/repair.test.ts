import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { assertNoLeftovers, build, logsContaining, uniqueName } from '../support/builds.js';
import { repairResults } from './support/repair-results.js';

/*
 * RepairMode=Standard on busybox, end to end through the official SDK: REPAIRING runs the
 * Linux check items on the intermediate instance, logs one result line per item, puts a
 * summary in the Message, keeps its repairs as a layer of the image, and never fails the build
 * for an item it could not repair.
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

const ALL = ['GUESTOS.CloudInit', 'GUESTOS.Dhcp', 'GUESTOS.Virtio', 'GUESTOS.OnlineResizeFS', 'GUESTOS.Grub', 'GUESTOS.Fstab'];

describe('RepairMode through the SDK', () => {
  test('RepairMode=Standard without RepairItem: REPAIRING checks all six Linux items, then SUCCESS', async (t) => {
    const prefix = uniqueName('repair-all');
    const { executionId, item, seen } = await build(kiln.clients.v3, {
      name: prefix, imageName: prefix, repairMode: 'Standard',
      buildContent: 'RUN echo built-after-repair',
      testContent: 'RUN grep -q "iface eth0 inet dhcp" /etc/network/interfaces && echo repair-layer-in-image',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.match(item.message ?? '', /was created\. Repair: .*\d+ REPAIRED/);
    assert.ok(!seen.includes('FAILED'), seen.join(' → '));

    const logs = await logsContaining(kiln.app.store, executionId, 'repair-layer-in-image');
    const stages = [...logs.matchAll(/^\[([A-Z]+)\]/gm)].map((m) => m[1]);
    assert.deepEqual(stages.filter((s, i) => s !== stages[i - 1]), ['PREPARING', 'REPAIRING', 'BUILDING', 'TESTING', 'RELEASING']);
    const results = repairResults(logs);
    assert.deepEqual(results.map((r) => r.item), ALL, logs);
    for (const r of results) t.diagnostic(`${r.item}: ${r.status} (${r.detail})`);
    const status = Object.fromEntries(results.map((r) => [r.item, r.status]));
    // busybox: no kernel, no cloud-init, no network configuration.
    assert.equal(status['GUESTOS.Virtio'], 'NOT APPLICABLE');
    assert.equal(status['GUESTOS.Grub'], 'NOT APPLICABLE');
    assert.equal(status['GUESTOS.CloudInit'], 'NOT REPAIRED');
    assert.equal(status['GUESTOS.Dhcp'], 'REPAIRED');
    assert.ok(logs.indexOf('[REPAIRING]') < logs.indexOf('GUESTOS.CloudInit:'));
    assert.ok(logs.indexOf('GUESTOS.Fstab:') < logs.indexOf('[BUILDING]'));
    assert.ok(!logs.includes('::kiln-repair-item::'), 'item markers are not logged');
    assert.match(logs, /^Repair: .*REPAIRED.*\.$/m);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('RepairItem.1=GUESTOS.Dhcp: only that item runs; /etc/network/interfaces is written into the image', async () => {
    const prefix = uniqueName('repair-dhcp');
    const { executionId, item } = await build(kiln.clients.v3, {
      name: prefix, imageName: prefix, repairMode: 'Standard', repairItem: ['GUESTOS.Dhcp'],
      buildContent: 'RUN test -f /etc/network/interfaces && echo dhcp-file-visible-to-build',
      testContent: 'RUN grep -q dhcp /etc/network/interfaces && echo dhcp-in-image',
    });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.match(item.message ?? '', /Repair: 1 REPAIRED\. Steps: 2 step\(s\) run, 0 from the step cache\.$/);
    const logs = await logsContaining(kiln.app.store, executionId, 'dhcp-in-image');
    const results = repairResults(logs).map((r) => `${r.item}: ${r.status}`);
    assert.deepEqual(results, ['GUESTOS.Dhcp: REPAIRED'], logs);
    assert.match(logs, /GUESTOS\.Dhcp: REPAIRED \(wrote \/etc\/network\/interfaces/);
    assert.ok(logs.includes('dhcp-file-visible-to-build'));
    assert.match(logs, /^\[REPAIRING\] .*1 item\(s\): GUESTOS\.Dhcp/m);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
