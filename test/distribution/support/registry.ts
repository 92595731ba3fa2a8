import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { freePort } from '../../support/child.js';

/*
 * A real registry for the tests: Debian's `docker-registry` (distribution 2.8) on a free
 * loopback port, filesystem storage in a folder of the test, with htpasswd (bcrypt) or token
 * authentication. Its output (the access log: one line per request) is kept for assertions.
 */

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export type RegistryAuth =
  | { kind: 'htpasswd'; username: string; password: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; certFile: string };

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** The registry's storage folder (`docker/registry/v2/…` below it). */
  storage: string;
  /** Everything the registry printed so far (access log lines included). */
  log(): string;
  /** The access log's request lines (`POST /v2/…/blobs/uploads/?… 202`), from `since` (an earlier `log().length`). */
  requests(since?: number): string[];
  stop(): Promise<void>;
}

/** Starts the registry in `dir` (config, storage, htpasswd) and waits until `/v2/` answers. */
export async function startRegistry(dir: string, auth: RegistryAuth): Promise<TestRegistry> {
  const port = await freePort();
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  let authYaml: string;
  if (auth.kind === 'htpasswd') {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, `${auth.username}:${bcrypt.hashSync(auth.password, 8)}\n`);
    authYaml = `  htpasswd:\n    realm: kiln-test\n    path: ${file}\n`;
  } else {
    authYaml = `  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n    rootcertbundle: ${auth.certFile}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: kiln-test-secret',
    'auth:',
    authYaml,
  ].join('\n'));
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test process that ends without its `after` hook (a crash) still stops its registry.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    process.off('exit', killOnExit);
    resolve();
  }));
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilServing(host, () => child.exitCode !== null, () => out);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host,
    storage,
    log: () => out,
    requests: (since = 0) => out.slice(since).split('\n').flatMap((line) => {
      const m = /"([A-Z]+) (\S+) HTTP\/1\.1" (\d{3})/.exec(line);
      return m ? [`${m[1]} ${m[2]} ${m[3]}`] : [];
    }),
    stop,
  };
}

/** Polls `GET /v2/` until the registry answers (any status), for at most 200 tries. */
async function waitUntilServing(host: string, exited: () => boolean, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (exited()) throw new Error(`docker-registry exited:\n${log()}`);
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`docker-registry did not answer on ${host}:\n${log()}`);
}

/** A self-signed RSA certificate and key made by `openssl` in `dir`: the token issuer's. */
export function makeCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'token.crt');
  const keyFile = join(dir, 'token.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=kiln-test-token-issuer'], { stdio: 'pipe' });
  return { certFile, keyFile };
}
