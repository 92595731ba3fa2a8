import { open } from 'node:fs/promises';

/**
 * What a downloaded base-image object is, from its first and last bytes. Kiln imports root
 * filesystems (`tar`, `gzip` — a tar.gz), not disk images; the disk formats are named so the
 * failure can say what the object is.
 */
export type ArchiveFormat = 'tar' | 'gzip' | 'qcow2' | 'vhd' | 'vmdk' | 'raw-disk' | 'unknown';

/** How each format is called in messages. */
export const FORMAT_NAMES: Readonly<Record<ArchiveFormat, string>> = {
  tar: 'a tar archive',
  gzip: 'a gzip file',
  qcow2: 'a QCOW2 disk image',
  vhd: 'a VHD disk image',
  vmdk: 'a VMDK disk image',
  'raw-disk': 'a RAW disk image (partition table or ext filesystem)',
  unknown: 'not a format Kiln recognizes',
};

/** What a BaseImageType=OSS object may be, for error messages. */
export const ACCEPTED_FORMATS = 'a root filesystem tarball (tar or tar.gz) or an OCI image layout archive (tar or tar.gz)';

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
    if (at(head, 0, 'KDMV')) return 'vmdk';
    // An MBR (0x55AA at 510), a GPT header (`EFI PART` at 512) or an ext2/3/4 superblock (0xEF53 at 1080).
    if ((head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) || at(head, 512, 'EFI PART')
      || (head.length >= 1082 && head[1080] === 0x53 && head[1081] === 0xef)) return 'raw-disk';
    return 'unknown';
  } finally {
    await fh.close();
  }
}
