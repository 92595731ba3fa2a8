import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A user name and password (or token) for a registry. Never printed. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** The most bytes of a docker-style config file Kiln reads. */
const MAX_AUTH_FILE_BYTES = 1024 * 1024;

/** The docker-style config file used when none is named: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultAuthFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** The host[:port] of an `auths` key, which docker writes as `host`, `https://host` or `https://host/v1/`. */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

/**
 * The credentials for `registry` in a docker-style config file (`auths.<registry>.auth`, the
 * base64 of `user:password`, or its `username`/`password`). `undefined` when the file has none
 * for it; a missing file is `undefined` unless `required` (a file named by `--authfile`).
 * Errors never quote the file's secrets.
 */
export async function credentialsFromAuthFile(file: string, registry: string, required: boolean): Promise<RegistryCredentials | undefined> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_AUTH_FILE_BYTES) throw new Error(`the auth file ${file} is larger than ${MAX_AUTH_FILE_BYTES} bytes`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return undefined;
    throw err;
  }
  let parsed: { auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown }> };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`the auth file ${file} is not JSON`);
  }
  const host = registry.toLowerCase();
  const entry = Object.entries(parsed.auths ?? {}).find(([key]) => keyHost(key) === host)?.[1];
  if (!entry) return undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new Error(`the auth file ${file} has an auth entry for ${registry} that is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  return undefined;
}

/** The credential flags of `kiln images push|pull`. */
export interface CredentialFlags {
  username?: string;
  /** The password (or token) is read from standard input. */
  passwordStdin?: boolean;
  authfile?: string;
}

/**
 * The credentials for `registry`: `--username` with the password from standard input (its
 * trailing newline dropped), else the `--authfile` (which must exist), else the default
 * docker config file's entry, else none (anonymous).
 */
export async function resolveCredentials(registry: string, flags: CredentialFlags, readStdin: () => Promise<string>): Promise<RegistryCredentials | undefined> {
  if (flags.username !== undefined || flags.passwordStdin) {
    if (!flags.username || !flags.passwordStdin) throw new Error('--username and --password-stdin go together');
    const password = (await readStdin()).replace(/\r?\n$/, '');
    if (password === '') throw new Error('--password-stdin read an empty password');
    return { username: flags.username, password };
  }
  if (flags.authfile) return credentialsFromAuthFile(flags.authfile, registry, true);
  return credentialsFromAuthFile(defaultAuthFile(), registry, false);
}

/** Standard input read whole (at most 64 KiB: a password, not a stream). */
export async function readStdinText(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const c of stdin) {
    const buf = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
    bytes += buf.length;
    if (bytes > 64 * 1024) throw new Error('--password-stdin: standard input is longer than 64 KiB');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
