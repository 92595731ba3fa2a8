import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../src/config/config.js';
import { blobStoreOf } from '../src/main/blob-store.js';

/*
 * One blob store operation in a process of its own, so its peak RSS is its own:
 * `node --import tsx bench/scale-blob-child.ts put <file>` or `… get <digest>`, with the store
 * chosen by the KILN_* settings in the environment (KILN_DATA_DIR, KILN_BLOB_STORE, KILN_S3_*)
 * through `blobStoreOf`, as Kiln's own processes choose it. `get` reads the blob to its end
 * and drops the bytes. Prints one JSON line: bytes, seconds, the RSS before the operation
 * (the process with its modules loaded) and the peak RSS (VmHWM) after it.
 */

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const [op, arg] = process.argv.slice(2);
  if ((op !== 'put' && op !== 'get') || !arg) throw new Error('usage: scale-blob-child.ts put <file> | get <digest>');
  const store = blobStoreOf(loadConfig());
  const rssBeforeKb = statusKb('VmRSS');
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  let digest = arg;
  if (op === 'put') {
    const info = await store.put(createReadStream(arg, { highWaterMark: 1 << 20 }));
    bytes = info.size;
    digest = info.digest;
  } else {
    const body = await store.get(arg);
    body.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    await pipeline(body, createWriteStream('/dev/null'));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ op, digest, bytes, seconds, rssBeforeKb, peakRssKb: statusKb('VmHWM'), cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`scale-blob-child: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
