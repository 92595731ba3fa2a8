import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { blobStoreOf } from '../../src/main/blob-store.js';
import { serve, type Running } from '../../src/main/serve.js';
import { $Ecs, clientAt, describeImages, isTerminal, leftoversOf, logsOf, startExecution, waitForExecution, waitNoLeftovers } from '../support/builds.js';
import { createPipeline } from '../support/ecs-requests.js';
import { waitTask } from '../export/support/kiln-export.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';
import { createRemoteNetwork, runOnRemoteHost, startRemoteWorker, type Hidden, type RemoteNetwork, type RemoteWorker } from '../support/remote-host.js';
import { S3_KEY, startS3, type TestS3 } from '../support/s3.js';

/*
 * `kiln worker` on "another host": its own network namespace (only PostgreSQL, through a
 * forwarder, and the S3 endpoint reachable) and mount namespace (the server's data dir hidden,
 * no busybox binary), its own empty data dir. The API (in-process, KILN_WORKERS=0) runs on this
 * machine, which made the busybox base first; the remote workers fetch it, build, cache and
 * distribute, and run ExportImage's task; a second host hits the first one's step cache; a host killed mid-build (SIGKILL
 * of its whole process tree) loses the execution to the lease (WorkerLost, its instance reaped
 * when the host comes back), and the build then completes.
 */

const LEASE_MS = 60_000;
let root: string;
let db: FreshDatabase;
let net: RemoteNetwork;
let s3: TestS3;
let api: Running;
let hostService: Server;
const workers: RemoteWorker[] = [];
let remoteEnv: (dataDir: string) => Record<string, string>;
let hidden: Hidden;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-remote-'));
  db = await freshDatabase('kiln_remote');
  net = await createRemoteNetwork();
  s3 = await startS3({ address: net.hostAddress });
  await s3.createBucket('kiln-blobs');
  await s3.createBucket('kiln-exports');
  const remoteDb = await net.forwardDatabase(db.url);
  hostService = createServer((s) => s.end('host service\n'));
  await new Promise<void>((r) => hostService.listen(0, '0.0.0.0', () => r()));
  await net.allowOnly([Number(new URL(s3.endpoint).port), Number(new URL(remoteDb).port)]);
  // The same S3 server holds the blob store's bucket and, as OSS, the bucket ExportImage writes to.
  const blobEnv = { KILN_BLOB_STORE: 's3://kiln-blobs/kiln', KILN_S3_ENDPOINT: s3.endpoint, KILN_S3_ACCESS_KEY_ID: S3_KEY.accessKeyId, KILN_S3_SECRET_ACCESS_KEY: S3_KEY.accessKeySecret, ...s3.env };
  remoteEnv = (dataDir) => ({ ...blobEnv, KILN_DATABASE_URL: remoteDb, KILN_DATA_DIR: dataDir, KILN_LEASE_MS: String(LEASE_MS), KILN_WORKERS: '1' });
  await mkdir(join(root, 'api'));
  hidden = { dirs: [join(root, 'api')], files: ['/bin/busybox'] };
  const config = loadConfig({ ...blobEnv, KILN_DATA_DIR: join(root, 'api', 'data'), KILN_DATABASE_URL: db.url, KILN_WORKERS: '0', KILN_PORT: '0', KILN_LEASE_MS: String(LEASE_MS) });
  api = await serve(config);
  // The API host makes the base first (as its own worker would); the remote hosts cannot.
  await ensureBusyboxBase(new LayerStore(config.dataDir, blobStoreOf(config), {}, api.app.store.baseImages));
});

after(async () => {
  for (const w of workers) await w.killTree();
  await api?.stop();
  await new Promise((r) => hostService?.close(r));
  await s3?.stop();
  await net?.remove();
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
  if (net) assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), new RegExp(`^${net.name}\\b`, 'm'), 'the namespace is gone');
});

async function remoteWorker(dataDir: string): Promise<RemoteWorker> {
  const w = await startRemoteWorker({ network: net, env: remoteEnv(dataDir), hidden });
  workers.push(w);
  return w;
}

describe('kiln worker on another host (PostgreSQL and S3 only)', () => {
  test('from the remote host: the S3 endpoint and PostgreSQL answer; the machine\'s loopback, other ports and other addresses do not; the server\'s data dir is not there', async () => {
    const svc = (hostService.address() as { port: number }).port;
    const targets = {
      s3: [net.hostAddress, Number(new URL(s3.endpoint).port)],
      postgres: [net.hostAddress, Number(new URL(remoteEnv('x').KILN_DATABASE_URL!).port)],
      apiOnLoopback: ['127.0.0.1', Number(new URL(api.endpoint).port)],
      hostServiceOnLoopback: ['127.0.0.1', svc],
      hostServiceOnVeth: [net.hostAddress, svc],
      elsewhere: ['192.0.2.1', 80],
    };
    const probe = `const net=require('node:net');const fs=require('node:fs');const t=${JSON.stringify(targets)};
      Promise.all(Object.entries(t).map(([k,[h,p]])=>new Promise((r)=>{const s=net.connect(p,h);const d=(v)=>{s.destroy();r([k,v]);};s.setTimeout(1500,()=>d('timeout'));s.on('connect',()=>d('open'));s.on('error',(e)=>d(e.code));})))
      .then((e)=>console.log(JSON.stringify({...Object.fromEntries(e),apiDataDir:fs.existsSync(${JSON.stringify(join(root, 'api', 'data'))}),busybox:fs.statSync('/bin/busybox').size})));`;
    const r = await runOnRemoteHost(net, hidden, [process.execPath, '-e', probe]);
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(seen.s3, 'open');
    assert.equal(seen.postgres, 'open');
    for (const k of ['apiOnLoopback', 'hostServiceOnLoopback', 'hostServiceOnVeth', 'elsewhere']) assert.notEqual(seen[k], 'open', `${k}: ${JSON.stringify(seen)}`);
    assert.equal(seen.apiDataDir, false);
    assert.equal(seen.busybox, 0, 'no busybox binary on the remote host');
  });

  test('a remote worker builds and distributes on the base the API host made, and runs ExportImage; a second remote host gets every step from the step cache', async () => {
    const v3 = clientAt(api.endpoint, api.credentials);
    const w1 = await remoteWorker(join(root, 'w1'));
    const pipelineId = await createPipeline(v3, { buildContent: 'RUN echo built-remotely > /f\nRUN cat /f', toRegionId: ['cn-beijing'] });
    const first = await waitForExecution(v3, await startExecution(v3, pipelineId), isTerminal, 'a terminal status');
    const logs = await logsOf(api.app.store, first.item.executionId!);
    assert.equal(first.item.status, 'SUCCESS', `${JSON.stringify(first.item)}\n${logs}\n${w1.output()}`);
    assert.match(logs, /^built-remotely$/m);
    assert.match(first.item.message ?? '', /Steps: 2 step\(s\) run, 0 from the step cache\.$/);
    const copies = await describeImages(v3, { regionId: 'cn-beijing', imageName: (await describeImages(v3, { imageId: first.item.imageId! }))[0]!.imageName! });
    assert.equal(copies.length, 1, 'distributed to cn-beijing');

    // Its base layer is the one the API host recorded (the remote host has no busybox to make one).
    const bases = await api.app.store.baseImages.list();
    assert.equal(bases.length, 1);
    const image = await api.app.store.images.getOwned({ accountId: api.credentials.accountId, regionId: 'cn-hangzhou' }, first.item.imageId!);
    const { layers } = await readImage(blobStoreOf(api.app.config), image!.manifestDigest!);
    assert.equal(layers[0]?.digest, bases[0]!.digest);
    assert.equal((await api.app.store.accounts.list()).length, 1, 'the worker made no account of its own');

    // ExportImage's task runs on the remote host too, for the default account (which it learned from the store).
    const exported = await v3.exportImage(new $Ecs.ExportImageRequest({ regionId: 'cn-hangzhou', imageId: first.item.imageId!, OSSBucket: 'kiln-exports', imageFormat: 'qcow2' }));
    const { task } = await waitTask(v3, exported.body!.taskId!);
    assert.equal(task.taskStatus, 'Finished', JSON.stringify(task));
    assert.ok((await s3.get('kiln-exports', `${first.item.imageId}_system.qcow2`))?.length, 'the export is in the bucket');
    assert.equal(existsSync(join(root, 'w1', 'default-credentials.json')), false);
    await w1.stop();

    await remoteWorker(join(root, 'w2'));
    const second = await waitForExecution(v3, await startExecution(v3, pipelineId), isTerminal, 'a terminal status');
    assert.equal(second.item.status, 'SUCCESS', JSON.stringify(second.item));
    assert.match(second.item.message ?? '', /Steps: 0 step\(s\) run, 2 from the step cache\.$/);
  });

  test('a remote host killed mid-build: the lease ends it WorkerLost, its instance is reaped when the host is back, and the build then completes', async () => {
    const v3 = clientAt(api.endpoint, api.credentials);
    const w2 = workers.at(-1)!;
    const dataDir = w2.dataDir;
    const pipelineId = await createPipeline(v3, { buildContent: 'RUN echo going-to-sleep\nRUN sleep 10' });
    const executionId = await startExecution(v3, pipelineId);
    // Step 2's container (runc's state folder, a cheap check: the kill must come well within its 10 s).
    for (let i = 0; !existsSync(`/run/runc/kiln-${executionId}-2`); i++) {
      assert.ok(i < 1200, 'the step container never appeared');
      await new Promise((r) => setTimeout(r, 25));
    }
    await w2.killTree();
    assert.ok((await leftoversOf(dataDir, executionId)).length > 0, 'the killed host left its instance behind');

    // The lease runs out (made so now, as the clock would: the dead worker's last renewal becomes one of 1 ms).
    const pgc = new pg.Client({ connectionString: db.url });
    await pgc.connect();
    const owner = (await pgc.query<{ lease_owner: string | null }>('select lease_owner from executions where id = $1', [executionId]).finally(() => pgc.end())).rows[0]?.lease_owner;
    assert.ok(owner, 'the killed worker holds the lease');
    assert.equal(await api.app.store.executions.renew(executionId, owner, 1), 'BUILDING');
    await new Promise((r) => setTimeout(r, 5));

    await remoteWorker(dataDir); // the host is back
    const lost = await waitForExecution(v3, executionId, isTerminal, 'WorkerLost');
    assert.equal(lost.item.status, 'FAILED', JSON.stringify(lost.item));
    assert.equal(lost.item.errorCode, 'WorkerLost');
    await waitNoLeftovers(dataDir, executionId);

    const again = await waitForExecution(v3, await startExecution(v3, pipelineId), isTerminal, 'a terminal status');
    assert.equal(again.item.status, 'SUCCESS', JSON.stringify(again.item));
    assert.match(again.item.message ?? '', /Steps: 2 step\(s\) run, 0 from the step cache\.$/, 'the lost build recorded nothing: it runs whole');
    await waitNoLeftovers(dataDir, again.item.executionId!);
  });
});
