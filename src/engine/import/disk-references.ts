import { open } from 'node:fs/promises';
import { KilnError } from '../../domain/errors.js';
import type { DiskFormat } from '../oss/archive-format.js';

/**
 * Refuses a disk image that would make qemu-img open another file, read from its own header
 * before qemu-img sees it: a QCOW2 backing file or external data file, a VMDK descriptor (text,
 * or embedded in a sparse extent whose capacity is 0: qemu then opens the extents it names), a
 * differencing VHD. `inspectDisk` checks qemu-img's own view again afterwards; this check is
 * what keeps `qemu-img info` itself from opening `/etc/shadow` as an extent or backing file.
 */
export async function refuseExternalReferences(file: string, format: DiskFormat): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, 512));
    await fh.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, 512));
    if (tail.length > 0) await fh.read(tail, 0, tail.length, size - tail.length);
    const reason = externalReference(format, head, tail);
    if (reason) throw new KilnError('InvalidImage.BackingFile', `The ${format.toUpperCase()} disk image ${reason}; Kiln imports self-contained disk images only.`);
  } finally {
    await fh.close();
  }
}

/** QCOW2 v3 incompatible feature bit 2: the guest data lives in an external file. */
const QCOW2_EXTERNAL_DATA = 4n;
/** VHD footer disk type of a differencing disk (it has a parent). */
const VHD_DIFFERENCING = 4;

function externalReference(format: DiskFormat, head: Buffer, tail: Buffer): string | undefined {
  if (format === 'qcow2' && head.length >= 72) {
    if (head.readBigUInt64BE(8) !== 0n) return 'has a backing file';
    const version = head.readUInt32BE(4);
    if (version >= 3 && head.length >= 80 && (head.readBigUInt64BE(72) & QCOW2_EXTERNAL_DATA) !== 0n) return 'keeps its data in an external data file';
  }
  if (format === 'vmdk') {
    if (head.toString('latin1', 0, 4) !== 'KDMV') return 'is a descriptor file that names extent files';
    if (head.length >= 20 && head.readBigUInt64LE(12) === 0n) return 'has an embedded descriptor that names extent files';
  }
  if (format === 'vhd') {
    const footer = head.toString('latin1', 0, 8) === 'conectix' ? head : tail;
    if (footer.length >= 64 && footer.readUInt32BE(60) === VHD_DIFFERENCING) return 'is a differencing disk with a parent';
  }
  return undefined;
}
