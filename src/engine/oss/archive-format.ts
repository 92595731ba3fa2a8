import { open } from 'node:fs/promises';
import { DISK_FORMATS, type DiskFormat } from '../../domain/disk-formats.js';

/**
 * What a file to import is, from its first and last bytes: an archive (`tar`, `gzip` — a
 * tar.gz) or a disk image. The magic decides, never the name; a declared format is checked
 * against it (`checkDeclaredFormat` in engine/import/).
 */
export type ArchiveFormat = 'tar' | 'gzip' | DiskFormat | 'unknown';

export { DISK_FORMATS, type DiskFormat };

export function isDiskFormat(format: ArchiveFormat): format is DiskFormat {
  return (DISK_FORMATS as readonly string[]).includes(format);
}

/** How each format is called in messages. */
export const FORMAT_NAMES: Readonly<Record<ArchiveFormat, string>> = {
  tar: 'a tar archive',
  gzip: 'a gzip file',
  qcow2: 'a QCOW2 disk image',
  vhd: 'a VHD disk image',
  vmdk: 'a VMDK disk image',
  vdi: 'a VDI disk image',
  raw: 'a RAW disk image (a partition table or a file system)',
  unknown: 'not a format Kiln recognizes',
};

/** What an imported file may be, for error messages. */
export const ACCEPTED_FORMATS = 'a root filesystem tarball (tar or tar.gz), an OCI image layout archive (tar or tar.gz) or a disk image (RAW, QCOW2, VHD, VMDK, VDI)';

/** VDI's signature at byte 64 (little-endian 0xbeda107f). */
const VDI_SIGNATURE = 0xbeda107f;

export async function sniffArchive(file: string): Promise<ArchiveFormat> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, 2048));
    await fh.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, 512));
    if (tail.length > 0) await fh.read(tail, 0, tail.length, size - tail.length);
    const at = (buf: Buffer, offset: number, text: string) => buf.length >= offset + text.length && buf.toString('latin1', offset, offset + text.length) === text;
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (at(head, 257, 'ustar')) return 'tar';
    if (at(head, 0, 'QFI\xfb')) return 'qcow2';
    // A dynamic VHD starts with a copy of its footer; a fixed one has it only at the end.
    if (at(head, 0, 'conectix') || at(tail, 0, 'conectix')) return 'vhd';
    // A sparse VMDK extent, or a VMDK descriptor (text naming extent files: refused as such).
    if (at(head, 0, 'KDMV') || at(head, 0, '# Disk DescriptorFile')) return 'vmdk';
    if (head.length >= 68 && head.readUInt32LE(64) === VDI_SIGNATURE) return 'vdi';
    // An MBR (0x55AA at 510), a GPT header (`EFI PART` at 512), an ext2/3/4 superblock (0xEF53
    // at 1080) or an XFS one (`XFSB` at 0): a bare disk.
    if ((head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) || at(head, 512, 'EFI PART')
      || (head.length >= 1082 && head[1080] === 0x53 && head[1081] === 0xef) || at(head, 0, 'XFSB')) return 'raw';
    return 'unknown';
  } finally {
    await fh.close();
  }
}
