import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleFetch, consoleSignIn, type ConsoleSession } from '../support/console.js';
import { BUSYBOX } from '../support/ecs-requests.js';
import { REGION } from '../support/kiln.js';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';
import { rfc3986Encode, sendRaw, signV1, v1CommonParams } from '../support/wire.js';

/*
 * The console's call and validate routes over real HTTP against a real `kiln serve`: a call
 * answers what the RPC endpoint answers (a V1-signed form POST, Format=JSON) for the same action,
 * as the session's account; validation reports what a create refuses, on its line. Account A
 * signs in to the console; account B exists to own what A must not reach.
 */

let a: ConsoleSession;
let bKey: { accessKeyId: string; accessKeySecret: string };
const fx = kilnFixture({}, async (kiln) => {
  a = await consoleSignIn(kiln.endpoint, kiln.credentials.accessKeyId, kiln.credentials.accessKeySecret);
  bKey = await newAccessKey(kiln);
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  contentType: string | null;
}

async function post(session: ConsoleSession, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await consoleFetch(fx.kiln.endpoint, session, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as Record<string, unknown>, contentType: res.headers.get('content-type') };
}

const call = (action: string, params: Record<string, string>, session = a) => post(session, '/console/api/call', { Action: action, Parameters: params });
const validate = (kind: string, content: string) => post(a, '/console/api/validate', { RegionId: REGION, Kind: kind, Content: content });
/** The RPC endpoint's answer to `action` signed with `key` (default: account A's): V1, a form body, Format=JSON. */
async function rpcAnswer(action: string, params: Record<string, string>, key = { accessKeyId: fx.kiln.credentials.accessKeyId, accessKeySecret: fx.kiln.credentials.accessKeySecret }): Promise<Answer> {
  const all = { ...v1CommonParams({ accessKeyId: key.accessKeyId, action }), ...params };
  const signed = { ...all, Signature: signV1('POST', all, key.accessKeySecret).signature };
  const res = await sendRaw(fx.kiln.endpoint, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: rfc3986Encode(signed) });
  return { status: res.status, body: res.json(), contentType: String(res.headers['content-type']) };
}
const rpc = async (action: string, params: Record<string, string>) => (await rpcAnswer(action, params)).body;
const rpcB = async (action: string, params: Record<string, string>) => (await rpcAnswer(action, params, bKey)).body;
const rpcError = async (action: string, params: Record<string, string>) => {
  const r = await rpcAnswer(action, params);
  assert.notEqual(r.status, 200, `${action} succeeded: ${JSON.stringify(r.body)}`);
  return { status: r.status, code: r.body.Code, message: r.body.Message };
};
const withoutRequestId = ({ RequestId, ...rest }: Record<string, unknown>) => {
  assert.match(String(RequestId), /^[0-9A-F-]{36}$/);
  return rest;
};

const template = (name: string, extra: Record<string, string> = {}) => ({ RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BUSYBOX, Name: name, BuildContent: 'RUN echo hi', ...extra });

test('a Create / Describe / Delete round trip through /console/api/call answers what the RPC endpoint answers, as the session\'s account', async () => {
  const created = await call('CreateImagePipeline', template('console-call-1', { 'Tag.1.Key': 'team', 'Tag.1.Value': 'console' }));
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.contentType, 'application/json;charset=utf-8');
  const id = String(created.body.ImagePipelineId);
  assert.match(id, /^ip-/);
  assert.deepEqual(Object.keys(created.body).sort(), ['ImagePipelineId', 'RequestId']);

  const describe = { RegionId: REGION, 'ImagePipelineId.1': id };
  const viaConsole = await call('DescribeImagePipelines', describe);
  assert.equal(viaConsole.status, 200);
  const viaRpc = await rpcAnswer('DescribeImagePipelines', describe);
  assert.deepEqual([viaConsole.status, viaConsole.contentType], [viaRpc.status, viaRpc.contentType]);
  assert.deepEqual(withoutRequestId(viaConsole.body), withoutRequestId(viaRpc.body));
  assert.equal((viaConsole.body as { TotalCount: number }).TotalCount, 1);

  const deleted = await call('DeleteImagePipeline', { RegionId: REGION, ImagePipelineId: id });
  assert.equal(deleted.status, 200);
  assert.deepEqual(withoutRequestId(deleted.body), {});
  assert.equal((await rpc('DescribeImagePipelines', describe) as { TotalCount: number }).TotalCount, 0);
});

test('an invalid parameter, an unknown action and a missing one: the RPC endpoint\'s code, message and status', async () => {
  const bad = template('console-call-bad', { SystemDiskSize: '7' });
  const viaConsole = await call('CreateImagePipeline', bad);
  const viaRpc = await rpcError('CreateImagePipeline', bad);
  assert.equal(viaRpc.code, 'InvalidSystemDiskSize.NotSupportedValue');
  assert.deepEqual({ status: viaConsole.status, code: viaConsole.body.Code, message: viaConsole.body.Message }, viaRpc);

  const unknown = await call('NoSuchAction', { RegionId: REGION });
  assert.deepEqual({ status: unknown.status, code: unknown.body.Code, message: unknown.body.Message }, await rpcError('NoSuchAction', { RegionId: REGION }));
  assert.equal(unknown.body.Code, 'InvalidAction.NotFound');

  const none = await post(a, '/console/api/call', { Parameters: { RegionId: REGION } });
  assert.equal(none.status, 400);
  assert.equal(none.body.Code, 'MissingParameter.Action');
  for (const body of [{ Action: 'DescribeRegions', Parameters: { RegionId: 1 } }, { Action: 'DescribeRegions', Parameters: [] }, { Action: ['DescribeRegions'] }]) {
    const r = await post(a, '/console/api/call', body);
    assert.deepEqual([r.status, r.body.Code], [400, 'InvalidParameter'], JSON.stringify(body));
  }
});

test('another account\'s template and execution are NotFound through the console, with the API\'s codes', async () => {
  const theirs = String((await rpcB('CreateImagePipeline', template('console-call-b'))).ImagePipelineId);
  const execution = String((await rpcB('StartImagePipelineExecution', { RegionId: REGION, ImagePipelineId: theirs })).ExecutionId);

  for (const [action, params] of [
    ['DeleteImagePipeline', { RegionId: REGION, ImagePipelineId: theirs }],
    ['StartImagePipelineExecution', { RegionId: REGION, ImagePipelineId: theirs }],
    ['CancelImagePipelineExecution', { RegionId: REGION, ExecutionId: execution }],
  ] as const) {
    const viaConsole = await call(action, params);
    const viaRpc = await rpcError(action, params);
    assert.match(String(viaRpc.code), /NotFound$/, action);
    assert.deepEqual({ status: viaConsole.status, code: viaConsole.body.Code, message: viaConsole.body.Message }, viaRpc, action);
  }
  const described = await call('DescribeImagePipelineExecutions', { RegionId: REGION, ExecutionId: execution });
  assert.equal((described.body as { TotalCount: number }).TotalCount, 0);

  // The log stream of B's execution, asked for with A's session.
  const logs = await consoleFetch(fx.kiln.endpoint, a, `/console/api/executions/${execution}/logs`);
  assert.equal(logs.status, 404);
  assert.equal((await logs.json() as { Code: string }).Code, 'InvalidImagePipelineExecution.NotFound');
});

test('without the CSRF token or the session, /call and /validate are refused before anything runs', async () => {
  for (const path of ['/console/api/call', '/console/api/validate']) {
    const body = path.endsWith('call') ? { Action: 'CreateImagePipeline', Parameters: template('console-csrf') } : { RegionId: REGION, Kind: 'BuildContent', Content: 'RUN echo' };
    const noCsrf = await post(a, path, body, { 'x-kiln-csrf': '' });
    assert.deepEqual([noCsrf.status, noCsrf.body.Code], [403, 'Console.CsrfTokenInvalid'], path);
    const wrongCsrf = await post(a, path, body, { 'x-kiln-csrf': `${a.csrf}x` });
    assert.deepEqual([wrongCsrf.status, wrongCsrf.body.Code], [403, 'Console.CsrfTokenInvalid'], path);
    const noSession = await post({ ...a, cookie: '' }, path, body);
    assert.deepEqual([noSession.status, noSession.body.Code], [401, 'Console.SessionRequired'], path);
  }
  assert.equal((await rpc('DescribeImagePipelines', { RegionId: REGION, Name: 'console-csrf' }) as { TotalCount: number }).TotalCount, 0);
});

test('validate reports what a create refuses, on the line its message names', async () => {
  const build = 'RUN echo one\nNOSUCHCOMMAND two\nRUN echo three';
  const refused = await rpcError('CreateImagePipeline', template('console-validate', { BuildContent: build }));
  const v = await validate('BuildContent', build);
  assert.equal(v.status, 200);
  assert.equal(v.body.Valid, false);
  assert.deepEqual(v.body.Errors, [{ Line: 2, Code: refused.code, Message: refused.message }]);
  assert.match(String(refused.message), /^line 2:/);

  const content = 'RUN echo a\nRUN echo b\nFROM busybox';
  const component = { RegionId: REGION, Name: 'console-validate-c', Content: content };
  const componentRefused = await rpcError('CreateImageComponent', component);
  const vc = await validate('Content', content);
  assert.deepEqual(vc.body.Errors, [{ Line: 3, Code: componentRefused.code, Message: componentRefused.message }]);

  for (const [kind, text] of [['BuildContent', 'RUN echo ok\nENV A=b'], ['TestContent', 'RUN test -d /'], ['Content', 'RUN echo component']]) {
    const ok = await validate(kind!, text!);
    assert.deepEqual(withoutRequestId(ok.body), { Valid: true, Errors: [] }, kind);
  }

  // A COMPONENT line naming a component the account does not have: the error CreateImagePipeline gives.
  const missing = 'RUN echo x\nCOMPONENT ic-00000000000000000000';
  const missingRefused = await rpcError('CreateImagePipeline', template('console-validate-2', { BuildContent: missing }));
  const vm = await validate('BuildContent', missing);
  assert.deepEqual(vm.body.Errors, [{ Line: 2, Code: missingRefused.code, Message: missingRefused.message }]);

  const badKind = await validate('Dockerfile', 'RUN echo');
  assert.deepEqual([badKind.status, badKind.body.Code], [400, 'InvalidParameter']);
  const badRegion = await post(a, '/console/api/validate', { RegionId: 'xx-nowhere', Kind: 'Content', Content: 'RUN echo' });
  assert.deepEqual([badRegion.status, badRegion.body.Code], [404, 'InvalidRegionId.NotFound']);
});
