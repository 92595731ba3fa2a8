import cluster from 'node:cluster';
import { createServer } from 'node:http';

/*
 * The baseline: a bare node:http server that answers every request with the fixed body of a
 * successful CreateImagePipeline, with the headers Kiln sends. It reads the request (so the
 * parser and the socket work the same) but checks nothing — no signature, no store, no
 * framework. Run as its own process: `BARE_PORT=0 node --import tsx bench/bare-server.ts`.
 * `BARE_PROCESSES=N` (N > 1): a node:cluster primary forks N children that share the one port,
 * the layout `kiln serve --api-processes N` is compared with, with its scheduling policy
 * (SCHED_NONE: the children accept from the shared socket themselves, the kernel spreads the
 * connections; NODE_CLUSTER_SCHED_POLICY=rr overrides both); the line is printed once all listen.
 */

const PROCESSES = Math.max(1, Number(process.env.BARE_PROCESSES ?? 1));
if (PROCESSES > 1 && cluster.isPrimary) primary();
else child();

function primary(): void {
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  let listening = 0;
  let stopping = false;
  for (let i = 0; i < PROCESSES; i++) {
    cluster.fork().once('listening', (addr) => {
      if (++listening === PROCESSES) console.log(`bare server listening on 127.0.0.1:${addr.port} (${PROCESSES} processes)`);
    });
  }
  cluster.on('exit', (_w, code, signal) => {
    if (!stopping) {
      console.error(`bare server: a child exited (code ${code}, signal ${signal})`);
      process.exit(1);
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      process.exit(0);
    });
  }
}

function child(): void {
  const BODY = JSON.stringify({ RequestId: '4C3A2E6B-0F8B-4C1B-9E2A-1234567890AB', ImagePipelineId: 'ip-2ze5tsl5bp6nf2b3abcd' });
  const LENGTH = String(Buffer.byteLength(BODY));

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json;charset=utf-8',
        'content-length': LENGTH,
        'x-acs-request-id': '4C3A2E6B-0F8B-4C1B-9E2A-1234567890AB',
      });
      res.end(BODY);
    });
  });
  server.keepAliveTimeout = 65_000;

  server.listen(Number(process.env.BARE_PORT ?? 0), '127.0.0.1', () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    if (cluster.isPrimary) console.log(`bare server listening on 127.0.0.1:${port}`);
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      server.close();
      server.closeAllConnections();
      process.exit(0);
    });
  }
}
