import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../../src/blobs/local-blob-store.js';
import { DEBIAN_CONFIG } from '../../../src/engine/base-images/debian.js';
import { ensureDebianVm } from '../../../src/engine/base-images/debian-vm.js';
import { StepCancelled } from '../../../src/engine/build/step-failure.js';
import { initialConfig } from '../../../src/engine/image-config.js';
import { writeImage } from '../../../src/engine/image/oci-image.js';
import { LAYER_MEDIA_TYPE } from '../../../src/engine/layers/capture-layer.js';
import { LayerStore } from '../../../src/engine/layers/layer-store.js';
import { bootTestVm, type TestVmOptions } from '../../../src/engine/vm-test/boot-test-vm.js';
import { VmTestError } from '../../../src/engine/vm-test/vm-instance.js';
import { seedDebianVm } from '../../support/vm-base.js';

/*
 * Starting a test VM that cannot start: the Debian VM base (as an image) is exported for real,
 * then QEMU refuses the VM (a memory size no host has: "cannot set up guest memory") — the test
 * fails clearly with QEMU's own words, never falls back, and leaves no scratch dir or QEMU. A
 * cancel before the start leaves nothing either. No guest boots here (test/e2e/vm-test.test.ts boots).
 */

let dataDir: string;
let deps: { blobs: LocalBlobStore; layers: LayerStore };
let manifestDigest: string;
let n = 0;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-boot-test-vm-'));
  await seedDebianVm(dataDir);
  const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
  deps = { blobs, layers: new LayerStore(dataDir, blobs) };
  const base = await ensureDebianVm(deps.layers);
  ({ manifestDigest } = await writeImage(blobs, {
    layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: base.digest, diffId: base.diffId, size: base.size }],
    config: initialConfig(DEBIAN_CONFIG), created: '2026-01-01T00:00:00Z', history: ['the Debian 12 VM base'],
  }));
});
after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function options(over: Partial<TestVmOptions>): TestVmOptions & { lines: string[] } {
  const lines: string[] = [];
  return { name: `boot-test-vm-${process.pid}-${++n}`, manifestDigest, sizeGiB: 20, bootMode: 'UEFI-Preferred', memoryMiB: 1024, cpus: 1,
    bootTimeoutMs: 120_000, accel: 'tcg', signal: new AbortController().signal, log: (l) => lines.push(l), lines, ...over };
}

async function nothingLeft(name: string): Promise<void> {
  assert.deepEqual((await readdir(tmpdir())).filter((e) => e.startsWith(`kiln-vmtest-${name}-`)), [], 'scratch dirs left');
  const qemus = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  for (const pid of qemus) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    assert.ok(!cmd.includes(`kiln-vmtest-${name}-`), `QEMU ${pid} of ${name} still runs`);
  }
}

describe('starting a test VM', () => {
  test('QEMU refusing the VM fails the test with QEMU\'s words; nothing is left', async () => {
    const o = options({ memoryMiB: 2 ** 30 });
    await assert.rejects(bootTestVm(deps, o), (err: Error) => {
      assert.ok(err instanceof VmTestError, String(err));
      assert.match(err.message, /QEMU exited|did not start the test agent/);
      assert.ok(err.consoleLines.some((l) => /cannot set up guest memory/.test(l)), err.consoleLines.join('\n'));
      return true;
    });
    assert.match(o.lines.join('\n'), /the image was exported as a UEFI-Preferred disk in [\d.]+ s; booting it \(BIOS\)/);
    await nothingLeft(o.name);
  });

  test('a cancel before the start: StepCancelled, nothing made', async () => {
    const abort = new AbortController();
    abort.abort('cancelled');
    const o = options({ signal: abort.signal });
    await assert.rejects(bootTestVm(deps, o), StepCancelled);
    await nothingLeft(o.name);
  });
});
