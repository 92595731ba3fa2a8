import { Agent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
/*
 * The load generator: autocannon (closed loop, N keep-alive connections, one request in
 * flight per connection), asking for a freshly signed request before every send.
 *
 * autocannon rebuilds a request from an object (method, path, headers) through its own
 * builder whenever `setupRequest` is set; that builder (object merges, header joins) costs
 * more than the signing itself. So each client's builder is replaced, through autocannon's
 * `setupClient` hook, by one that returns the bytes `signRaw()` produced: per request the
 * generator only signs and writes. Latencies are recorded here from autocannon's per-response
 * event with sub-millisecond resolution (autocannon's histogram keeps whole milliseconds).
 */

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}

/** The part of autocannon's per-connection client that the builder override touches. */
interface AutocannonClient {
  requestIterator: { requestBuilder: () => Buffer; rebuildRequest(): void };
}

interface AutocannonOptions {
  url: string;
  setupClient: (client: AutocannonClient) => void;
  connections: number;
  pipelining: number;
  duration: number;
  timeout: number;
  requests: AutocannonRequest[];
  excludeErrorStats?: boolean;
}

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}

interface Instance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): void;
}

type Autocannon = (opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => Instance;

// autocannon ships no type declarations: load it through require and type what we use.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadOptions {
  port: number;
  connections: number;
  durationSec: number;
  /**
   * The bytes of the next request: freshly signed (new nonce and date) for real runs, or
   * always the same buffer to measure the generator's ceiling without signing.
   */
  next: () => Buffer;
}

export interface LoadResult {
  /** 2xx responses. */
  ok: number;
  /** Non-2xx responses, connection errors and timeouts. */
  failed: number;
  statusCodes: Record<string, number>;
  /** The body of the first non-2xx response, if any (to say why). */
  firstFailure?: string;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Latencies (ms) in a growable Float64Array. */
class Samples {
  #data = new Float64Array(1 << 16);
  #n = 0;
  add(v: number): void {
    if (this.#n === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#n++] = v;
  }
  summary(): { p50: number; p99: number; mean: number; max: number } {
    const s = this.#data.subarray(0, this.#n).sort();
    if (s.length === 0) return { p50: NaN, p99: NaN, mean: NaN, max: NaN };
    const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
    let sum = 0;
    for (const v of s) sum += v;
    return { p50: at(0.5), p99: at(0.99), mean: sum / s.length, max: s[s.length - 1]! };
  }
}

/** Runs one closed-loop load against 127.0.0.1:port and summarises it. */
export function runLoad(o: LoadOptions): Promise<LoadResult> {
  let firstFailure: string | undefined;
  const onResponse = (status: number, body: string) => {
    if ((status < 200 || status >= 300) && firstFailure === undefined) firstFailure = `${status} ${body.slice(0, 300)}`;
  };
  // setupRequest only makes autocannon call the builder before every request.
  const request: AutocannonRequest = { setupRequest: (req) => req, onResponse };
  const setupClient = (client: AutocannonClient) => {
    client.requestIterator.requestBuilder = o.next;
    client.requestIterator.rebuildRequest(); // the first request was built by the default builder
  };
  const samples = new Samples();
  let ok = 0;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${o.port}`,
        connections: o.connections,
        pipelining: 1,
        duration: o.durationSec,
        timeout: 30,
        requests: [request],
        setupClient,
      },
      (err, result) => {
        if (err) return reject(err);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        resolve({
          ok,
          failed: result.non2xx + result.errors + result.timeouts,
          statusCodes,
          ...(firstFailure !== undefined ? { firstFailure } : {}),
          seconds,
          rps: ok / seconds,
          ...samples.summary(),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, ms) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        samples.add(ms);
      }
    });
  });
}

/** One signed request over node:http, awaited (setup steps: walking NextToken, shape checks). */
export function callOnce(port: number, req: { method: string; path: string; headers: Record<string, string> }): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end();
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Closes callOnce's kept-alive socket (so the bench can exit promptly). */
export function closeCallAgent(): void {
  agent.destroy();
}
