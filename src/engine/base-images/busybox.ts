import { createHash } from 'node:crypto';
import { chmod, copyFile, lutimes, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Digest } from '../../blobs/digest.js';
import type { LayerStore } from '../layers/layer-store.js';
import { runCommand } from '../system/run-command.js';
import { hostBase, makeRecordedBase } from './recorded-base.js';

/** Bumped whenever the rootfs recipe below changes (a new recipe is a new cache key). */
const RECIPE_VERSION = 1;
/** Every file of the base gets this mtime, so the same busybox gives the same layer on every machine. */
const BASE_MTIME = 946_684_800; // 2000-01-01T00:00:00Z
/** Staging folders under `<layers>/tmp` are named `<prefix><pid>-<random>`, so a later build can sweep a dead process's. */
const STAGING_PREFIX = 'busybox-';

/** The base image's single layer. */
export interface BaseLayer {
  /** What the base was built from: sha256 of the busybox binary and the recipe version. */
  key: string;
  digest: Digest;
  diffId: Digest;
  size: number;
  /** Extracted layer dir (an overlay lower dir). */
  dir: string;
}

export interface BusyboxOptions {
  /** A statically linked busybox (Debian's busybox-static installs /bin/busybox). */
  busyboxPath?: string;
}

const inflight = new Map<string, Promise<BaseLayer>>();

/**
 * The busybox base image's rootfs layer, built on first use and kept: `/bin/busybox` plus one
 * absolute symlink per applet (what `busybox --install -s` makes), /etc/passwd (root, nobody),
 * /etc/group, /etc/hostname, /etc/hosts, an empty /etc/resolv.conf, /tmp (1777), /root (0700),
 * and /proc, /sys, /dev mount points; owned by root, with one fixed mtime. It is captured into
 * the blob store as a layer and moved into the layer store; its record (`layers.baseImages`,
 * shared by every host through the store) makes later calls instant, on this host and on the
 * others, which fetch the layer from the blob store (see `hostBase`: a host without a static
 * busybox builds on the one another host made). Making it requires a static busybox.
 */
export function ensureBusyboxBase(layers: LayerStore, options: BusyboxOptions = {}): Promise<BaseLayer> {
  const busybox = options.busyboxPath ?? '/bin/busybox';
  const key = `${layers.root}\0${busybox}`;
  let p = inflight.get(key);
  if (!p) {
    p = buildOnce(layers, busybox).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

/** The binary's digest by path and stat identity: hashing 2 MB on every build cost more than an unchanged rebuild. */
const binaryDigests = new Map<string, string>();

async function binaryDigest(path: string): Promise<string> {
  const st = await stat(path);
  const id = `${path}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  let digest = binaryDigests.get(id);
  if (!digest) {
    digest = createHash('sha256').update(await readFile(path)).digest('hex');
    binaryDigests.set(id, digest);
  }
  return digest;
}

async function buildOnce(layers: LayerStore, busybox: string): Promise<BaseLayer> {
  const key = async () => `busybox-${(await binaryDigest(busybox)).slice(0, 32)}-r${RECIPE_VERSION}`;
  return hostBase(layers, 'busybox', key, async (k) => {
    const file = await runCommand('file', ['-L', busybox], { allowFailure: true });
    if (file.code === 0 && !/statically linked|static-pie/.test(file.stdout)) {
      throw new Error(`${busybox} is not statically linked (install Debian's busybox-static)`);
    }
    return makeRecordedBase<BaseLayer & { buildSeconds: number }>(layers, k, STAGING_PREFIX, async (root) => {
      await buildRootfs(root, busybox);
      return {};
    }, { sweepStaging: false });
  });
}

async function buildRootfs(root: string, busybox: string): Promise<void> {
  const dirs: [string, number][] = [
    ['bin', 0o755],
    ['sbin', 0o755],
    ['usr', 0o755],
    ['usr/bin', 0o755],
    ['usr/sbin', 0o755],
    ['etc', 0o755],
    ['root', 0o700],
    ['tmp', 0o1777],
    ['proc', 0o555],
    ['sys', 0o555],
    ['dev', 0o755],
    ['home', 0o755],
    ['var', 0o755],
    ['var/tmp', 0o1777],
  ];
  for (const [d, mode] of dirs) {
    await mkdir(join(root, d), { recursive: true });
    await chmod(join(root, d), mode);
  }
  await copyFile(busybox, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);

  const { stdout } = await runCommand(busybox, ['--list-full']);
  const applets = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'bin/busybox' && !l.includes('..'))
    .sort();
  const links: string[] = [];
  for (const applet of applets) {
    await mkdir(join(root, dirname(applet)), { recursive: true });
    await symlink('/bin/busybox', join(root, applet));
    links.push(applet);
  }

  const files: [string, string, number][] = [
    ['etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', 0o644],
    ['etc/group', 'root:x:0:\nnogroup:x:65534:\n', 0o644],
    ['etc/shadow', 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n', 0o640],
    ['etc/hostname', 'busybox\n', 0o644],
    ['etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n', 0o644],
    ['etc/resolv.conf', '', 0o644],
  ];
  for (const [f, content, mode] of files) {
    await writeFile(join(root, f), content);
    await chmod(join(root, f), mode);
  }

  // one mtime for everything; directories last, deepest first
  for (const l of links) await lutimes(join(root, l), BASE_MTIME, BASE_MTIME);
  for (const [f] of files) await utimes(join(root, f), BASE_MTIME, BASE_MTIME);
  await utimes(join(root, 'bin/busybox'), BASE_MTIME, BASE_MTIME);
  const allDirs = [...new Set([...dirs.map(([d]) => d), ...links.map((l) => dirname(l))])].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const d of allDirs) await utimes(join(root, d), BASE_MTIME, BASE_MTIME);
}
