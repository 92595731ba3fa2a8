import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './processes.js';
import { startS3Process } from './scale-s3.js';

/*
 * Item 4 of the scale bench: put and get of one large random (incompressible) layer through
 * `blobStoreOf`, on the local folder and on the S3 test server (test/support/s3.ts, in a
 * process of its own: bench/scale-s3-server.ts). Every operation runs in a fresh process
 * (bench/scale-blob-child.ts) so its peak RSS is its own. The S3 get runs on an empty data dir:
 * its read-through cache is cold, so the bytes come from the server.
 */

export interface BlobRow {
  store: string;
  op: 'put' | 'get';
  bytes: number;
  seconds: number;
  mbPerSec: number;
  /** RSS of the operation's process before it began (node, tsx and the modules), MiB. */
  rssBeforeMiB: number;
  peakRssMiB: number;
  cpuSeconds: number;
}

export interface BlobReport {
  sizeMiB: number;
  rows: BlobRow[];
  /** Peak RSS of the S3 test server's process over the whole part, MiB. */
  s3ServerPeakRssMiB?: number;
  notRun?: string;
}

const BUCKET = 'kiln-bench';

function randomFile(path: string, mib: number): void {
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.allocUnsafe(8 << 20);
    for (let left = mib << 20; left > 0; left -= chunk.length) writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, left));
  } finally {
    closeSync(fd);
  }
}

interface ChildLine {
  digest: string;
  bytes: number;
  seconds: number;
  rssBeforeKb: number;
  peakRssKb: number;
  cpuSeconds: number;
}

/** Runs one bench/scale-blob-child.ts operation to its end; its JSON line. */
function blobOp(env: Record<string, string>, op: 'put' | 'get', arg: string): Promise<ChildLine> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/scale-blob-child.ts', op, arg], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"op"'));
      if (code !== 0 || !line) return reject(new Error(`blob ${op} exited ${code}: ${out.trim().slice(0, 600)}`));
      resolve(JSON.parse(line) as ChildLine);
    });
  });
}

function row(store: string, op: 'put' | 'get', r: ChildLine): BlobRow {
  return {
    store, op, bytes: r.bytes, seconds: r.seconds, mbPerSec: r.bytes / 1e6 / r.seconds,
    rssBeforeMiB: r.rssBeforeKb / 1024, peakRssMiB: r.peakRssKb / 1024, cpuSeconds: r.cpuSeconds,
  };
}

export async function benchScaleBlobs(sizeMiB: number, log: (msg: string) => void): Promise<BlobReport> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-scale-blobs-'));
  const report: BlobReport = { sizeMiB, rows: [] };
  try {
    const file = join(dir, 'layer.bin');
    log(`blobs: writing a ${sizeMiB} MiB random layer…`);
    randomFile(file, sizeMiB);

    const local = { KILN_DATA_DIR: join(dir, 'local') };
    log('blobs: local folder put / get…');
    const put = await blobOp(local, 'put', file);
    report.rows.push(row('local folder', 'put', put));
    report.rows.push(row('local folder', 'get', await blobOp(local, 'get', put.digest)));
    rmSync(local.KILN_DATA_DIR, { recursive: true, force: true });

    const server = await startS3Process(BUCKET);
    try {
      const s3 = server.blobStoreEnv('blobs');
      log('blobs: S3 put / get (cold cache)…');
      const s3put = await blobOp({ ...s3, KILN_DATA_DIR: join(dir, 's3-put') }, 'put', file);
      report.rows.push(row('S3 test server', 'put', s3put));
      report.rows.push(row('S3 test server', 'get', await blobOp({ ...s3, KILN_DATA_DIR: join(dir, 's3-get') }, 'get', s3put.digest)));
    } finally {
      const peak = await server.stop();
      if (peak !== undefined) report.s3ServerPeakRssMiB = peak;
    }
    return report;
  } catch (err) {
    report.notRun = (err as Error).message.split('\n')[0];
    log(`blobs: ${report.notRun}`);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
