import { readFileSync } from 'node:fs';
import { S3_KEY, startS3 } from '../test/support/s3.js';

/*
 * The test S3 server (test/support/s3.ts) in a process of its own, so the blob bench's client
 * and server do not share an event loop and each one's CPU and peak RSS are its own. Makes the
 * bucket named by SCALE_S3_BUCKET, prints `s3 server listening on <endpoint> key <id> <secret>`,
 * and on SIGTERM prints its peak RSS and stops (removing its folder).
 */

const s3 = await startS3();
await s3.createBucket(process.env.SCALE_S3_BUCKET ?? 'kiln-bench');
console.log(`s3 server listening on ${s3.endpoint} key ${S3_KEY.accessKeyId} ${S3_KEY.accessKeySecret}`);
process.once('SIGTERM', () => {
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  console.log(`s3 server peak RSS ${hwm ?? '?'} kB`);
  s3.stop().then(() => process.exit(0), () => process.exit(1));
});
