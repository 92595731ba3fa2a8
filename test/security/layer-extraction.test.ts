import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { imagesImport } from '../../src/cli/images-import.js';
import { newAccountImage } from '../../src/domain/image.js';
import { ecsTime } from '../../src/domain/time.js';
import { initialConfig } from '../../src/engine/image-config.js';
import { writeImage } from '../../src/engine/image/oci-image.js';
import { LAYER_MEDIA_TYPE } from '../../src/engine/layers/capture-layer.js';
import { extractLayer, UnsafeLayerPathError } from '../../src/engine/layers/extract-layer.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { importImageOptions } from '../support/ecs-requests.js';
import { REPO_ROOT } from '../support/child.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { build, uniqueName } from '../support/builds.js';
import { blockDev, charDev, dir, fifo, file, gnuLongName, hardlink, member, paxHeader, symlink, tarOf } from './crafted-tar.js';

/*
 * Issue 8, item 1: a layer never writes outside itself. A corpus of crafted tars (`..`, absolute
 * names, writes through symlinks, hardlinks out of the layer, the deferred-entry swap, device
 * nodes, symlink loops, 4 KB names, PAX renames, xattr names, duplicates) goes through every path that
 * unpacks an archive: the extractor, the layer store (a blob), `kiln images import`, a
 * BaseImageType=OSS build through the SDK against s3rver, and a build on an image whose layer
 * is in the blob store. Each case either extracts exactly the expected tree inside the layer or
 * is refused with a clear error, and a canary folder outside the layer is identical afterwards
 * (types, modes, owners, link counts, inodes, times, contents, xattrs).
 */

const run = promisify(execFile);
const IMAGES = 'kiln-corpus';
const UNSAFE = 'InvalidImage.UnsafeLayer';

let work: string;
let canary: string;
let baseline: string;
let s3: TestS3;
let kiln: TestKiln;

/** What a case must give: `refused`, or exactly this tree (path → description) in the layer. */
interface Case {
  name: string;
  tar: Buffer;
  layer?: Record<string, string>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Everything about a folder an escaping write could change (atime aside), one line per entry. */
function listing(root: string): string {
  const lines: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    const st = lstatSync(abs, { bigint: true });
    const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'other';
    const what = type === 'file' ? sha256(readFileSync(abs)) : type === 'symlink' ? readlinkSync(abs) : '';
    lines.push(`${rel || '.'} ${type} mode=${st.mode.toString(8)} owner=${st.uid}:${st.gid} nlink=${st.nlink} ino=${st.ino} size=${st.size} rdev=${st.rdev} mtime=${st.mtimeNs} ctime=${st.ctimeNs} ${what}`);
    if (type === 'dir') for (const name of readdirSync(abs).sort()) walk(rel === '' ? name : `${rel}/${name}`);
  };
  walk('');
  const xattrs = execFileSync('getfattr', ['--absolute-names', '-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', root], { encoding: 'utf8' });
  return `${lines.join('\n')}\n--- xattrs\n${xattrs}`;
}

/**
 * A fresh canary folder (at the same path) and its listing: each case starts from an intact
 * one, so a case that damages it fails alone.
 */
function resetCanary(): void {
  rmSync(canary, { recursive: true, force: true });
  mkdirSync(join(canary, 'sub'), { recursive: true });
  writeFileSync(join(canary, 'victim.txt'), 'original victim\n');
  writeFileSync(join(canary, 'secret'), 'secret\n', { mode: 0o600 });
  writeFileSync(join(canary, 'sub', 'inner.txt'), 'inner\n');
  writeFileSync(join(canary, 'hard-a'), 'shared\n');
  linkSync(join(canary, 'hard-a'), join(canary, 'hard-b'));
  symlinkSync('victim.txt', join(canary, 'link'));
  execFileSync('mkfifo', [join(canary, 'existing-fifo')]);
  execFileSync('setfattr', ['-n', 'user.canary', '-v', 'intact', join(canary, 'victim.txt')]);
  baseline = listing(canary);
}

function assertCanaryIntact(where: string): void {
  assert.equal(listing(canary), baseline, `${where}: the canary folder outside the layer changed`);
}

/** The layer as path → `dir`, `file:<content>`, `symlink:<target>`, `char:M:m`, `block:M:m`, `fifo` (` nlink=N` when shared). */
function describeLayer(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, path);
      const st = lstatSync(abs);
      const dev = `${(st.rdev >> 8) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`;
      let d = st.isDirectory() ? 'dir' : st.isFile() ? `file:${readFileSync(abs, 'utf8')}` : st.isSymbolicLink() ? `symlink:${readlinkSync(abs)}` : st.isCharacterDevice() ? `char:${dev}` : st.isBlockDevice() ? `block:${dev}` : st.isFIFO() ? 'fifo' : 'other';
      if (!st.isDirectory() && st.nlink > 1) d += ` nlink=${st.nlink}`;
      out[path] = d;
      if (st.isDirectory()) walk(path);
    }
  };
  walk('');
  return out;
}

/** The directories leading to `path` (a relative name), as `describeLayer` lists them. */
function dirsTo(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) out[parts.slice(0, i).join('/')] = 'dir';
  return out;
}

/** The swap: deferred members under `a/`, then `a` becomes a symlink to the canary, then the hardlink's target. */
function swapTar(target: string, ...more: Buffer[]): Buffer {
  return tarOf(
    dir('a'),
    hardlink('a/victim.txt', 'payload'),
    fifo('a/pwned-fifo'),
    charDev('a/pwned-chr', 1, 3),
    symlink('a', target),
    file('payload', 'PWNED'),
    ...more,
  );
}

function corpus(): Case[] {
  const up = '../'.repeat(24);
  const rel = `${up}${canary.slice(1)}`; // from any layer dir, up to / and down to the canary
  const absName = `${canary.slice(1)}/abs-name.txt`;
  const longName = `${Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'n'.repeat(198)}`).join('/')}/${'f'.repeat(100)}`;
  return [
    { name: '.. in a name', tar: tarOf(file('../escape.txt', 'out')) },
    { name: '.. deep in a name', tar: tarOf(dir('x'), file(`x/${up}${canary.slice(1)}/escape.txt`, 'out')) },
    { name: 'an absolute name lands inside the layer', tar: tarOf(file(`${canary}/abs-name.txt`, 'in')), layer: { ...dirsTo(absName), [absName]: 'file:in' } },
    { name: 'symlink to an absolute host folder, then a file through it', tar: tarOf(symlink('esc', canary), file('esc/pwned.txt', 'out')) },
    { name: 'symlink to a relative path out, then a file through it', tar: tarOf(symlink('esc', rel), file('esc/pwned.txt', 'out')) },
    { name: 'symlink out, then a directory through it', tar: tarOf(symlink('esc', canary), dir('esc/newdir')) },
    { name: 'symlink out, then a whiteout through it', tar: tarOf(symlink('esc', canary), file('esc/.wh.victim.txt', '')) },
    { name: 'symlink out, then an opaque marker through it', tar: tarOf(symlink('esc', canary), file('esc/.wh..wh..opq', '')) },
    { name: 'symlink out, then a fifo through it', tar: tarOf(symlink('esc', canary), fifo('esc/pwned-fifo')) },
    { name: 'symlink out, then a hardlink named through it', tar: tarOf(file('payload', 'PWNED'), symlink('esc', canary), hardlink('esc/victim.txt', 'payload')) },
    { name: 'hardlink to an absolute host file', tar: tarOf(hardlink('h', `${canary}/victim.txt`)) },
    { name: 'hardlink to a .. target', tar: tarOf(hardlink('h', `${rel}/victim.txt`)) },
    { name: 'hardlink to a target through a symlink', tar: tarOf(symlink('esc', canary), hardlink('h', 'esc/victim.txt')) },
    { name: 'hardlink to a symlink links the symlink, never its target', tar: tarOf(symlink('s', `${canary}/victim.txt`), hardlink('h', 's')), layer: { s: `symlink:${canary}/victim.txt nlink=2`, h: `symlink:${canary}/victim.txt nlink=2` } },
    { name: 'the deferred-entry swap (absolute symlink)', tar: swapTar(canary), layer: { a: `symlink:${canary}`, payload: 'file:PWNED' } },
    { name: 'the deferred-entry swap (relative symlink)', tar: swapTar(rel), layer: { a: `symlink:${rel}`, payload: 'file:PWNED' } },
    { name: 'a deferred hardlink whose target directory becomes a symlink', tar: tarOf(dir('b'), hardlink('x', 'b/victim.txt'), symlink('b', canary), file('payload', 'p')) },
    {
      name: 'xattrs, opaque marks and times of a directory replaced by a symlink',
      tar: tarOf(
        dir('a', { pax: { 'SCHILY.xattr.user.pwn': 'dir' }, mtime: 12345 }),
        file('a/victim.txt', 'PWNED', { pax: { 'SCHILY.xattr.user.pwn': 'file' } }),
        file('a/.wh..wh..opq', ''),
        charDev('a/.wh.gone', 0, 0),
        file('a/.wh.secret', ''),
        symlink('a', canary),
      ),
      layer: { a: `symlink:${canary}` },
    },
    {
      name: 'device nodes, fifos and whiteouts inside the layer',
      tar: tarOf(charDev('dev/null', 1, 3), blockDev('dev/loop0', 7, 0), fifo('run/fifo'), dir('etc'), file('etc/.wh.gone', '')),
      layer: { dev: 'dir', 'dev/null': 'char:1:3', 'dev/loop0': 'block:7:0', run: 'dir', 'run/fifo': 'fifo', etc: 'dir', 'etc/gone': 'char:0:0' },
    },
    { name: 'a symlink loop used as a directory', tar: tarOf(symlink('loop-a', 'loop-b'), symlink('loop-b', 'loop-a'), symlink('self', 'self'), file('loop-a/x', 'out')) },
    { name: 'a self-referencing symlink used as a directory', tar: tarOf(symlink('self', '.'), file('self/self/x', 'x')) },
    { name: 'a 4 KB name (PAX path)', tar: tarOf(file(longName, 'long')) },
    { name: 'a 4 KB name component (GNU long name)', tar: tarOf(gnuLongName('n'.repeat(4096)), file('short', 'long')) },
    { name: 'a PAX header renames a member to ..', tar: tarOf(file('innocent.txt', 'out', { pax: { path: '../pax-escape.txt' } })) },
    { name: 'a PAX header renames a member through a symlink', tar: tarOf(symlink('esc', canary), file('innocent.txt', 'out', { pax: { path: 'esc/pax-pwned.txt' } })) },
    { name: 'a PAX linkpath sends a hardlink out', tar: tarOf(hardlink('h', 'innocent', { pax: { linkpath: `${rel}/victim.txt` } })) },
    { name: 'a GNU long name with ..', tar: tarOf(gnuLongName(`${up}gnu-escape.txt`), file('innocent.txt', 'out')) },
    { name: 'a global PAX header renames every later member', tar: tarOf(paxGlobal({ path: '../global-escape.txt' }), file('innocent.txt', 'out')) },
    { name: 'an xattr name that smuggles another file into the xattr batch', tar: tarOf(file('f', 'x', { pax: { [`SCHILY.xattr.user.a\n\n# file: ${canary}/victim.txt\nuser.pwned`]: 'yes' } })) },
    { name: 'a PAX rename inside the layer is honoured', tar: tarOf(file('wrong-name.txt', 'renamed', { pax: { path: 'right/name.txt' } })), layer: { right: 'dir', 'right/name.txt': 'file:renamed' } },
    {
      name: 'duplicate entries: the last one wins, replacing files, directories and symlinks themselves',
      tar: tarOf(
        file('dup', 'one'), file('dup', 'two'),
        dir('d'), file('d/child', 'c'), fifo('d/fifo'), file('d', 'now a file'),
        symlink('s', `${canary}/victim.txt`), file('s', 'replaced the symlink'),
        symlink('x', canary), dir('x'), file('x/inside', 'in'),
        dir('e', { mode: 0o700 }), dir('e', { mode: 0o755 }),
        fifo('f'), file('f', 'not a fifo'),
        hardlink('hl', 'later'), file('hl', 'not a link'), file('later', 'l'),
      ),
      layer: { dup: 'file:two', d: 'file:now a file', s: 'file:replaced the symlink', x: 'dir', 'x/inside': 'file:in', e: 'dir', f: 'file:not a fifo', hl: 'file:not a link', later: 'file:l' },
    },
  ];
}

/** A global PAX header (`g`): its records apply to every later member. */
function paxGlobal(records: Record<string, string>): Buffer {
  const local = paxHeader(records);
  local[156] = 'g'.charCodeAt(0);
  let sum = 0;
  local.fill(0x20, 148, 156);
  for (let i = 0; i < 512; i++) sum += local[i]!;
  local.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return local;
}

/**
 * The case's archive with a block after its end marker naming `path`: the same members, but
 * its own digest, so a layer another path already extracted is not simply reused.
 */
function tarFor(c: Case, path: string): Buffer {
  const trailer = Buffer.alloc(512);
  trailer.write(`kiln security corpus: ${path}`);
  return Buffer.concat([c.tar, trailer]);
}

/** An OCI image layout archive (oci-layout, index.json, blobs) whose one layer is `layer`. */
function ociArchive(layer: Buffer): Buffer {
  const blob = (b: Buffer) => ({ digest: `sha256:${sha256(b)}`, size: b.length, bytes: b });
  const l = blob(layer);
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [l.digest] } })));
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size }],
  })));
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifest.digest, size: manifest.size }] };
  return tarOf(
    file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' })),
    file('index.json', JSON.stringify(index)),
    dir('blobs'), dir('blobs/sha256'),
    ...[l, config, manifest].map((b) => member({ name: `blobs/sha256/${b.digest.slice(7)}`, type: '0', body: b.bytes })),
  );
}

/** Nothing of a refused layer is registered in `dataDir`: no layer dir, no digest record, no staging left. */
function assertNothingRegistered(dataDir: string, tar: Buffer, where: string): void {
  const hex = sha256(tar);
  assert.equal(existsSync(join(dataDir, 'layers', hex)), false, `${where}: a layer dir was registered`);
  assert.equal(existsSync(join(dataDir, 'layers', 'by-digest', hex)), false, `${where}: a digest record was written`);
  const staging = join(dataDir, 'layers', 'tmp');
  assert.deepEqual(existsSync(staging) ? readdirSync(staging) : [], [], `${where}: staging left behind`);
}

/** The extracted layer of `tar` in `dataDir`'s layer store. */
function layerDirOf(dataDir: string, tar: Buffer): string {
  return join(dataDir, 'layers', sha256(tar), 'diff');
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kiln-sec-'));
  canary = join(work, 'canary');
  resetCanary();

  s3 = await startS3();
  await s3.createBucket(IMAGES);
  kiln = await startKiln({ KILN_WORKERS: '1', ...s3.env });
});

after(async () => {
  await kiln?.stop();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('layer extraction never writes outside the layer', () => {
  test('the deferred-entry swap of issue 8: no hardlink, fifo or device lands in the host folder', async () => {
    resetCanary();
    const out = join(work, 'swap');
    await extractLayer([swapTar(canary)], out);
    assertCanaryIntact('extractLayer');
    assert.deepEqual(describeLayer(out), { a: `symlink:${canary}`, payload: 'file:PWNED' }, 'the members below the replaced directory went with it');
  });

  test('the extractor: every case extracts inside the layer or is refused with UnsafeLayerPathError', async (t) => {
    for (const c of corpus()) {
      await t.test(c.name, async () => {
        resetCanary();
        const out = join(work, 'direct', sha256(Buffer.from(c.name)).slice(0, 12));
        const done = extractLayer([c.tar], out);
        if (c.layer) {
          await done;
          assert.deepEqual(describeLayer(out), c.layer);
        } else {
          await assert.rejects(done, (err: unknown) => err instanceof UnsafeLayerPathError && /unsafe path in layer/.test(err.message));
        }
        assertCanaryIntact(c.name);
      });
    }
  });

  test('the layer store, from a blob: refused layers leave no layer dir, digest record or staging', async (t) => {
    const dataDir = join(work, 'store');
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    const layers = new LayerStore(dataDir, blobs);
    for (const c of corpus()) {
      await t.test(c.name, async () => {
        resetCanary();
        const tar = tarFor(c, 'layer store');
        const { digest } = await blobs.put(tar);
        const done = layers.ensure(digest);
        if (c.layer) {
          assert.deepEqual(describeLayer((await done).dir), c.layer);
        } else {
          await assert.rejects(done, UnsafeLayerPathError);
          assertNothingRegistered(dataDir, tar, c.name);
        }
        assertCanaryIntact(c.name);
      });
    }
  });

  test('kiln images import (the command\'s function): refused with InvalidImage.UnsafeLayer and exit code 1, no image', async (t) => {
    for (const c of corpus()) {
      await t.test(c.name, async () => {
        resetCanary();
        const tar = tarFor(c, 'import');
        const path = join(work, 'import', `${sha256(tar)}.tar`);
        mkdirSync(join(work, 'import'), { recursive: true });
        writeFileSync(path, tar);
        const { code, stdout, stderr } = await captured(() => imagesImport(kiln.config, [path, '--name', uniqueName('corpus'), '--region', REGION]));
        if (c.layer) {
          assert.equal(code, 0, stderr);
          assert.match(stdout.trim(), /^m-[a-z0-9]+$/);
          assert.deepEqual(describeLayer(layerDirOf(kiln.config.dataDir, tar)), c.layer);
        } else {
          assert.equal(code, 1, `exit code (stdout ${stdout}, stderr ${stderr})`);
          assert.equal(stdout, '', 'no ImageId printed');
          assert.match(stderr, /^kiln: InvalidImage\.UnsafeLayer: .*unsafe path in layer/);
          assertNothingRegistered(kiln.config.dataDir, tar, c.name);
        }
        assertCanaryIntact(c.name);
      });
    }
  });

  test('kiln images import (the CLI process): the swap imports inside the layer; a write through a symlink exits 1 with the code', async () => {
    const cli = async (file: string) => {
      try {
        const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'images', 'import', file, '--name', uniqueName('cli'), '--region', REGION], {
          cwd: REPO_ROOT,
          env: { ...process.env, KILN_DATA_DIR: kiln.config.dataDir, KILN_DATABASE_URL: kiln.config.databaseUrl ?? '' },
        });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    };
    resetCanary();
    const swap = swapTar(canary);
    writeFileSync(join(work, 'cli-swap.tar'), swap);
    const ok = await cli(join(work, 'cli-swap.tar'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(describeLayer(layerDirOf(kiln.config.dataDir, swap)), { a: `symlink:${canary}`, payload: 'file:PWNED' });
    assertCanaryIntact('CLI swap');

    resetCanary();
    const through = tarOf(symlink('esc', canary), file('esc/pwned.txt', 'out'));
    writeFileSync(join(work, 'cli-through.tar'), through);
    const refused = await cli(join(work, 'cli-through.tar'));
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^kiln: InvalidImage\.UnsafeLayer: The archive has a layer member that Kiln will not write, so nothing was imported: unsafe path in layer: "esc\/pwned\.txt" \(esc is a symlink, used as a directory\)/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    assertNothingRegistered(kiln.config.dataDir, through, 'CLI refused');
    assertCanaryIntact('CLI refused');
  });

  test('OCI image layout archives: their layers go through the same checks (kiln images import and BaseImageType=OSS)', async () => {
    resetCanary();
    const swap = swapTar(canary, file('oci-marker', 'swap'));
    const through = tarOf(symlink('esc', canary), file('esc/pwned.txt', 'out'), file('oci-marker', 'through'));
    const archive = (layer: Buffer, tag: string): string => {
      const path = join(work, `oci-${tag}.tar`);
      writeFileSync(path, ociArchive(layer));
      return path;
    };
    const ok = await captured(() => imagesImport(kiln.config, [archive(swap, 'swap'), '--name', uniqueName('oci-swap'), '--region', REGION]));
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(describeLayer(layerDirOf(kiln.config.dataDir, swap)), { a: `symlink:${canary}`, payload: 'file:PWNED', 'oci-marker': 'file:swap' });
    assertCanaryIntact('OCI swap');

    const refused = await captured(() => imagesImport(kiln.config, [archive(through, 'through'), '--name', uniqueName('oci-through'), '--region', REGION]));
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^kiln: InvalidImage\.UnsafeLayer: .*unsafe path in layer: "esc\/pwned\.txt"/);
    assertNothingRegistered(kiln.config.dataDir, through, 'OCI refused');
    assertCanaryIntact('OCI refused');

    await s3.put(IMAGES, 'oci/through.tar', ociArchive(through));
    const { item } = await build(kiln.clients.v3, {
      baseImageType: 'OSS', baseImage: undefined,
      importImageOptions: importImageOptions({ mappings: [{ bucket: IMAGES, object: 'oci/through.tar' }] }),
      buildContent: 'LABEL corpus=yes',
    });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, UNSAFE);
    assertNothingRegistered(kiln.config.dataDir, through, 'OSS OCI refused');
    assertCanaryIntact('OSS OCI refused');
  });

  test('BaseImageType=OSS builds through the SDK: refused layers end FAILED with InvalidImage.UnsafeLayer', async (t) => {
    for (const c of corpus()) {
      await t.test(c.name, async () => {
        resetCanary();
        const tar = tarFor(c, 'oss');
        const object = `corpus/${sha256(tar)}.tar`;
        await s3.put(IMAGES, object, tar);
        const { item } = await build(kiln.clients.v3, {
          baseImageType: 'OSS', baseImage: undefined,
          importImageOptions: importImageOptions({ mappings: [{ bucket: IMAGES, object }] }),
          buildContent: 'LABEL corpus=yes',
        });
        if (c.layer) {
          assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
          assert.deepEqual(describeLayer(layerDirOf(kiln.config.dataDir, tar)), c.layer);
        } else {
          assert.equal(item.status, 'FAILED', JSON.stringify(item));
          assert.equal(item.errorCode, UNSAFE);
          assert.match(item.errorInfo ?? '', /^BaseImageType=OSS: oss:\/\/kiln-corpus\/corpus\/[0-9a-f]+\.tar: .*unsafe path in layer/);
          assertNothingRegistered(kiln.config.dataDir, tar, c.name);
        }
        assertCanaryIntact(c.name);
      });
    }
  });

  test('a build on an image whose layer was put in the blob store: refused layers end FAILED with InvalidImage.UnsafeLayer', async (t) => {
    // As an image imported by a Kiln that did not check its layers would be: the blob and an
    // image record, never extracted on this machine.
    const blobs = new LocalBlobStore(join(kiln.config.dataDir, 'blobs'));
    for (const c of corpus()) {
      await t.test(c.name, async () => {
        resetCanary();
        const tar = tarFor(c, 'stored image');
        const blob = await blobs.put(tar);
        const { manifestDigest } = await writeImage(blobs, {
          layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: blob.digest, diffId: blob.digest, size: blob.size }],
          config: initialConfig(), created: new Date().toISOString(), history: ['crafted'],
        });
        const imageId = `m-corpus${sha256(Buffer.from(c.name + Math.random())).slice(0, 12)}`;
        await kiln.app.store.images.insert(newAccountImage({
          imageId, regionId: REGION, accountId: kiln.credentials.accountId, imageName: uniqueName('stored'),
          size: 20, creationTime: ecsTime(), tags: [], manifestDigest,
        }));
        const { item } = await build(kiln.clients.v3, { baseImage: imageId, buildContent: 'LABEL corpus=yes' });
        if (c.layer) {
          assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
          assert.deepEqual(describeLayer(layerDirOf(kiln.config.dataDir, tar)), c.layer);
        } else {
          assert.equal(item.status, 'FAILED', JSON.stringify(item));
          assert.equal(item.errorCode, UNSAFE);
          assert.match(item.errorInfo ?? '', new RegExp(`^The image ${imageId} cannot be used: its layer ${blob.digest} has a member Kiln will not write \\(unsafe path in layer`));
          assertNothingRegistered(kiln.config.dataDir, tar, c.name);
        }
        assertCanaryIntact(c.name);
      });
    }
  });
});

/** Runs a CLI command's function with its console output captured. */
async function captured(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const { log, error } = console;
  console.log = (...args: unknown[]) => { stdout += `${args.join(' ')}\n`; };
  console.error = (...args: unknown[]) => { stderr += `${args.join(' ')}\n`; };
  try {
    return { code: await fn(), stdout, stderr };
  } catch (err) {
    // what src/main/cli.ts does with an error the command did not handle
    return { code: 1, stdout, stderr: `${stderr}kiln: ${(err as Error).message}\n` };
  } finally {
    console.log = log;
    console.error = error;
  }
}
