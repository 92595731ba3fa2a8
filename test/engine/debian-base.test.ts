import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { formatDeb822Sources, parseDeb822Sources, parseOneLineSources, readDebianSources } from '../../src/engine/base-images/apt-sources.js';
import { debianBaseKey, ensureDebianMinbase } from '../../src/engine/base-images/debian.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { createPipeline, DEBIAN } from '../support/ecs-requests.js';
import { assertNoLeftovers, isTerminal, logsOf, startExecution, uniqueName, waitForExecution } from '../support/builds.js';
import { exists, mmdebstrapCalls, standInDebianFolder, standInMmdebstrap } from './helpers/stand-in-mmdebstrap.js';

/*
 * The Debian minbase base image: how the machine's apt sources are read, how the base is made
 * once and kept (with a stand-in mmdebstrap, fast), and a real build on it through the official
 * SDK: apt-get installs a package from the machine's mirror and the test instance runs it.
 */

const BOOKWORM = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe('the machine apt sources', () => {
  test('deb822: stanzas, comments inside stanzas, several suites', () => {
    const sources = parseDeb822Sources(BOOKWORM);
    assert.deepEqual(sources, [
      { uris: ['http://deb.debian.org/debian'], suites: ['bookworm', 'bookworm-updates'], components: ['main'], signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' },
      { uris: ['http://deb.debian.org/debian-security'], suites: ['bookworm-security'], components: ['main'], signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' },
    ]);
    // formatting drops the comments and reads back the same
    assert.deepEqual(parseDeb822Sources(formatDeb822Sources(sources)), sources);
  });

  test('deb822: deb-src only and disabled stanzas are skipped; field names are case-insensitive; CRLF', () => {
    const text = [
      'Types: deb-src', 'URIs: http://src.example/debian', 'Suites: trixie', '',
      'types: deb', 'uris: http://mirror.example/debian', 'suites: trixie', 'enabled: no', '',
      'TYPES: deb deb-src', 'URIS: http://ftp.example/debian http://other.example/debian', 'SUITES: trixie trixie-updates', 'COMPONENTS: main contrib',
    ].join('\r\n');
    assert.deepEqual(parseDeb822Sources(text), [
      { uris: ['http://ftp.example/debian', 'http://other.example/debian'], suites: ['trixie', 'trixie-updates'], components: ['main', 'contrib'] },
    ]);
  });

  test('deb822: an inline key (continuation lines, " ." for an empty line) survives formatting', () => {
    const text = 'Types: deb\nURIs: http://m.example/debian\nSuites: trixie\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----\n';
    const [s] = parseDeb822Sources(text);
    assert.equal(s?.signedBy, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----');
    assert.deepEqual(parseDeb822Sources(formatDeb822Sources([s!])), [s]);
  });

  test('one-line sources.list: options, comments, deb-src', () => {
    const text = '# main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian trixie main non-free-firmware\ndeb-src http://m.example/debian trixie main\ndeb http://m.example/debian-security trixie-security main # security\n';
    assert.deepEqual(parseOneLineSources(text), [
      { uris: ['http://m.example/debian'], suites: ['trixie'], components: ['main', 'non-free-firmware'], signedBy: '/k.gpg' },
      { uris: ['http://m.example/debian-security'], suites: ['trixie-security'], components: ['main'] },
    ]);
  });

  test('the mirror and suite come from the first deb source; sources.list is the fallback; none is an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-sources-'));
    try {
      await writeFile(join(dir, 'debian.sources'), BOOKWORM);
      await writeFile(join(dir, 'sources.list'), 'deb http://fallback.example/debian trixie main\n');
      const deb822 = await readDebianSources({ deb822: join(dir, 'debian.sources'), oneLine: join(dir, 'sources.list') });
      assert.equal(deb822.mirror, 'http://deb.debian.org/debian');
      assert.equal(deb822.suite, 'bookworm');
      const oneLine = await readDebianSources({ deb822: join(dir, 'missing.sources'), oneLine: join(dir, 'sources.list') });
      assert.equal(oneLine.mirror, 'http://fallback.example/debian');
      assert.equal(oneLine.suite, 'trixie');
      await assert.rejects(readDebianSources({ deb822: join(dir, 'missing.sources'), oneLine: join(dir, 'missing.list') }), /no Debian mirror is configured/);
      // the cache key follows the mirror and the suite
      assert.notEqual(debianBaseKey(deb822), debianBaseKey(oneLine));
      assert.match(debianBaseKey(oneLine), /^debian-minbase-trixie-[0-9a-f]{32}-r\d+$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A stand-in for mmdebstrap: records its arguments and standard input, then makes a tiny tree
 * with what the real one leaves behind (a sources.list, device nodes, package lists), or
 * fails part-way when `fail` is set.
 */
async function fakeMmdebstrap(dir: string, fail: boolean): Promise<string> {
  return standInMmdebstrap(dir, fail ? 'mmdebstrap-failing' : 'mmdebstrap-fake', `\
mkdir -p "$target/etc/apt/sources.list.d" "$target/dev" "$target/proc" "$target/var/lib/apt/lists/partial" "$target/var/cache/apt/archives/partial" "$target/usr/sbin" "$target/etc/dpkg/dpkg.cfg.d" "$target/usr/share/keyrings" "$target/tmp"
echo 'deb http://deb.debian.org/debian trixie main' > "$target/etc/apt/sources.list"
echo 'Types: deb' > "$target/etc/apt/sources.list.d/0000main.sources"
echo force-unsafe-io > "$target/etc/dpkg/dpkg.cfg.d/99mmdebstrap"
echo key > "$target/usr/share/keyrings/debian-archive-keyring.gpg"
printf 'root:x:0:0:root:/root:/bin/bash\\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\\n' > "$target/etc/passwd"
mknod "$target/dev/null" c 1 3
touch "$target/var/lib/apt/lists/deb.debian.org_debian_dists_trixie_InRelease" "$target/var/cache/apt/pkgcache.bin" "$target/tmp/leftover"
${fail ? 'sleep 0.3; echo "E: Couldn\'t download packages: base-files" >&2; exit 100' : 'exit 0'}
`);
}

describe('ensureDebianMinbase (with a stand-in mmdebstrap)', () => {
  const folder = standInDebianFolder('kiln-debian-', 'Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie trixie-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: trixie-security\nComponents: main\nSigned-By: /etc/apt/keyrings/not-in-the-image.gpg\n');
  const { storeAt, sourcesFiles } = folder;

  test('made once from the first suite of the sources, finished, captured as one layer and recorded; callers share one build', async () => {
    const layers = await storeAt('ok');
    const mmdebstrap = await fakeMmdebstrap(folder.dir, false);
    const first = ensureDebianMinbase(layers, { mmdebstrap, sourcesFiles: sourcesFiles() });
    const second = ensureDebianMinbase(layers, { mmdebstrap, sourcesFiles: sourcesFiles() });
    assert.equal(first, second, 'concurrent callers get the same build');
    const base = await first;
    assert.equal(base.mirror, 'http://mirror.example/debian');
    assert.equal(base.suite, 'trixie');
    assert.equal(base.dir, layers.dirOf(base.diffId));
    assert.ok(await layers.blobs.has(base.digest));

    const calls = await mmdebstrapCalls(folder.dir);
    assert.equal(calls.length, 1, 'mmdebstrap ran once');
    assert.match(calls[0]!, /--variant=minbase --mode=unshare --format=directory .* trixie \S+\/diff -$/);
    assert.match(await readFile(join(folder.dir, 'stdin'), 'utf8'), /URIs: http:\/\/mirror\.example\/debian\nSuites: trixie trixie-updates/);

    // the finished tree
    const at = (p: string) => join(base.dir, p);
    assert.equal(await exists(at('etc/apt/sources.list')), false);
    assert.deepEqual(await readdir(at('etc/apt/sources.list.d')), ['debian.sources']);
    const sources = await readFile(at('etc/apt/sources.list.d/debian.sources'), 'utf8');
    assert.match(sources, /URIs: http:\/\/mirror\.example\/debian\nSuites: trixie trixie-updates\nComponents: main\nSigned-By: \/usr\/share\/keyrings\/debian-archive-keyring\.gpg\n/);
    assert.doesNotMatch(sources, /not-in-the-image/, 'a keyring the image lacks is not named');
    assert.deepEqual(await readdir(at('dev')), []);
    assert.deepEqual((await readdir(at('var/lib/apt/lists'))).sort(), ['partial']);
    assert.deepEqual(await readdir(at('tmp')), []);
    assert.equal(await exists(at('var/cache/apt/pkgcache.bin')), false);
    assert.equal(await exists(at('etc/dpkg/dpkg.cfg.d/99mmdebstrap')), false);
    assert.match(await readFile(at('etc/dpkg/dpkg.cfg.d/docker-apt-speedup'), 'utf8'), /force-unsafe-io/);
    assert.match(await readFile(at('usr/sbin/policy-rc.d'), 'utf8'), /exit 101/);
    assert.equal((await stat(at('usr/sbin/policy-rc.d'))).mode & 0o777, 0o755);
    assert.match(await readFile(at('etc/passwd'), 'utf8'), /^root:x:0:0:.*\nnobody:x:65534:/);

    // recorded: the next call (even from another LayerStore over the same data dir) builds nothing
    const records = await readdir(join(layers.root, '..', 'base-images'));
    assert.deepEqual(records, [`${base.key}.json`]);
    const again = await ensureDebianMinbase(await storeAt('ok'), { mmdebstrap, sourcesFiles: sourcesFiles() });
    assert.equal(again.digest, base.digest);
    assert.equal((await mmdebstrapCalls(folder.dir)).length, 1);
    assert.deepEqual(await readdir(join(layers.root, 'tmp')), [], 'no staging folder left');
  });

  test('a failure part-way leaves no layer, no record and no staging folder, and sweeps a dead process\'s staging', async () => {
    const layers = await storeAt('failing');
    const stale = join(layers.root, 'tmp', 'debian-minbase-999999999-0badc0ffee00', 'diff');
    await mkdir(join(stale, 'etc'), { recursive: true });
    const mmdebstrap = await fakeMmdebstrap(folder.dir, true);
    await assert.rejects(ensureDebianMinbase(layers, { mmdebstrap, sourcesFiles: sourcesFiles() }), /mmdebstrap --variant=minbase trixie from http:\/\/mirror\.example\/debian exited 100: E: Couldn't download packages/);
    assert.deepEqual(await readdir(join(layers.root, 'tmp')), []);
    assert.deepEqual((await readdir(layers.root)).filter((n) => /^[0-9a-f]{64}$/.test(n)), [], 'no layer');
    assert.equal(await exists(join(layers.root, '..', 'base-images')), false, 'no record');
    // a failure is not remembered: the next call tries again
    await assert.rejects(ensureDebianMinbase(layers, { mmdebstrap, sourcesFiles: sourcesFiles() }), /exited 100/);
  });
});

/** The first creation of the base runs mmdebstrap (minutes on a small machine); a generous limit, not a timing assertion. */
const DEBIAN_BUILD_TIMEOUT_MS = 15 * 60_000;

describe('a build on the Debian minbase image through the SDK', () => {
  let kiln: TestKiln;
  before(async () => {
    kiln = await startKiln({ KILN_WORKERS: '1' });
  });
  after(async () => {
    await kiln?.stop();
  });

  test('apt-get installs jq from the machine\'s mirror (InternetMaxBandwidthOut=10) and the test instance runs it', { timeout: DEBIAN_BUILD_TIMEOUT_MS + 60_000 }, async () => {
    const { mirror } = await readDebianSources();
    const name = uniqueName('debian-jq');
    const pipelineId = await createPipeline(kiln.clients.v3, {
      name,
      baseImage: DEBIAN,
      internetMaxBandwidthOut: 10,
      buildContent: [
        'RUN test "$(pwd)" = /root && test "$(id -un)" = root && test -z "$(ls /var/lib/apt/lists | grep -v -x -e lock -e partial)"',
        `RUN grep -qx 'URIs: ${mirror}' /etc/apt/sources.list.d/debian.sources`,
        'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends jq',
        'RUN echo \'{"kiln":{"answer":42}}\' | jq .kiln.answer > /root/answer.txt',
      ].join('\n'),
      testContent: [
        'RUN test "$(jq -n \'1 + 41\')" = 42',
        'RUN test "$(cat /root/answer.txt)" = 42',
        'RUN dpkg-query -W -f=\'${Status}\' jq | grep -qx \'install ok installed\'',
        'RUN test -z "$(find /var/cache/apt -name \'*.deb\' -o -name \'*.bin\')"',
      ].join('\n'),
    });
    // Meanwhile another caller asks for the base on the same data dir: it shares the build.
    const layers = new LayerStore(kiln.config.dataDir, new LocalBlobStore(join(kiln.config.dataDir, 'blobs')), {}, kiln.app.store.baseImages);
    const executionId = await startExecution(kiln.clients.v3, pipelineId);
    const base = await ensureDebianMinbase(layers);
    const { item } = await waitForExecution(kiln.clients.v3, executionId, isTerminal, 'a terminal status', DEBIAN_BUILD_TIMEOUT_MS);
    const logs = await logsOf(kiln.app.store, executionId);
    assert.equal(item.status, 'SUCCESS', `${JSON.stringify(item)}\n${logs.slice(-3000)}`);
    assert.match(logs, /Setting up jq/);

    // the image's first layer is the recorded base layer, made once
    const image = await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: 'cn-hangzhou' }, item.imageId!);
    const { layers: imageLayers } = await readImage(layers.blobs, image!.manifestDigest!);
    assert.equal(imageLayers[0]?.digest, base.digest);
    assert.equal((await kiln.app.store.baseImages.list()).filter((r) => r.kind === 'debian-minbase').length, 1);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  // On the same Kiln and data dir: the base made above is reused, not made again.
  test('RepairMode=Standard: REPAIRING reports all six Linux items in the logs and the Message; the DHCP repair is seen by the build, the test and the image', { timeout: DEBIAN_BUILD_TIMEOUT_MS + 60_000 }, async (t) => {
    const name = uniqueName('debian-repair');
    const pipelineId = await createPipeline(kiln.clients.v3, {
      name, imageName: name, baseImage: DEBIAN, repairMode: 'Standard',
      buildContent: [
        'RUN grep -Eqx "iface eth0 inet dhcp" /etc/network/interfaces && echo build-sees-dhcp',
        'RUN echo built-after-repair > /root/built',
      ].join('\n'),
      testContent: 'RUN grep -Eqx "iface eth0 inet dhcp" /etc/network/interfaces && test -f /root/built && echo test-sees-dhcp',
    });
    const executionId = await startExecution(kiln.clients.v3, pipelineId);
    const { item, seen } = await waitForExecution(kiln.clients.v3, executionId, isTerminal, 'a terminal status', DEBIAN_BUILD_TIMEOUT_MS);
    const logs = await logsOf(kiln.app.store, executionId);
    assert.equal(item.status, 'SUCCESS', `${JSON.stringify(item)}\n${logs.slice(-3000)}`);
    assert.ok(seen.every((s) => ['PREPARING', 'REPAIRING', 'BUILDING', 'TESTING', 'RELEASING', 'SUCCESS'].includes(s)), seen.join(' → '));
    const stages = [...logs.matchAll(/^\[([A-Z]+)\]/gm)].map((m) => m[1]);
    assert.deepEqual(stages.filter((s, i) => s !== stages[i - 1]), ['PREPARING', 'REPAIRING', 'BUILDING', 'TESTING', 'RELEASING']);

    // One result per item, in order; what a Debian minbase (no kernel, no cloud-init, no network configuration) gives.
    const results = [...logs.matchAll(/^(GUESTOS\.[A-Za-z]+): (OK|REPAIRED|NOT REPAIRED|NOT APPLICABLE) \((.+)\)$/gm)].map((m) => ({ item: m[1]!, status: m[2]!, detail: m[3]! }));
    for (const r of results) t.diagnostic(`${r.item}: ${r.status} (${r.detail})`);
    assert.deepEqual(results.map((r) => r.item), ['GUESTOS.CloudInit', 'GUESTOS.Dhcp', 'GUESTOS.Virtio', 'GUESTOS.OnlineResizeFS', 'GUESTOS.Grub', 'GUESTOS.Fstab'], logs);
    const byItem = Object.fromEntries(results.map((r) => [r.item, r]));
    assert.equal(byItem['GUESTOS.CloudInit']!.status, 'NOT REPAIRED');
    assert.equal(byItem['GUESTOS.Dhcp']!.status, 'REPAIRED');
    assert.match(byItem['GUESTOS.Dhcp']!.detail, /\/etc\/network\/interfaces/);
    assert.equal(byItem['GUESTOS.Virtio']!.status, 'NOT APPLICABLE');
    assert.equal(byItem['GUESTOS.Grub']!.status, 'NOT APPLICABLE');
    assert.equal(byItem['GUESTOS.OnlineResizeFS']!.status, 'NOT REPAIRED');
    assert.match(byItem['GUESTOS.OnlineResizeFS']!.detail, /growpart/);
    assert.equal(byItem['GUESTOS.Fstab']!.status, 'OK');

    // The Message carries the counts of exactly these results.
    const counts = ['OK', 'REPAIRED', 'NOT REPAIRED', 'NOT APPLICABLE']
      .map((s) => [s, results.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
    assert.equal(counts.join(', '), '1 OK, 1 REPAIRED, 2 NOT REPAIRED, 2 NOT APPLICABLE');
    assert.match(item.message ?? '', new RegExp(`^Image ${item.imageId} \\(${name}_${executionId}\\) was created\\. Repair: ${counts.join(', ')}\\. Steps: \\d+ step\\(s\\) run, 0 from the step cache\\.$`));

    // The repair is below the build: a later RUN step and the test instance see it.
    assert.ok(logs.indexOf('build-sees-dhcp') > logs.indexOf('[BUILDING]'), logs);
    assert.ok(logs.includes('test-sees-dhcp'), logs);

    // In the image: base layer, then the repair layer with the file, then the build's.
    const layers = new LayerStore(kiln.config.dataDir, new LocalBlobStore(join(kiln.config.dataDir, 'blobs')), {}, kiln.app.store.baseImages);
    const base = await ensureDebianMinbase(layers);
    const image = await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: 'cn-hangzhou' }, item.imageId!);
    const { layers: imageLayers } = await readImage(layers.blobs, image!.manifestDigest!);
    assert.equal(imageLayers[0]?.digest, base.digest);
    const repairLayer = (await layers.ensure(imageLayers[1]!.digest)).dir;
    assert.match(await readFile(join(repairLayer, 'etc/network/interfaces'), 'utf8'), /^auto eth0\niface eth0 inet dhcp$/m);
    const files = (await readdir(repairLayer, { recursive: true, withFileTypes: true })).filter((d) => !d.isDirectory()).map((d) => relative(repairLayer, join(d.parentPath, d.name)));
    assert.deepEqual(files, ['etc/network/interfaces'], 'the repair layer holds the repair and nothing else (no report file)');
    assert.equal((await kiln.app.store.baseImages.list()).filter((r) => r.kind === 'debian-minbase').length, 1);
    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });
});
