import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { freePort, spawnKiln, type KilnProcess } from '../support/child.js';
import { freshDatabase } from '../support/pg.js';

/*
 * Durability: what Kiln acknowledged survives a SIGKILL. Kiln runs as a child process
 * (`node --import tsx src/main/cli.ts serve`); several pop-core clients create templates one
 * after another; once enough are acknowledged the process is killed while the other clients'
 * requests are in flight; a new process on the same data (dir or database) must list every
 * acknowledged template, and nothing that was never asked for.
 */

const REGION = 'cn-hangzhou';
const WORKERS = 4;
/** Acknowledged creates before the kill. */
const KILL_AFTER = 40;

function popClient(proc: KilnProcess, dataDir: string): RPCClient {
  const creds = JSON.parse(readFileSync(join(dataDir, 'default-credentials.json'), 'utf8')) as { accessKeyId: string; accessKeySecret: string };
  return new RPCClient({ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, endpoint: proc.endpoint, apiVersion: '2014-05-26' });
}

/** Every template id the default account has in REGION, through NextToken paging. */
async function listAll(client: RPCClient): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await client.request<{ NextToken?: string; ImagePipeline: { ImagePipelineSet: Array<{ ImagePipelineId: string }> } }>(
      'DescribeImagePipelines',
      { RegionId: REGION, MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) },
      { method: 'POST', timeout: 60_000 },
    );
    ids.push(...r.ImagePipeline.ImagePipelineSet.map((p) => p.ImagePipelineId));
    nextToken = r.NextToken || undefined;
    if (!nextToken) return ids;
  }
  throw new Error('paging did not end');
}

async function killMidStreamAndRestart(env: Record<string, string>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-durability-'));
  const base = { ...env, KILN_DATA_DIR: dataDir, KILN_PIPELINE_QUOTA: '100000' };
  let first: KilnProcess | undefined;
  let second: KilnProcess | undefined;
  try {
    first = await spawnKiln({ ...base, KILN_PORT: String(await freePort()) });
    const proc = first;
    const client = popClient(proc, dataDir);

    const acked: string[] = [];
    let attempted = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let killed = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        attempted++;
        inFlight++;
        let id: string;
        try {
          const r = await client.request<{ ImagePipelineId: string }>('CreateImagePipeline', {
            RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: 'busybox_x64_20G_kiln_base.vhd', Name: `durable-${w}-${i}`, BuildContent: `RUN echo ${w}-${i}`,
          }, { method: 'POST', timeout: 60_000 });
          id = r.ImagePipelineId;
        } catch (err) {
          inFlight--;
          if (killed) return; // the connection died with the server: not acknowledged
          throw err;
        }
        inFlight--;
        assert.match(id, /^ip-/);
        acked.push(id); // acknowledged, even if it arrives after the kill: the server sent it
        if (!killed && acked.length >= KILL_AFTER) {
          killed = true;
          inFlightAtKill = inFlight;
          proc.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const exit = await proc.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(inFlightAtKill >= 1, `requests were in flight at the kill (${inFlightAtKill})`);
    assert.ok(acked.length >= KILL_AFTER);

    second = await spawnKiln({ ...base, KILN_PORT: String(await freePort()) });
    const after = popClient(second, dataDir);
    const listed = await listAll(after);
    const listedSet = new Set(listed);
    assert.equal(listedSet.size, listed.length, 'no template is listed twice');
    const lost = acked.filter((id) => !listedSet.has(id));
    assert.deepEqual(lost, [], `acknowledged templates lost by the kill (${lost.length} of ${acked.length})`);
    assert.ok(listed.length <= attempted, `${listed.length} listed but only ${attempted} were requested`);

    // The restarted server keeps working on the same data.
    const r = await after.request<{ ImagePipelineId: string }>('CreateImagePipeline', { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: 'busybox_x64_20G_kiln_base.vhd', Name: 'after-restart' }, { method: 'POST' });
    const again = await listAll(after);
    assert.equal(again.length, listed.length + 1);
    assert.ok(again.includes(r.ImagePipelineId));

    await second.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  } finally {
    await first?.kill();
    await second?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('SQLite: every acknowledged CreateImagePipeline survives a SIGKILL mid-stream', async () => {
  await killMidStreamAndRestart({});
});

test('PostgreSQL: every acknowledged CreateImagePipeline survives a SIGKILL mid-stream', async () => {
  // Fails (does not skip) when KILN_TEST_DATABASE_URL is missing.
  const db = await freshDatabase('kiln_dur');
  try {
    await killMidStreamAndRestart({ KILN_DATABASE_URL: db.url });
  } finally {
    await db.drop();
  }
});
