import { realpath } from 'node:fs/promises';
import { KilnError } from '../../domain/errors.js';
import type { DiskFormat } from '../oss/archive-format.js';
import { runBounded } from './bounded-process.js';

/** qemu-img's driver for each format Kiln imports (`-f`, never probed). */
const DRIVERS: Readonly<Record<DiskFormat, string>> = { raw: 'raw', qcow2: 'qcow2', vhd: 'vpc', vmdk: 'vmdk', vdi: 'vdi' };

/** The largest virtual size imported by default: the most one layer may hold uncompressed. */
export const DEFAULT_MAX_VIRTUAL_BYTES = 64 * 1024 ** 3;

interface QemuInfo {
  'virtual-size'?: number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'format-specific'?: { data?: { 'data-file'?: string; extents?: { filename?: string }[] } };
}

/**
 * The disk's virtual size, from `qemu-img info -f <format> --output=json`, after checking that
 * the image reads no other file (backing file, external data file, an extent that is not the
 * image itself) and that its virtual size is at most `maxVirtualBytes`. A file qemu-img cannot
 * read as `format` is `InvalidImage.DiskCorrupt`. `refuseExternalReferences` must have run first.
 */
export async function inspectDisk(file: string, format: DiskFormat, maxVirtualBytes: number, signal?: AbortSignal): Promise<number> {
  const end = await runBounded('qemu-img', ['info', '-f', DRIVERS[format], '--output=json', file], signal);
  if (end.code !== 0) throw corrupt(format, end.stderr);
  let info: QemuInfo;
  try {
    info = JSON.parse(end.stdout) as QemuInfo;
  } catch {
    throw corrupt(format, 'qemu-img info gave no readable answer');
  }
  const data = info['format-specific']?.data;
  const self = await realpath(file);
  const foreignExtent = await (async () => {
    for (const e of data?.extents ?? []) if (!e.filename || (await realpath(e.filename).catch(() => e.filename)) !== self) return e.filename ?? '(unnamed)';
    return undefined;
  })();
  const reference = info['backing-filename'] ?? info['full-backing-filename'] ?? data?.['data-file'] ?? foreignExtent;
  if (reference !== undefined) {
    throw new KilnError('InvalidImage.BackingFile', `The ${format.toUpperCase()} disk image reads another file (${JSON.stringify(reference.slice(0, 200))}); Kiln imports self-contained disk images only.`);
  }
  const size = info['virtual-size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw corrupt(format, 'it has no virtual size');
  if (size > maxVirtualBytes) {
    throw new KilnError('InvalidImage.DiskTooLarge', `The ${format.toUpperCase()} disk image has a virtual size of ${size} bytes, more than the ${maxVirtualBytes} bytes Kiln imports.`);
  }
  return size;
}

/** The formats `qemu-img check` reads (vpc has no check; qemu-img refuses a truncated VHD when it opens it). */
const CHECKED: ReadonlySet<DiskFormat> = new Set(['qcow2', 'vmdk', 'vdi']);
/** `qemu-img check` exit codes: 0 clean, 3 leaked clusters only (harmless: space no table names). */
const CHECK_OK = new Set([0, 3]);

/**
 * `qemu-img check -f <format>`: a table that points past the end of the file (a truncated
 * upload) or at itself is `InvalidImage.DiskCorrupt`. Without it, qemu-img convert reads the
 * missing clusters as zeros and the import would see a half-empty file system.
 */
export async function checkDisk(file: string, format: DiskFormat, signal?: AbortSignal): Promise<void> {
  if (!CHECKED.has(format)) return;
  const end = await runBounded('qemu-img', ['check', '-f', DRIVERS[format], file], signal);
  if (!CHECK_OK.has(end.code)) throw corrupt(format, `qemu-img check found it inconsistent (${(end.stderr || end.stdout).trim().split('\n').slice(-1)[0] ?? ''})`);
}

/**
 * Converts the disk to a sparse raw file `out` (`qemu-img convert -f <format> -O raw`: zeros
 * are not written, so the file takes the disk's data, not its virtual size). A disk that ends
 * early or whose tables are broken is `InvalidImage.DiskCorrupt`.
 */
export async function convertToRaw(file: string, format: DiskFormat, out: string, signal?: AbortSignal): Promise<void> {
  const end = await runBounded('qemu-img', ['convert', '-f', DRIVERS[format], '-O', 'raw', '-S', '4k', file, out], signal);
  if (end.code !== 0) throw corrupt(format, end.stderr);
}

export function corrupt(format: DiskFormat, detail: string): KilnError {
  const why = detail.trim().split('\n').slice(-3).join(' ').slice(0, 500);
  return new KilnError('InvalidImage.DiskCorrupt', `The ${format.toUpperCase()} disk image cannot be read${why ? `: ${why}` : ''}.`);
}
