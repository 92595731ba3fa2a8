import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, statfs } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { collectGarbage } from '../../src/engine/gc/collect-garbage.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { createPipeline } from '../support/ecs-requests.js';
import { $Ecs, assertNoLeftovers, build, clientAt, describeExecution, isTerminal, logsContaining, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import { REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import { QueueWatch } from './support/queue-watch.js';

/*
 * Issue 8, item 5 (host disk): SystemDiskSize is a sparse file, so without admission a host
 * promises disks it does not have. Here the data dir is a 36 GiB ext4 filesystem of its own
 * (a sparse file the test loop-mounts), with KILN_HOST_DISK_RESERVE_BYTES = 4 GiB: builds may be
 * promised about 31 GiB in all.
 *
 * - A 40 GiB build could never fit: it ends FAILED with InsufficientHostDisk without starting.
 * - Two 20 GiB builds do not fit together: with two idle workers, the second waits (queued)
 *   until the first has ended, then builds.
 * - A tenant whose stored layers leave less free space than another tenant's SystemDiskSize
 *   (which the filesystem could hold) makes that build wait, not fail: builds that fit go on
 *   meanwhile, and it runs once the space is freed.
 * - On a 56 GiB filesystem (about 51 GiB for builds), a 40 GiB build waiting for a running one
 *   is passed over once by a 20 GiB build (KILN_HOST_DISK_HOLD_AFTER=1), then holds its room:
 *   the next 20 GiB build, which would fit, waits until the large one has run.
 * - The host disk a build's SystemDiskSize counts on is named by the machine and the
 *   filesystem: another filesystem mounted at the same data dir path, under the same hostname
 *   (what a second host is to the database), counts apart; another hostname on the same
 *   filesystem (a container's own UTS namespace) counts together.
 */

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const RESERVE = 4 * GiB;
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'kiln-disk-admission-'));
const image = join(scratch, 'host-disk.img');
const dataDir = join(scratch, 'data');
const mounted: string[] = [];
let kiln: TestKiln | undefined;
let watch: QueueWatch | undefined;

/** Makes a fresh ext4 filesystem of `sizeGiB` in the sparse file `file` and loop-mounts it at `dir`. */
async function loopFilesystem(file: string, dir: string, sizeGiB: number): Promise<void> {
  const f = await open(file, 'wx', 0o600);
  await f.truncate(sizeGiB * GiB);
  await f.close();
  await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-O', '^has_journal', '-E', 'lazy_itable_init=1,nodiscard', file]);
  await run('mkdir', ['-p', dir]);
  await run('mount', ['-o', 'loop', file, dir]);
  mounted.push(dir);
}

before(async () => {
  await loopFilesystem(image, dataDir, 36);
  const s = await statfs(dataDir);
  assert.ok(s.bavail * s.bsize > 30 * GiB && s.bavail * s.bsize <= 36 * GiB, `the test's filesystem has ${s.bavail * s.bsize} bytes free, not 30 to 36 GiB`);
  kiln = await startKiln({ KILN_DATA_DIR: dataDir, KILN_WORKERS: '2', KILN_ACCOUNT_MAX_RUNNING: '0', KILN_HOST_DISK_RESERVE_BYTES: String(RESERVE) });
  watch = new QueueWatch(dataDir);
});
after(async () => {
  watch?.close();
  await kiln?.stop();
  for (const dir of mounted.reverse()) await run('umount', [dir]);
  rmSync(scratch, { recursive: true, force: true });
});

/** Free bytes of the test's data dir filesystem now. */
async function freeBytes(): Promise<number> {
  const s = await statfs(dataDir);
  return s.bavail * s.bsize;
}

/** Another account of a Kiln (the test's first one by default), with its own client. */
async function tenant(name: string, on = kiln!): Promise<EcsClient> {
  const made = await createAccount(on.app.store, on.config.regions.map((r) => r.regionId), { name });
  return clientAt(on.endpoint, { accessKeyId: made.accessKey.id, accessKeySecret: made.accessKey.secret });
}

describe('security: running builds never promise more disk than the host has', () => {
  test('a SystemDiskSize bigger than the host could ever give ends FAILED with InsufficientHostDisk, without starting', async () => {
    const v3 = kiln!.clients.v3;
    const pipelineId = await createPipeline(v3, { name: uniqueName('disk-too-big'), systemDiskSize: 40, buildContent: 'RUN echo too-big-ran' });
    const executionId = await startExecution(v3, pipelineId);
    const { item, seen } = await waitForExecution(v3, executionId, isTerminal, 'a terminal status');
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, 'InsufficientHostDisk');
    assert.match(item.message ?? '', /SystemDiskSize 40 GiB is more than the build host can hold/);
    assert.match(item.errorInfo ?? '', /at most 3\d\.\d GiB to one build/);
    assert.deepEqual(seen.filter((s) => s !== 'PREPARING'), ['FAILED'], 'it never started building');
    const logs = await logsContaining(kiln!.app.store, executionId, 'the build did not start');
    assert.ok(!logs.includes('too-big-ran'));
    await assertNoLeftovers(dataDir, executionId);
  });

  test('two 20 GiB builds do not fit together: the second waits for the first, then builds', async () => {
    const v3 = kiln!.clients.v3;
    const first = await createPipeline(v3, { name: uniqueName('disk-first'), systemDiskSize: 20, buildContent: `RUN echo ${uniqueName('first')} && sleep 4` });
    const second = await createPipeline(v3, { name: uniqueName('disk-second'), systemDiskSize: 20, buildContent: `RUN echo ${uniqueName('second')} && sleep 1` });
    const x = await startExecution(v3, first);
    await watch!.until(() => watch!.claimOrder.includes(x), 'the first build to be claimed');
    const y = await startExecution(v3, second);
    // A worker is idle all along; the second build is claimed only once the first has ended.
    const { item: xItem } = await waitForExecution(v3, x, isTerminal, 'a terminal status');
    assert.equal(xItem.status, 'SUCCESS', JSON.stringify(xItem));
    const { item: yItem } = await waitForExecution(v3, y, isTerminal, 'a terminal status');
    assert.equal(yItem.status, 'SUCCESS', JSON.stringify(yItem));
    assert.equal(watch!.sawBothLeased(x, y), false, 'the two builds never held a lease at the same time');
    assert.deepEqual(watch!.claimOrder.filter((id) => id === x || id === y), [x, y]);
    await assertNoLeftovers(dataDir, x);
    await assertNoLeftovers(dataDir, y);
  });

  test('a tenant whose stored layers fill the disk makes another tenant\'s build wait, not fail; it runs once the space is freed', async () => {
    const a = kiln!.clients.v3;
    const b = await tenant('disk-tenant-b');
    const c = await tenant('disk-tenant-c');
    // B's SystemDiskSize fits the free space now with room to spare, and the filesystem whatever it holds.
    const free0 = await freeBytes();
    const size = Math.floor((free0 - RESERVE - 384 * MiB) / GiB);
    assert.ok(size > 20 && size <= 36, `B's disk: ${size} GiB`);
    // A's build stores a layer of random bytes (incompressible, unlike zeros): afterwards B's disk no longer fits the free space.
    const fillMiB = Math.ceil((free0 - RESERVE - size * GiB) / MiB) + 128;
    const filler = await build(a, { name: uniqueName('disk-filler'), systemDiskSize: 20, buildContent: `RUN head -c ${fillMiB * MiB} /dev/urandom > /fill` });
    assert.equal(filler.item.status, 'SUCCESS', JSON.stringify(filler.item));
    assert.ok((await freeBytes()) - RESERVE < size * GiB, 'A\'s stored layer leaves less free space than B asks for');

    const waiting = await startExecution(b, await createPipeline(b, { name: uniqueName('disk-waits'), systemDiskSize: size, buildContent: `RUN echo ${uniqueName('waited')}` }));
    const fits = await startExecution(c, await createPipeline(c, { name: uniqueName('disk-fits'), systemDiskSize: 20, buildContent: `RUN echo ${uniqueName('fits')}` }));
    // C's 20 GiB fits the space left: a worker takes it while B's waits.
    const { item: cItem } = await waitForExecution(c, fits, isTerminal, 'a terminal status');
    assert.equal(cItem.status, 'SUCCESS', JSON.stringify(cItem));
    const queued = await describeExecution(b, waiting);
    assert.equal(queued.status, 'PREPARING', `B's build waits in the queue: ${JSON.stringify(queued)}`);
    assert.equal(queued.errorCode ?? '', '');
    assert.ok(!watch!.claimOrder.includes(waiting), 'B\'s build was never claimed while the space was taken');

    // A's image is deleted and the operator collects garbage: the space comes back.
    await a.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId: filler.item.imageId! }));
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    await collectGarbage({ store: kiln!.app.store, blobs, layers: new LayerStore(dataDir, blobs), maxCacheBytes: 0, graceMs: 0 });
    assert.ok((await freeBytes()) - RESERVE >= size * GiB, 'the space is back');
    const { item: bItem, seen } = await waitForExecution(b, waiting, isTerminal, 'a terminal status');
    assert.equal(bItem.status, 'SUCCESS', JSON.stringify(bItem));
    assert.ok(!seen.includes('FAILED'), seen.join(' → '));
    assert.deepEqual(watch!.claimOrder.filter((id) => id === fits || id === waiting), [fits, waiting]);
    await assertNoLeftovers(dataDir, waiting);
  });

  test('a large build passed over KILN_HOST_DISK_HOLD_AFTER times holds its room: a smaller build that fits waits until it has run', async () => {
    const holdDir = join(scratch, 'hold-data');
    await loopFilesystem(join(scratch, 'hold-disk.img'), holdDir, 56);
    const room = (await statfs(holdDir)).blocks * (await statfs(holdDir)).bsize - RESERVE;
    assert.ok(room >= 40 * GiB && room < 60 * GiB, `the second filesystem gives builds ${room} bytes, not 40 to 60 GiB`);
    const hold = await startKiln({ KILN_DATA_DIR: holdDir, KILN_WORKERS: '3', KILN_ACCOUNT_MAX_RUNNING: '0', KILN_HOST_DISK_RESERVE_BYTES: String(RESERVE), KILN_HOST_DISK_HOLD_AFTER: '1' });
    const queue = new QueueWatch(holdDir);
    try {
      const [x, y, z] = [hold.clients.v3, await tenant('hold-large', hold), await tenant('hold-small', hold)];
      const step = (tag: string, sleepS = 0) => `RUN echo ${uniqueName(tag)}${sleepS ? ` && sleep ${sleepS}` : ''}`;
      const running = await startExecution(x, await createPipeline(x, { name: uniqueName('hold-running'), systemDiskSize: 20, buildContent: step('running', 10) }));
      await queue.until(() => queue.claimOrder.includes(running), 'the running build to be claimed');
      // 20 + 40 GiB do not fit: the large build waits for the running one.
      const large = await startExecution(y, await createPipeline(y, { name: uniqueName('hold-large'), systemDiskSize: 40, buildContent: step('large') }));
      const small1 = await startExecution(z, await createPipeline(z, { name: uniqueName('hold-small'), systemDiskSize: 20, buildContent: step('small', 1) }));
      await queue.until(() => queue.claimOrder.includes(small1), 'the first small build to be claimed (it passes the large one)');
      // The large build has been passed over once: the room is held. This one would fit beside the running build.
      const small2 = await startExecution(z, await createPipeline(z, { name: uniqueName('hold-small'), systemDiskSize: 20, buildContent: step('small') }));
      for (const [client, id] of [[x, running], [y, large], [z, small1], [z, small2]] as const) {
        const { item } = await waitForExecution(client, id, isTerminal, 'a terminal status');
        assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
      }
      // Builds seen leased in one snapshot are ordered by id: the order means something only for builds never leased together.
      for (const [a, b] of [[running, large], [small1, large], [large, small2]] as const) assert.equal(queue.sawBothLeased(a, b), false, `${a} and ${b} never ran together`);
      assert.deepEqual(queue.claimOrder, [running, small1, large, small2], 'claim order: the second small build went after the large one');
      for (const id of [running, large, small1, small2]) await assertNoLeftovers(holdDir, id);
    } finally {
      queue.close();
      await hold.stop();
    }
  });

  test('the host disk is named by the machine and the filesystem, not by the hostname and the data dir path', async () => {
    const dir = join(scratch, 'pool-data');
    await run('mkdir', ['-p', dir]);
    const module = fileURLToPath(new URL('../../src/engine/instance/data-dir-disk.ts', import.meta.url));
    const poolOf = `import(${JSON.stringify(module)}).then((m) => console.log(new m.DataDirDisk(process.argv[1], 0).pool))`;
    const node = [process.execPath, '--import', 'tsx', '-e', poolOf, dir];
    const here = (await run(node[0]!, node.slice(1))).stdout.trim();
    // Another host: its own filesystem at the same path, same hostname (a private mount namespace).
    const otherHost = (await run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c',
      'mount -t tmpfs kiln-other-host "$0" && exec "$@"', dir, ...node])).stdout.trim();
    // This host under another name: the same filesystem, its own hostname (a private UTS namespace).
    const renamed = (await run('unshare', ['--uts', '--', 'sh', '-c', 'hostname "kiln-not-$1" && shift && exec "$@"', 'sh', hostname(), ...node])).stdout.trim();
    assert.ok(here.length > 0, 'a pool name');
    assert.notEqual(otherHost, here, 'another filesystem at the same path under the same hostname is another host disk');
    assert.equal(renamed, here, 'the same filesystem on the same machine is one host disk, whatever the hostname');
  });
});
