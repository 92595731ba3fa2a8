import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import type { Instance } from '../../src/engine/instance/instance.js';
import { engineFixture, sh, type EngineFixture } from '../support/engine-fixture.js';

/**
 * Issue 8, item 4: every byte a build writes counts on its instance disk. /etc/hosts,
 * /etc/hostname and /etc/resolv.conf are files the instance gets from Kiln; writing to them
 * must fill the instance's SystemDiskSize, not the host's disk, and they stay out of layers.
 */
describe('security: the /etc files Kiln provides live on the instance disk', () => {
  let fx: EngineFixture;
  let instance: Instance | undefined;

  before(async () => {
    fx = await engineFixture('secdisk');
  });
  afterEach(async () => {
    await instance?.destroy();
    instance = undefined;
    assert.deepEqual(await fx.driver.leftovers(fx.prefix), []);
  });
  after(async () => {
    await fx.close();
  });

  for (const file of ['hosts', 'hostname', 'resolv.conf']) {
    test(`300 MB written to /etc/${file} fill the 64 MiB disk: ENOSPC, and the step counts as disk full`, async () => {
      instance = await fx.driver.create(fx.spec({ diskMiB: 64 }));
      const r = await sh(instance, `dd if=/dev/zero of=/etc/${file} bs=1048576 count=300`);
      assert.notEqual(r.exitCode, 0, `dd must fail: ${r.stderr}`);
      assert.match(r.stderr, /No space left on device/);
      assert.equal(r.diskFull, true);
      // emptying the file gives the room back, as on a full disk
      const again = await sh(instance, `: > /etc/${file} && dd if=/dev/zero of=/big bs=1048576 count=16 2>/dev/null && echo room`);
      assert.equal(again.stdout, 'room\n', again.stderr);
    });
  }

  test("what a step writes to them takes room on the instance's disk, is not part of its layer, and they still work", async () => {
    instance = await fx.driver.create(fx.spec({ hostname: 'disk-host' }));
    // `df /` in the build is the overlay's: its upper dir's filesystem, the instance disk
    const used = await sh(
      instance,
      'before=$(df -k / | awk \'NR==2 {print $3}\'); dd if=/dev/zero bs=1048576 count=8 >> /etc/resolv.conf 2>/dev/null; after=$(df -k / | awk \'NR==2 {print $3}\'); : > /etc/resolv.conf; echo $((after - before))',
    );
    assert.equal(used.exitCode, 0, used.stderr);
    assert.ok(Number(used.stdout) >= 7 * 1024, `8 MiB written to /etc/resolv.conf took ${used.stdout.trim()} KiB of the instance disk`);
    const r = await sh(instance, 'echo "10.9.8.7 extra" >> /etc/hosts && echo other > /etc/hostname && echo "nameserver 10.1.1.1" > /etc/resolv.conf');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(await readdir(r.upperDir), [], 'the files are not in the upper dir');
    instance.commitStep();
    const next = await sh(instance, 'grep -c extra /etc/hosts; cat /etc/hostname; grep -c 10.1.1.1 /etc/resolv.conf');
    assert.equal(next.stdout, '1\nother\n1\n');
  });
});
