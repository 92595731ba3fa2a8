import { configuredRegion } from './configured-region.js';
import { commandFailure } from './command-failure.js';
import { localStores } from './local-stores.js';
import { exportableImage } from '../app/export-image-source.js';
import type { KilnConfig } from '../config/config.js';
import { BOOT_MODES } from '../domain/image-attributes.js';
import type { ImageBootMode } from '../domain/image.js';
import { EXPORT_FORMATS, exportImage, type ExportFormat } from '../engine/export/export-image.js';
import { boot } from '../main/boot.js';
import { parseCommand, UsageError } from './args.js';

const USAGE = `usage: kiln images export <ImageId> --format ${EXPORT_FORMATS.join('|')} -o FILE [--boot-mode ${BOOT_MODES.join('|')}] [--region R] [--account ID] [--tag NAME:TAG]`;
const TEXT = { type: 'string' } as const;
const OPTIONS = { format: TEXT, output: { type: 'string', short: 'o' }, region: TEXT, account: TEXT, tag: TEXT, 'boot-mode': TEXT } as const;

/** Shows progress on stderr: a bar redrawn in place on a terminal, a line per 10% (and per phase) otherwise. */
function progressPrinter(stream: NodeJS.WriteStream): (percent: number, phase: string) => void {
  let lastLine = -1;
  let lastPhase = '';
  return (percent, phase) => {
    if (stream.isTTY) {
      const width = 30;
      const full = Math.round((percent / 100) * width);
      stream.write(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(percent).padStart(3)}% ${phase.padEnd(40).slice(0, 40)}`);
      if (percent >= 100) stream.write('\n');
      return;
    }
    const step = Math.floor(percent / 10);
    if (step === lastLine && phase === lastPhase) return;
    lastLine = step;
    lastPhase = phase;
    stream.write(`kiln: export ${percent}% ${phase}\n`);
  };
}

/**
 * `kiln images export <ImageId> --format F -o FILE`: writes an image of the account (default:
 * the default account) or one shared with it, in the region (default: the first configured),
 * to FILE in format F (see `exportImage` in engine/export/; a disk of an image with a kernel boots
 * in the image's BootMode, or `--boot-mode`'s): atomically (nothing under FILE
 * unless it succeeds; Ctrl-C leaves nothing) and deterministically. A refusal (unknown image,
 * system image…) exits 1 with `kiln: <Code>: <message>`.
 */
export async function imagesExport(config: KilnConfig, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('images export', USAGE, args, OPTIONS, 1);
  const imageId = positionals[0];
  const format = values.format as ExportFormat | undefined;
  if (!imageId || !format || !values.output) throw new UsageError('kiln images export: an ImageId, --format and -o FILE are required', USAGE);
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`kiln images export: --format must be one of ${EXPORT_FORMATS.join(', ')}, got '${format}'`, USAGE);
  const bootMode = values['boot-mode'] as ImageBootMode | undefined;
  if (bootMode !== undefined && !BOOT_MODES.includes(bootMode)) throw new UsageError(`kiln images export: --boot-mode must be one of ${BOOT_MODES.join(', ')}, got '${bootMode}'`, USAGE);
  const regionId = configuredRegion(config, values.region);
  if (regionId === undefined) return 2;
  const { app, credentials } = await boot(config);
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const scope = { accountId: values.account ?? credentials.accountId, regionId };
    const image = await exportableImage(app, app.store, scope, imageId, true);
    const result = await exportImage(localStores(config), {
      manifestDigest: image.manifestDigest, format, file: values.output, sizeGiB: image.size, signal: abort.signal, bootMode: bootMode ?? image.bootMode,
      tag: values.tag ?? `${image.imageId.toLowerCase()}:latest`, onProgress: progressPrinter(process.stderr),
    });
    console.log(`${values.output}: ${result.note} (${result.bytes} bytes)`);
    return 0;
  } catch (err) {
    return commandFailure(err, abort.signal, 'the export was interrupted; nothing was written');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await app.store.close();
  }
}
