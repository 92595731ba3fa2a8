import { configuredRegion } from './configured-region.js';
import { commandFailure } from './command-failure.js';
import { localStores } from './local-stores.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exportableImage, type ExportableImage } from '../app/export-image-source.js';
import type { KilnConfig } from '../config/config.js';
import type { ImageBootMode } from '../domain/image.js';
import { KilnError } from '../domain/errors.js';
import { exportImage } from '../engine/export/export-image.js';
import { checkBoot } from '../engine/vm/check-boot.js';
import { makeOwnedTempDir } from '../engine/system/owned-temp-dir.js';
import { startVm } from '../engine/vm/start-vm.js';
import type { VmAccel, VmBootMode } from '../engine/vm/types.js';
import { boot } from '../main/boot.js';
import { nonNegativeInt, parseCommand, UsageError } from './args.js';
import { bootFailure, bootSummary } from './boot-summary.js';
import { TerminalFilter } from '../engine/vm/console-text.js';

const USAGE = 'usage: kiln images boot <ImageId> [--boot-mode BIOS|UEFI] [--timeout S] [--check] [--disk-size GiB] [--accel auto|kvm|tcg] [--region R] [--account ID]';
const TEXT = { type: 'string' } as const;
const OPTIONS = { 'boot-mode': TEXT, timeout: TEXT, check: { type: 'boolean' }, 'disk-size': TEXT, accel: TEXT, region: TEXT, account: TEXT } as const;
const DEFAULT_TIMEOUT_S = 300;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface BootArgs {
  imageId: string;
  bootMode?: VmBootMode;
  timeoutMs: number;
  check: boolean;
  diskSizeBytes?: number;
  accel: VmAccel;
  regionId?: string;
  accountId?: string;
}

function parseBootArgs(args: string[]): BootArgs {
  const { values, positionals } = parseCommand('images boot', USAGE, args, OPTIONS, 1);
  const imageId = positionals[0];
  if (!imageId) throw new UsageError('kiln images boot: an ImageId is required', USAGE);
  const bootMode = values['boot-mode'];
  if (bootMode !== undefined && bootMode !== 'BIOS' && bootMode !== 'UEFI') throw new UsageError(`kiln images boot: --boot-mode must be BIOS or UEFI, got '${bootMode}'`, USAGE);
  const accel = values.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new UsageError(`kiln images boot: --accel must be auto, kvm or tcg, got '${accel}'`, USAGE);
  const timeout = nonNegativeInt('images boot', USAGE, '--timeout', values.timeout) ?? DEFAULT_TIMEOUT_S;
  if (timeout === 0) throw new UsageError('kiln images boot: --timeout must be at least 1 second', USAGE);
  const diskGiB = nonNegativeInt('images boot', USAGE, '--disk-size', values['disk-size']);
  if (diskGiB === 0) throw new UsageError('kiln images boot: --disk-size must be at least 1 GiB', USAGE);
  return {
    imageId, bootMode, timeoutMs: timeout * 1000, check: values.check ?? false, accel,
    diskSizeBytes: diskGiB === undefined ? undefined : diskGiB * 2 ** 30, regionId: values.region, accountId: values.account,
  };
}

/**
 * The firmware (default: the image's BootMode's; UEFI-Preferred: UEFI) and the disk layout to
 * export for it: the image's own, as ExportImage writes it, when that layout boots on the
 * firmware (UEFI-Preferred boots on both); else the firmware's own layout, said on stderr (a
 * BIOS image booted with --boot-mode UEFI gets an EFI system partition for this boot).
 */
function bootPlan(image: ExportableImage, asked: VmBootMode | undefined): { firmware: VmBootMode; layout: ImageBootMode } {
  const firmware = asked ?? (image.bootMode === 'BIOS' ? 'BIOS' : 'UEFI');
  if (image.bootMode === 'UEFI-Preferred' || image.bootMode === firmware) return { firmware, layout: image.bootMode };
  process.stderr.write(`kiln: ${image.imageId}'s BootMode is ${image.bootMode}, whose disk does not boot on ${firmware}: exporting the ${firmware} layout for this boot (ExportImage writes the ${image.bootMode} one)\n`);
  return { firmware, layout: firmware };
}

/**
 * `kiln images boot <ImageId>`: exports the image as ExportImage would (a raw disk in its
 * BootMode's layout, or the firmware's when that one does not boot on it: `bootPlan`) to a temp
 * dir and boots it in QEMU (engine/vm/): with `--check`, waits for the guest's report, checks
 * it, powers off and prints one line (exit 0), or the reason and the last console lines (exit
 * 1); without, the console is the terminal's until the guest powers off or Ctrl-A X (Ctrl-C)
 * quits. An image without a kernel is refused before QEMU starts.
 */
export async function imagesBoot(config: KilnConfig, args: string[]): Promise<number> {
  const opts = parseBootArgs(args);
  const regionId = configuredRegion(config, opts.regionId);
  if (regionId === undefined) return 2;
  const { app, credentials } = await boot(config);
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  // SIGHUP too: a closed terminal must not leave the VM's files behind.
  for (const sig of STOP_SIGNALS) process.once(sig, onSignal);
  let work: string | undefined;
  try {
    work = await makeOwnedTempDir('kiln-boot');
    const image = await exportableImage(app, app.store, { accountId: opts.accountId ?? credentials.accountId, regionId }, opts.imageId, true);
    const { firmware: bootMode, layout } = bootPlan(image, opts.bootMode);
    const disk = await exportBootDisk(config, image, layout, join(work, 'disk.raw'), abort.signal);
    const vm = { disk, format: 'raw', bootMode, accel: opts.accel, timeoutMs: opts.timeoutMs, diskSizeBytes: opts.diskSizeBytes, signal: abort.signal } as const;
    return await (opts.check ? runCheck(image.imageId, vm) : runInteractive(vm));
  } catch (err) {
    return commandFailure(err, abort.signal, 'interrupted; the VM and its files are gone');
  } finally {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    if (work) await rm(work, { recursive: true, force: true });
    await app.store.close();
  }
}

/** Exports the image to `file` as a raw disk; refuses (before any VM) an image with no kernel. */
async function exportBootDisk(config: KilnConfig, image: ExportableImage, layout: ImageBootMode, file: string, signal: AbortSignal): Promise<string> {
  process.stderr.write(`kiln: exporting ${image.imageId} as a raw ${layout} disk\n`);
  const started = Date.now();
  const result = await exportImage(localStores(config), {
    manifestDigest: image.manifestDigest, format: 'raw', file, sizeGiB: image.size, signal, bootMode: layout,
  });
  if (!result.bootable) {
    throw new KilnError('ImageNotSupported', `The specified image is not supported: ${image.imageId} has no kernel (/boot/vmlinuz-<version> with /boot/initrd.img-<version>), so its disk does not boot; build it on a VM base image such as debian_12_x64_20G_kiln_vm.vhd.`);
  }
  process.stderr.write(`kiln: exported in ${seconds(started)} s (${result.diskBytes} bytes)\n`);
  return file;
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

type VmRequest = Parameters<typeof checkBoot>[0];

async function runCheck(imageId: string, vm: VmRequest): Promise<number> {
  const filter = new TerminalFilter();
  const started = Date.now();
  const outcome = await checkBoot({ ...vm, onConsole: (text) => process.stdout.write(filter.write(text)) });
  process.stdout.write('\n');
  process.stderr.write(`kiln: the VM is gone ${seconds(started)} s after QEMU was asked to start (report at ${outcome.seconds.toFixed(1)} s)\n`);
  if (vm.signal?.aborted) throw vm.signal.reason;
  if (outcome.ok) {
    console.log(bootSummary(imageId, vm.bootMode, outcome));
    return 0;
  }
  console.error(bootFailure(imageId, vm.bootMode, outcome));
  return 1;
}

async function runInteractive(vm: VmRequest): Promise<number> {
  process.stderr.write(`kiln: booting (${vm.bootMode}); Ctrl-A X or Ctrl-C quits (Ctrl-C is not passed to the guest), Ctrl-A C is QEMU's monitor\n`);
  const running = await startVm({ ...vm, interactive: true });
  process.stderr.write(`kiln: running on ${running.accel}\n`);
  const exit = await running.exited;
  if (vm.signal?.aborted) throw vm.signal.reason;
  return exit.code === 0 ? 0 : 1;
}
