import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseChallenge } from '../../src/distribution/challenge.js';
import { credentialsFromAuthFile, resolveCredentials } from '../../src/distribution/credentials.js';
import { progressView } from '../../src/distribution/progress-view.js';
import { parseReference } from '../../src/distribution/reference.js';
import { runCli } from '../support/child.js';

/* The distribution client's parsing: image references, auth challenges, docker config files, and the push's progress view. */

const dir = mkdtempSync(join(tmpdir(), 'kiln-dist-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('image references', () => {
  test('registry/repository:tag, @digest, no tag (latest), nested repositories and ports', () => {
    assert.deepEqual(parseReference('127.0.0.1:5000/team/app:1.0'), { registry: '127.0.0.1:5000', repository: 'team/app', reference: '1.0' });
    assert.deepEqual(parseReference('registry.example.com/a/b/c'), { registry: 'registry.example.com', repository: 'a/b/c', reference: 'latest' });
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseReference(`localhost:5000/app@${digest}`), { registry: 'localhost:5000', repository: 'app', reference: digest });
  });

  test('refused: no registry, upper case, a bad tag or digest, path tricks', () => {
    for (const bad of ['app:1.0', 'host/App:1', 'host/app:-x', 'host/app@sha256:abc', 'host/../x:1', 'host/a//b:1', 'ho st/app:1', 'host/app:1/../x']) {
      assert.throws(() => parseReference(bad), Error, bad);
    }
  });
});

describe('WWW-Authenticate challenges', () => {
  test('Basic and Bearer with quoted parameters (a scope with a comma)', () => {
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic' });
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
      scheme: 'bearer', realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push',
    });
    assert.deepEqual(parseChallenge('bearer realm=https://t/x, service="s"'), { scheme: 'bearer', realm: 'https://t/x', service: 's' });
  });

  test('none, another scheme, or a Bearer without realm: undefined', () => {
    assert.equal(parseChallenge(null), undefined);
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(parseChallenge('Bearer service="s"'), undefined);
  });
});

describe('credentials', () => {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ auths: {
    'https://reg.example:5000/v1/': { auth: Buffer.from('alice:pa:ss').toString('base64') },
    'other.example': { username: 'bob', password: 'pw' },
    'broken.example': { auth: Buffer.from('no-colon').toString('base64') },
  } }));

  test('a docker config file: auth (base64 user:password, the password may hold a colon), username/password, keys with scheme and path', async () => {
    assert.deepEqual(await credentialsFromAuthFile(file, 'reg.example:5000', true), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await credentialsFromAuthFile(file, 'other.example', true), { username: 'bob', password: 'pw' });
    assert.equal(await credentialsFromAuthFile(file, 'unknown.example', true), undefined);
  });

  test('a broken entry says so without quoting it; a missing --authfile is an error, a missing default file is not', async () => {
    await assert.rejects(credentialsFromAuthFile(file, 'broken.example', true), (e: Error) => /not base64 of user:password/.test(e.message) && !e.message.includes('no-colon'));
    await assert.rejects(credentialsFromAuthFile(join(dir, 'none.json'), 'x', true), /ENOENT/);
    assert.equal(await credentialsFromAuthFile(join(dir, 'none.json'), 'x', false), undefined);
  });

  test('--username with --password-stdin: the password read from standard input, its newline dropped', async () => {
    assert.deepEqual(await resolveCredentials('r', { username: 'u', passwordStdin: true }, async () => 'secret\n'), { username: 'u', password: 'secret' });
    await assert.rejects(resolveCredentials('r', { username: 'u', passwordStdin: true }, async () => '\n'), /empty password/);
    assert.deepEqual(await resolveCredentials('reg.example:5000', { authfile: file }, async () => ''), { username: 'alice', password: 'pa:ss' });
  });
});

describe('push progress', () => {
  const stream = (isTTY: boolean) => {
    let text = '';
    return { out: { isTTY, write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WriteStream, text: () => text };
  };
  const blobs = [{ mediaType: 'c', digest: `sha256:${'1'.repeat(64)}`, size: 100 }, { mediaType: 'l', digest: `sha256:${'2'.repeat(64)}`, size: 300 }];

  test('a terminal gets one bar redrawn in place', () => {
    const s = stream(true);
    const view = progressView(s.out, 'pushing');
    view.begin!(blobs, 400);
    view.bytes!(blobs[0]!.digest, 100);
    view.done!(blobs[0]!, 'exists');
    view.bytes!(blobs[1]!.digest, 300);
    view.done!(blobs[1]!, 'uploaded');
    assert.match(s.text(), /^\r\[ {30}\] 0% 0\.0 MB\/0\.0 MB blobs 0\/2/);
    assert.match(s.text(), /\r\[#{30}\] 100% .* blobs 2\/2\n$/);
    assert.doesNotMatch(s.text(), /\n(?!$)/, 'no line but the last');
  });

  test('a pipe gets one line per blob', () => {
    const s = stream(false);
    const view = progressView(s.out, 'pushing');
    view.begin!(blobs, 400);
    view.done!(blobs[0]!, 'mounted', 'team/app');
    view.done!(blobs[1]!, 'uploaded');
    assert.equal(s.text(), `pushing 2 blobs, 400 bytes\nblob sha256:111111111111 100 bytes: mounted from team/app (1/2)\nblob sha256:222222222222 300 bytes: uploaded (2/2)\n`);
  });
});

describe('the kiln CLI', () => {
  test('images push and pull are commands; their usage errors exit 2 before anything is opened', async () => {
    const push = await runCli(['images', 'push', 'm-x'], { KILN_DATA_DIR: join(dir, 'data') });
    assert.equal(push.code, 2);
    assert.match(push.stderr, /kiln images push: an ImageId and a registry\/repository:tag are required\nusage: kiln images push/);
    const pull = await runCli(['images', 'pull', 'host/app:1', '--name', 'n', '--username', 'u'], { KILN_DATA_DIR: join(dir, 'data') });
    assert.equal(pull.code, 2);
    assert.match(pull.stderr, /--username and --password-stdin go together/);
    const help = await runCli(['--help'], {});
    assert.match(help.stdout, /images push <ImageId> <registry>\/<repository>:<tag>/);
    assert.match(help.stdout, /images pull <registry>\/<repository>:<tag>\|@<digest> --name N/);
  });
});
