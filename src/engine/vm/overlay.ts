import { resolve } from 'node:path';
import { runCommand } from '../system/run-command.js';
import type { VmDiskFormat } from './types.js';

/** qemu-img's name of each format (VHD is `vpc`). */
const QEMU_FORMAT: Record<VmDiskFormat, string> = { raw: 'raw', qcow2: 'qcow2', vhd: 'vpc', vmdk: 'vmdk', vdi: 'vdi' };

/** What qemu-img says of the input. */
interface DiskInfo {
  'virtual-size': number;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
}

/** The name the overlay gives its backing file: QEMU's descriptor set 1, the input disk opened by Kiln (QEMU itself may not open it). */
export const INPUT_FDSET = 1;

/**
 * Makes `overlay`, a qcow2 whose backing file is `disk` (read as `format`, never probed), of
 * `sizeBytes` when given (≥ the disk's virtual size), else the disk's size. The overlay names
 * its backing file `/dev/fdset/1`: QEMU, unprivileged, reads the disk through the descriptor
 * Kiln hands it (`-add-fd`), never by path. The VM writes only to the overlay: the input is
 * opened read-only and never changes. An input with a backing file of its own, an external data
 * file, or a VMDK with extents is refused: its reference could make the guest read a host file.
 * Returns the overlay's virtual size.
 */
export async function createOverlay(disk: string, format: VmDiskFormat, overlay: string, sizeBytes: number | undefined, signal?: AbortSignal): Promise<number> {
  const fmt = QEMU_FORMAT[format];
  const input = resolve(disk);
  if (!fmt) throw new Error(`unknown disk format '${String(format)}'`);
  const info = await diskInfo(input, fmt, signal);
  if (info['backing-filename'] !== undefined || info['full-backing-filename'] !== undefined) {
    throw new Error(`the disk ${disk} has a backing file of its own (${info['backing-filename'] ?? ''}); boot a standalone disk`);
  }
  const virtual = info['virtual-size'];
  if (sizeBytes !== undefined && sizeBytes < virtual) {
    throw new Error(`the disk size asked for (${sizeBytes} bytes) is below the disk's own (${virtual} bytes): a disk only grows`);
  }
  const size = sizeBytes ?? virtual;
  // -u: the backing name is a descriptor set that only the VM's QEMU has.
  await runCommand('qemu-img', ['create', '-q', '-u', '-f', 'qcow2', '-b', `/dev/fdset/${INPUT_FDSET}`, '-F', fmt, overlay, String(size)], { signal });
  return size;
}

async function diskInfo(disk: string, fmt: string, signal?: AbortSignal): Promise<DiskInfo> {
  const { stdout } = await runCommand('qemu-img', ['info', '--output=json', '-f', fmt, disk], { signal });
  const info = JSON.parse(stdout) as DiskInfo & { 'format-specific'?: { data?: { extents?: { filename?: string }[]; 'data-file'?: string } } };
  if (typeof info['virtual-size'] !== 'number') throw new Error(`qemu-img could not read the size of ${disk} as ${fmt}`);
  const dataFile = info['format-specific']?.data?.['data-file'];
  if (dataFile !== undefined) throw new Error(`the disk ${disk} keeps its data in an external file of its own (${dataFile}); boot a standalone disk`);
  const extents = info['format-specific']?.data?.extents ?? [];
  if (extents.some((e) => e.filename !== disk)) throw new Error(`the VMDK ${disk} names extent files of its own; boot a single-file (monolithic) VMDK`);
  return info;
}
