import { spawnNode, type Child } from './processes.js';

/*
 * The S3 test server (test/support/s3.ts) as a child process of the bench (bench/scale-s3-server.ts),
 * with one bucket made, and the settings that point a Kiln's blob store at it.
 */

export interface S3Process {
  child: Child;
  endpoint: string;
  port: number;
  /** `KILN_BLOB_STORE` and `KILN_S3_*` for `s3://<bucket>/<prefix>` at `endpoint` (another address of the same server: a forwarder). */
  blobStoreEnv(prefix: string, endpoint?: string): Record<string, string>;
  /** SIGTERM; the server's peak RSS in MiB (undefined when it did not say). */
  stop(): Promise<number | undefined>;
}

export async function startS3Process(bucket: string): Promise<S3Process> {
  const child = await spawnNode({
    name: 's3 server',
    args: ['--import', 'tsx', 'bench/scale-s3-server.ts'],
    env: { SCALE_S3_BUCKET: bucket },
    ready: (out) => {
      const m = /s3 server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
  });
  const m = /s3 server listening on (\S+) key (\S+) (\S+)/.exec(child.output())!;
  const endpoint = m[1]!;
  return {
    child,
    endpoint,
    port: child.port,
    blobStoreEnv: (prefix, at = endpoint) => ({
      KILN_BLOB_STORE: `s3://${bucket}/${prefix}`, KILN_S3_ENDPOINT: at, KILN_S3_REGION: 'us-east-1',
      KILN_S3_ACCESS_KEY_ID: m[2]!, KILN_S3_SECRET_ACCESS_KEY: m[3]!, KILN_S3_FORCE_PATH_STYLE: 'true',
    }),
    async stop() {
      await child.stop(20_000);
      const hwm = /s3 server peak RSS (\d+) kB/.exec(child.output())?.[1];
      return hwm ? Number(hwm) / 1024 : undefined;
    },
  };
}
