import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { REGION } from '../support/kiln.js';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';
import { signV3, type RawResponse } from '../support/wire.js';
import { captureSdkRequest, ecsClient, sendCaptured, type CapturedRequest } from './support/sdk-capture.js';

/*
 * A nonce is claimed under exactly the text its signature covers. A request signed by the
 * official ECS SDK is captured off the wire, sent once, then sent again with its nonce
 * changed in ways a careless canonicalization would not see: a no-break space (byte 0xA0)
 * around the V3 `x-acs-signature-nonce` value (JavaScript's `trim()` strips U+00A0), the
 * header repeated, or the V1 `SignatureNonce` re-encoded or repeated. Every variant must be
 * refused and no second template may appear. Before the fix the 0xA0 variants were served,
 * each under a "new" nonce: unlimited replays.
 */

let creds: { accessKeyId: string; accessKeySecret: string };
const api = kilnFixture({}, async (kiln) => {
  creds = await newAccessKey(kiln);
});
let counter = 0;

function signedCreate(name: string, dialect: 'v3' | 'v1'): Promise<CapturedRequest> {
  return captureSdkRequest(creds, dialect, (c) => c.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
    regionId: REGION, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd', name, buildContent: 'RUN echo hello',
  })));
}

async function templatesNamed(name: string): Promise<number> {
  const client = ecsClient(new URL(api.kiln.endpoint).host, creds, 'v3');
  const res = await client.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, name, maxResults: 100 }));
  return res.body?.imagePipeline?.imagePipelineSet?.length ?? 0;
}

/** Sends a request whose headers may repeat (an array value is sent as one header line per value). */
function sendRepeated(r: { method: string; path: string; body: string }, headers: Record<string, string | string[]>): Promise<RawResponse> {
  const url = new URL(api.kiln.endpoint);
  const body = Buffer.from(r.body, 'utf8');
  const { connection: _c, 'content-length': _l, ...rest } = headers;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: Number(url.port), method: r.method, path: r.path, headers: { ...rest, 'content-length': String(body.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function codeOf(res: RawResponse): string {
  return String(res.json().Code);
}

describe('V3 x-acs-signature-nonce', () => {
  test('a no-break space (0xA0) around a used nonce does not make it a new one', async () => {
    const name = `nonce-nbsp-${++counter}`;
    const signed = await signedCreate(name, 'v3');
    const nonce = signed.headers['x-acs-signature-nonce'] ?? '';
    assert.match(nonce, /^[0-9a-f]{32,64}$/, 'the SDK sends a hex nonce');
    const first = await sendCaptured(api.kiln.endpoint, signed);
    assert.equal(first.status, 200, first.text);

    for (const variant of [`${nonce}\u00a0`, `\u00a0${nonce}`, `\u00a0${nonce}\u00a0`, `${nonce}\u00a0\u00a0`]) {
      // node:http writes header values as latin1: U+00A0 goes out as the single byte 0xA0.
      const replay = await sendCaptured(api.kiln.endpoint, { ...signed, headers: { ...signed.headers, 'x-acs-signature-nonce': variant } });
      assert.equal(replay.status, 400, `${JSON.stringify(variant)} was served: ${replay.text}`);
      assert.equal(codeOf(replay), 'SignatureDoesNotMatch', replay.text);
    }
    assert.equal(codeOf(await sendCaptured(api.kiln.endpoint, signed)), 'SignatureNonceUsed');
    assert.equal(await templatesNamed(name), 1);
  });

  test('a repeated nonce header is refused, even when its values join to the signed text', async () => {
    // A nonce with a comma: repeated header values are joined with "," before signing, so
    // ["a", "b"] signs like "a,b". A server that claimed the first value would take "a".
    const name = `nonce-repeated-${++counter}`;
    const [a, b] = [randomUUID(), randomUUID()].sort() as [string, string];
    const signed = signV3({
      accessKeyId: creds.accessKeyId, secret: creds.accessKeySecret, action: 'CreateImagePipeline', host: new URL(api.kiln.endpoint).host,
      nonce: `${a},${b}`,
      query: { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: 'busybox_x64_20G_kiln_base.vhd', Name: name, BuildContent: 'RUN echo hello' },
    });
    const first = await sendRepeated(signed, signed.headers);
    assert.equal(first.status, 200, first.text);

    for (const values of [[a, b], [b, a]]) {
      const replay = await sendRepeated(signed, { ...signed.headers, 'x-acs-signature-nonce': values });
      assert.equal(replay.status, 400, `${JSON.stringify(values)} was served: ${replay.text}`);
      assert.equal(codeOf(replay), 'InvalidParameter', replay.text);
      assert.match(String(replay.json().Message), /x-acs-signature-nonce/);
    }
    assert.equal(await templatesNamed(name), 1);
  });

  test('a repeated x-acs-date is refused', async () => {
    const signed = await signedCreate(`nonce-date-${++counter}`, 'v3');
    const date = signed.headers['x-acs-date'] ?? '';
    const res = await sendRepeated({ ...signed }, { ...signed.headers, 'x-acs-date': [date, date] });
    assert.equal(res.status, 400, res.text);
    assert.equal(codeOf(res), 'InvalidParameter', res.text);
    assert.match(String(res.json().Message), /x-acs-date/);
  });
});

describe('V1 SignatureNonce', () => {
  test('the nonce claimed is the signed value: re-encoded or repeated nonces are refused', async () => {
    const name = `nonce-v1-${++counter}`;
    const signed = await signedCreate(name, 'v1');
    const m = /([?&])SignatureNonce=([^&]*)/.exec(signed.path);
    assert.ok(m, signed.path);
    const first = await sendCaptured(api.kiln.endpoint, signed);
    assert.equal(first.status, 200, first.text);

    const withNonce = (encoded: string) => signed.path.replace(`${m[1]}SignatureNonce=${m[2]}`, `${m[1]}SignatureNonce=${encoded}`);
    const variants: Array<[string, string, string]> = [
      ['trailing 0xA0 (UTF-8)', withNonce(`${m[2]}%C2%A0`), 'SignatureDoesNotMatch'],
      ['trailing space', withNonce(`${m[2]}+`), 'SignatureDoesNotMatch'],
      ['leading space', withNonce(`%20${m[2]}`), 'SignatureDoesNotMatch'],
      // An earlier copy is not what the signature covers (the last value is): refused outright.
      ['repeated, another value first', `${signed.path.replace('?', `?SignatureNonce=${randomUUID()}&`)}`, 'InvalidParameter'],
      ['repeated, same value', `${signed.path}&SignatureNonce=${m[2]}`, 'InvalidParameter'],
    ];
    for (const [what, path, code] of variants) {
      const replay = await sendCaptured(api.kiln.endpoint, { ...signed, path });
      assert.equal(replay.status, 400, `${what} was served: ${replay.text}`);
      assert.equal(codeOf(replay), code, `${what}: ${replay.text}`);
    }
    assert.equal(codeOf(await sendCaptured(api.kiln.endpoint, signed)), 'SignatureNonceUsed');
    assert.equal(await templatesNamed(name), 1);
  });
});
