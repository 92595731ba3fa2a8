import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createAccount } from '../../../src/auth/accounts.js';
import { LocalBlobStore } from '../../../src/blobs/local-blob-store.js';
import { imagesImport } from '../../../src/cli/images-import.js';
import { loadConfig, type KilnConfig } from '../../../src/config/config.js';
import type { Image } from '../../../src/domain/image.js';
import { writeTar, type TarWriteEntry } from '../../../src/engine/layers/tar/tar-writer.js';
import { captured } from '../../support/captured-output.js';
import { boot } from '../../../src/main/boot.js';

/*
 * A Kiln data dir for the registry tests (its store, blob store and layers), images imported
 * into it with `kiln images import`, and accounts.
 */

export interface TestKilnData {
  config: KilnConfig;
  dir: string;
  blobs: LocalBlobStore;
  /** The first configured region: where the commands work without --region. */
  region: string;
  /** The default account's id. */
  accountId: string;
  cleanup(): void;
}

export async function kilnData(): Promise<TestKilnData> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-dist-'));
  const config = loadConfig({ KILN_DATA_DIR: join(dir, 'data'), ...(process.env.KILN_DATABASE_URL ? { KILN_DATABASE_URL: process.env.KILN_DATABASE_URL } : {}) });
  const { app, credentials } = await boot(config);
  await app.store.close();
  return { config, dir, blobs: new LocalBlobStore(join(config.dataDir, 'blobs')), region: config.regions[0]!.regionId, accountId: credentials.accountId, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Imports a rootfs tarball (a folder, a text file, and `bigBytes` random bytes in one file) as
 * an image named `name` of the default account; returns its ImageId.
 */
export async function importRootfs(k: TestKilnData, name: string, text: string, bigBytes = 0): Promise<string> {
  const file = join(k.dir, `${name}.tar`);
  const content = Buffer.from(text);
  const entries: TarWriteEntry[] = [
    { header: { name: 'etc/', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 } },
    { header: { name: 'etc/kiln-test', type: 'file', mode: 0o644, uid: 0, gid: 0, size: content.length, mtime: 1_700_000_000 }, body: content },
  ];
  if (bigBytes > 0) entries.push({ header: { name: 'big.bin', type: 'file', mode: 0o600, uid: 1000, gid: 1000, size: bigBytes, mtime: 1_700_000_000 }, body: randomBytes(bigBytes) });
  await pipeline(Readable.from(writeTar(entries)), createWriteStream(file));
  const r = await captured(() => imagesImport(k.config, [file, '--name', name]));
  rmSync(file);
  if (r.code !== 0) throw new Error(`kiln images import failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** An image the account owns (undefined when it owns none by that id or name). */
export async function ownedImage(k: TestKilnData, accountId: string, idOrName: string): Promise<Image | undefined> {
  const { app } = await boot(k.config);
  try {
    const scope = { accountId, regionId: k.region };
    return (await app.store.images.getOwned(scope, idOrName)) ?? (await app.store.images.listVisible(scope)).find((i) => i.imageName === idOrName && i.accountId === accountId);
  } finally {
    await app.store.close();
  }
}

/** A new account; returns its id. */
export async function newAccount(k: TestKilnData): Promise<string> {
  const { app } = await boot(k.config);
  try {
    return (await createAccount(app.store, k.config.regions.map((r) => r.regionId))).account.id;
  } finally {
    await app.store.close();
  }
}

/** The JSON of a blob of Kiln's blob store. */
export async function storedJson<T>(k: TestKilnData, digest: string): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const c of await k.blobs.get(digest)) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

/** True when a pull left nothing behind in the data dir (no scratch folder, no temp archive). */
export function noPullLeftovers(k: TestKilnData): boolean {
  const dir = join(k.config.dataDir, 'distribution', 'pulls');
  return !existsSync(dir) || readdirSync(dir).length === 0;
}
