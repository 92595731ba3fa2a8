import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { derivedUuid, uuidBytes } from './fixed-ids.js';
import { runTool } from './run-tool.js';

/** The disk formats qemu-img writes from a raw disk, by Kiln's (and ECS's) name. */
export const QEMU_FORMATS = { qcow2: 'qcow2', vhd: 'vpc', vmdk: 'vmdk', vdi: 'vdi' } as const;
export type ConvertedFormat = keyof typeof QEMU_FORMATS;

/**
 * Converts the raw disk `raw` to `file` in `format` with qemu-img, then sets the fields qemu-img
 * fills at random or from the clock to values derived from `seed` and `time` (see the fixers), so
 * the same image gives the same bytes. qcow2 has no such field.
 */
export async function convertDisk(raw: string, file: string, format: ConvertedFormat, fixed: { seed: string; time: number; name: string }, signal?: AbortSignal): Promise<void> {
  const options = format === 'vhd' ? ['-o', 'subformat=dynamic'] : [];
  await runTool('qemu-img', ['convert', '-f', 'raw', '-O', QEMU_FORMATS[format], ...options, raw, file], { signal });
  const fh = await open(file, 'r+');
  try {
    if (format === 'vhd') await fixVhd(fh, fixed);
    if (format === 'vmdk') await fixVmdk(fh, fixed);
    if (format === 'vdi') await fixVdi(fh, fixed);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

/** Seconds from the Unix epoch to 2000-01-01T00:00:00Z, the VHD clock's zero. */
const VHD_EPOCH = 946684800;

/**
 * VHD (Virtual Hard Disk Image Format Specification): the footer, at the end and (for a dynamic
 * disk) copied at the start, holds a creation timestamp (offset 24) and a unique id (68); its
 * checksum (64) is the one's complement of the sum of its other bytes.
 */
async function fixVhd(fh: Handle, fixed: { seed: string; time: number }): Promise<void> {
  const { size } = await fh.stat();
  for (const at of [0, size - 512]) {
    const footer = Buffer.alloc(512);
    await fh.read(footer, 0, 512, at);
    if (footer.toString('latin1', 0, 8) !== 'conectix') throw new Error(`qemu-img wrote no VHD footer at byte ${at}`);
    footer.writeUInt32BE(Math.max(0, fixed.time - VHD_EPOCH), 24);
    uuidBytes(derivedUuid(fixed.seed, 'vhd unique id')).copy(footer, 68);
    footer.writeUInt32BE(0, 64);
    let sum = 0;
    for (const b of footer) sum += b;
    footer.writeUInt32BE(~sum >>> 0, 64);
    await fh.write(footer, 0, 512, at);
  }
}

/**
 * VMDK (monolithic sparse): the embedded descriptor (sector `descriptorOffset`, `descriptorSize`
 * sectors, header bytes 28 and 36) holds a random content id (`CID=`) and names the extent by
 * the file qemu-img wrote (a temporary name): the CID becomes one derived from the seed and
 * the extent is named as the final file.
 */
async function fixVmdk(fh: Handle, fixed: { seed: string; name: string }): Promise<void> {
  const header = Buffer.alloc(512);
  await fh.read(header, 0, 512, 0);
  if (header.toString('latin1', 0, 4) !== 'KDMV') throw new Error('qemu-img wrote no VMDK sparse header');
  const at = Number(header.readBigUInt64LE(28)) * 512;
  const length = Number(header.readBigUInt64LE(36)) * 512;
  const region = Buffer.alloc(length);
  await fh.read(region, 0, length, at);
  const end = region.indexOf(0);
  const cid = derivedUuid(fixed.seed, 'vmdk cid').slice(0, 8);
  const text = region
    .toString('latin1', 0, end < 0 ? length : end)
    .replace(/^CID=[0-9a-f]+$/m, `CID=${cid}`)
    .replace(/^(RW \d+ SPARSE )".*"$/m, (_m, head: string) => `${head}${JSON.stringify(basename(fixed.name).replace(/["\\\n]/g, '_'))}`);
  const out = Buffer.alloc(length);
  if (out.write(text, 'latin1') < Buffer.byteLength(text, 'latin1')) throw new Error('the VMDK descriptor does not fit its region');
  await fh.write(out, 0, length, at);
}

/** VDI (VirtualBox): the header's image UUID (0x188) and last-snapshot UUID (0x198) are random. */
async function fixVdi(fh: Handle, fixed: { seed: string }): Promise<void> {
  const sig = Buffer.alloc(4);
  await fh.read(sig, 0, 4, 0x40);
  if (sig.readUInt32LE(0) !== 0xbeda107f) throw new Error('qemu-img wrote no VDI header');
  await fh.write(uuidBytes(derivedUuid(fixed.seed, 'vdi image uuid')), 0, 16, 0x188);
  await fh.write(uuidBytes(derivedUuid(fixed.seed, 'vdi last snapshot uuid')), 0, 16, 0x198);
}
