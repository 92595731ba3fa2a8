import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import EcsModule, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import Fastify from 'fastify';
import { loggerOptions } from '../../src/observability/logging.js';
import { build, defaultCredentials } from '../support/builds.js';
import { freePort, spawnKiln, type KilnProcess } from '../support/child.js';

/*
 * Kiln's logs as an operator collects them: `kiln serve` as a process at KILN_LOG_LEVEL=debug,
 * its stdout read line by line. One JSON line per request (the RequestId the response carries,
 * account, action, code, status, duration), and no secret in any line whatever a client sends.
 */

const dirs: string[] = [];
let kiln: KilnProcess | undefined;
after(async () => {
  await kiln?.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PARAM_SECRET = 'paramSecretValue-7f3a9c1e55';
const PASSWORD = 'hunter2-registry-password-9911';
const V1_SIGNATURE = 'v1SignatureValue0123456789abcdefXYZ=';
const V3_SIGNATURE = 'f00dfacecafebabe0123456789abcdef0123456789abcdef0123456789abcdef';

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('one JSON line per request with its RequestId, account, action, code and status, the worker\'s lines with the execution id; no signature, secret or password in any line', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-logs-'));
  dirs.push(dataDir);
  kiln = await spawnKiln({ KILN_DATA_DIR: dataDir, KILN_PORT: String(await freePort()), KILN_WORKERS: '1', KILN_LOG_LEVEL: 'debug' });
  const key = defaultCredentials(dataDir);
  const url = new URL(kiln.endpoint);

  const ecs = new EcsModule.default(new $OpenApiUtil.Config({ accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, regionId: 'cn-hangzhou', endpoint: url.host, protocol: 'http' }));
  const ok = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
  const okId = ok.body?.requestId;
  const built = await build(ecs, { buildContent: 'RUN true' });
  assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));

  // V1: the signature, a secret and a password in the query string.
  const query = new URLSearchParams({
    Action: 'DescribeRegions', Version: '2014-05-26', Format: 'JSON', AccessKeyId: key.accessKeyId, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
    SignatureNonce: 'nonce-logs-1', Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), AccessKeySecret: PARAM_SECRET, Password: PASSWORD, Signature: V1_SIGNATURE,
  });
  const v1 = await fetch(`${kiln.endpoint}/?${query}`);
  assert.ok(v1.status >= 400 && v1.status < 500, String(v1.status));
  // V3: the signature in the Authorization header, a secret in the form body.
  const body = `AccessKeySecret=${PARAM_SECRET}&Password=${PASSWORD}`;
  const v3 = await fetch(`${kiln.endpoint}/`, {
    method: 'POST', body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded', 'x-acs-action': 'DescribeRegions', 'x-acs-version': '2014-05-26', 'x-acs-date': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      'x-acs-signature-nonce': 'nonce-logs-2', 'x-acs-content-sha256': 'UNSIGNED-PAYLOAD',
      authorization: `ACS3-HMAC-SHA256 Credential=${key.accessKeyId},SignedHeaders=host;x-acs-action;x-acs-date,Signature=${V3_SIGNATURE}`,
    },
  });
  assert.ok(v3.status >= 400 && v3.status < 500, String(v3.status));
  // Kiln's own routes: the path only.
  await fetch(`${kiln.endpoint}/kiln/v1/executions/exec-none/logs?Signature=${V1_SIGNATURE}&AccessKeySecret=${PARAM_SECRET}`);

  const failedIds = [v1.headers.get('x-acs-request-id'), v3.headers.get('x-acs-request-id')];
  const nativePath = '/kiln/v1/executions/exec-none/logs';
  const lines = await waitForLines(kiln, (ls) => [okId, ...failedIds].every((id) => ls.some((l) => l.requestId === id)) && ls.some((l) => l.path === nativePath)
    && ls.some((l) => l.msg === 'execution ended'));
  const okLine = lines.find((l) => l.requestId === okId);
  assert.deepEqual({ ...okLine, time: undefined, pid: undefined, hostname: undefined, durationMs: undefined }, {
    level: 30, time: undefined, pid: undefined, hostname: undefined, msg: 'request', requestId: okId, accountId: key.accountId, action: 'DescribeRegions', code: 'Success', status: 200, durationMs: undefined,
  });
  assert.equal(typeof okLine?.durationMs, 'number');
  for (const id of failedIds) {
    const line = lines.find((l) => l.requestId === id);
    assert.equal(line?.action, 'DescribeRegions');
    assert.equal(line?.accountId, undefined, 'never authenticated');
    assert.match(String(line?.code), /^[A-Z]\w+(\.\w+)?/);
  }

  // The worker's lines name the execution.
  const claimed = lines.find((l) => l.msg === 'execution claimed');
  assert.equal(claimed?.executionId, built.executionId);
  assert.equal(typeof claimed?.workerId, 'string');
  assert.deepEqual(lines.filter((l) => l.msg === 'execution ended').map((l) => [l.executionId, l.status]), [[built.executionId, 'SUCCESS']]);

  const everything = kiln.stdout() + kiln.stderr();
  for (const secret of [PARAM_SECRET, PASSWORD, V1_SIGNATURE, encodeURIComponent(V1_SIGNATURE), V3_SIGNATURE]) {
    assert.ok(!everything.includes(secret), `the output holds ${secret}`);
  }
  // The banner shows the generated default credentials once, on purpose; no log line holds them.
  assert.ok(!JSON.stringify(lines).includes(key.accessKeySecret), 'a log line holds the AccessKey secret');
});

async function waitForLines(k: KilnProcess, ok: (lines: Array<Record<string, unknown>>) => boolean): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const lines = jsonLines(k.stdout());
    if (ok(lines)) return lines;
    if (Date.now() > deadline) throw new Error(`the request lines never came; stdout:\n${k.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('secrets inside messages, stacks and fields are scrubbed from every line; pretty lines for a terminal', () => {
  const lines: string[] = [];
  const configured = 'configured-s3-secret-0123456789';
  for (const logFormat of ['json', 'pretty'] as const) {
    const log = Fastify({ logger: loggerOptions({ logLevel: 'info', logFormat }, { knownSecrets: [configured], destination: { write: (l) => lines.push(l) } }) }).log;
    log.error({ err: new Error(`GET /?Action=X&Signature=${V1_SIGNATURE} failed with "AccessKeySecret":"${PARAM_SECRET}" and ${configured}`) }, 'request failed');
    log.warn({ params: { AccessKeySecret: PARAM_SECRET, password: PASSWORD }, headers: { authorization: `ACS3-HMAC-SHA256 Signature=${V3_SIGNATURE}` } }, `auth ${configured}`);
  }
  assert.equal(lines.length, 4);
  for (const secret of [PARAM_SECRET, PASSWORD, V1_SIGNATURE, V3_SIGNATURE, configured]) {
    assert.ok(!lines.join('').includes(secret), `a line holds ${secret}: ${lines.join('')}`);
  }
  assert.match(lines[0] as string, /^\{"level":50,.*"msg":"request failed"\}\n$/);
  assert.match(lines[2] as string, /^\d\d:\d\d:\d\d\.\d{3} ERROR request failed\n {4}Error: GET \/\?Action=X&Signature=\[Redacted\]/);
  assert.match(lines[3] as string, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}auth \[Redacted\] params=\{"AccessKeySecret":"\[Redacted\]","password":"\[Redacted\]"\}/);
});
