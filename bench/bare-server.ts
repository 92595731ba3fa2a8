import { createServer } from 'node:http';

/*
 * The baseline: a bare node:http server that answers every request with the fixed body of a
 * successful CreateImagePipeline, with the headers Kiln sends. It reads the request (so the
 * parser and the socket work the same) but checks nothing — no signature, no store, no
 * framework. Run as its own process: `BARE_PORT=0 node --import tsx bench/bare-server.ts`.
 */

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
  console.log(`bare server listening on 127.0.0.1:${port}`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
