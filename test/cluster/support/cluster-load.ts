import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { clientAt } from '../../support/builds.js';
import { createPipeline, pipelineTags } from '../../support/ecs-requests.js';
import { rfc3986, signV1, v1CommonParams } from '../../support/wire.js';

export interface Key {
  accessKeyId: string;
  accessKeySecret: string;
}

/** GET `path` on `agent`'s connection; the status and the parsed JSON body. */
function getJson(endpoint: string, agent: Agent, path: string): Promise<{ status: number; body: Record<string, unknown>; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, endpoint), { agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, reusedSocket: req.reusedSocket });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A V1-signed `GET /?Action=…` (what the official SDK sends with `signatureAlgorithm: 'v2'`). */
function signedPath(key: Key, action: string, params: Record<string, string>): string {
  const all = { ...v1CommonParams({ accessKeyId: key.accessKeyId, action }), ...params };
  const { signature } = signV1('GET', all, key.accessKeySecret);
  return `/?${Object.entries({ ...all, Signature: signature }).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&')}`;
}

export interface LoadResult {
  /** Ids of the acknowledged creates. */
  created: string[];
  /** Refused creates by error code (4xx only: a 5xx fails the run). */
  refused: Map<string, number>;
}

/**
 * `clients` official SDK clients (each its own connections) creating `each` templates one
 * after another, all at once. Any 5xx or transport error fails; 4xx refusals are counted.
 */
export async function createUnderLoad(endpoint: string, key: Key, clients: number, each: number): Promise<LoadResult> {
  const refused = new Map<string, number>();
  const created = await Promise.all(Array.from({ length: clients }, async (_, c) => {
    const client = clientAt(endpoint, key);
    const ids: string[] = [];
    for (let i = 0; i < each; i++) {
      try {
        ids.push(await createPipeline(client, { name: `cluster-${c}-${i}`, tag: pipelineTags([['c', String(c)]]) }));
      } catch (err) {
        const e = err as { statusCode?: number; code?: string; message?: string };
        assert.ok(e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500, `client ${c} create ${i}: ${e.statusCode} ${e.code} ${e.message}`);
        refused.set(e.code ?? '?', (refused.get(e.code ?? '?') ?? 0) + 1);
      }
    }
    return ids;
  }));
  return { created: created.flat(), refused };
}

/**
 * Reads the region's templates through each of the `processes` API processes: one keep-alive
 * connection at a time asks `/healthz` which process it reached, then lists the templates on
 * that same connection (a connection stays with the process that accepted it). New
 * connections until every process has answered; each answer must be exactly `expected`.
 * Resolves with the pids that answered.
 */
export async function readFromEveryProcess(endpoint: string, key: Key, expected: readonly string[], processes: number): Promise<Set<number>> {
  const seen = new Set<number>();
  const want = [...expected].sort();
  for (let attempt = 0; seen.size < processes; attempt++) {
    assert.ok(attempt < 500, `only ${seen.size} of ${processes} API processes reached in 500 connections`);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const health = await getJson(endpoint, agent, '/healthz');
      const pid = health.body.pid as number;
      if (seen.has(pid)) continue;
      const list = await getJson(endpoint, agent, signedPath(key, 'DescribeImagePipelines', { RegionId: 'cn-hangzhou', MaxResults: '100' }));
      assert.ok(list.reusedSocket, 'the listing went over the connection /healthz answered on');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const pipelines = (list.body.ImagePipeline as { ImagePipelineSet: Array<{ ImagePipelineId: string }> }).ImagePipelineSet;
      assert.deepEqual(pipelines.map((p) => p.ImagePipelineId).sort(), want, `process ${pid}`);
      assert.equal(list.body.TotalCount, want.length, `process ${pid}`);
      seen.add(pid);
    } finally {
      agent.destroy();
    }
  }
  return seen;
}

/** Resolves with the pid of an API process not in `old` once one answers `/healthz` (a restarted one). */
export async function waitForNewProcess(endpoint: string, old: ReadonlySet<number>): Promise<number> {
  for (;;) {
    const agent = new Agent({ keepAlive: false });
    try {
      const pid = (await getJson(endpoint, agent, '/healthz')).body.pid as number;
      if (!old.has(pid)) return pid;
    } finally {
      agent.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The pids `kiln serve` printed for its API processes. */
export function bannerPids(stdout: string): number[] {
  const m = /(\d+) API processes \(pids ([\d, ]+)\)/.exec(stdout);
  assert.ok(m, stdout);
  return m[2]!.split(', ').map(Number);
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A V1-signed `POST /` DescribeRegions whose body is held back: its headers (with `Expect:
 * 100-continue`) are sent at once, and `accepted` resolves when an API process has answered
 * `100 Continue` (it is serving the request). `finish` sends the body and resolves with the
 * response's status line and body.
 */
export async function heldRequest(endpoint: string, key: Key): Promise<{ accepted: Promise<void>; finish(): Promise<{ status: number; body: string }> }> {
  const { host, port } = new URL(endpoint);
  const params = { ...v1CommonParams({ accessKeyId: key.accessKeyId, action: 'DescribeRegions' }) };
  const { signature } = signV1('POST', params, key.accessKeySecret);
  const body = Object.entries({ ...params, Signature: signature }).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const socket = connect(Number(port), host.replace(/:\d+$/, ''));
  let received = '';
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('end', resolve);
  });
  const accepted = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.startsWith('HTTP/1.1 100 Continue')) resolve();
    });
  });
  socket.write(`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
  return {
    accepted,
    async finish() {
      socket.write(body);
      await ended;
      const final = received.slice(received.indexOf('\r\n\r\n') + 4);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(final)?.[1] ?? 0);
      return { status, body: final.slice(final.indexOf('\r\n\r\n') + 4) };
    },
  };
}

/** Resolves once a new connection to `endpoint` is refused (every API process has closed its listener). */
export async function waitUntilRefused(endpoint: string): Promise<void> {
  const { host, port } = new URL(endpoint);
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(Number(port), host.replace(/:\d+$/, ''));
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
