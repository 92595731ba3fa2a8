import { LayerTooLargeError } from './layer-errors.js';

/**
 * What one layer may cost the extractor, whatever its archive says. Far above real images (a
 * large distribution image has a few hundred thousand members and a few MiB of directories,
 * hardlinks and xattrs waiting at any time), and low enough that a crafted archive cannot
 * exhaust the process's memory or the host's disk: past any of them the layer is refused with a
 * `LayerTooLargeError` (`InvalidImage.LayerTooLarge`).
 */
export interface LayerLimits {
  /** Members (files, directories, links, device nodes, whiteouts): each is at most one inode. */
  maxMembers: number;
  /** Bytes of uncompressed tar (what a gzip layer inflates to). */
  maxTarBytes: number;
  /**
   * Bytes of metadata held until it can be written: the names of directories (their times are
   * set last), of hardlinks whose target comes later and of device nodes waiting for their
   * `mknod` batch, and xattr names and values waiting for their `setfattr` batch. Counted with
   * a per-entry overhead that matches the heap they take.
   */
  maxPendingBytes: number;
}

export const DEFAULT_LAYER_LIMITS: Readonly<LayerLimits> = Object.freeze({
  maxMembers: 1_000_000,
  maxTarBytes: 64 * 1024 ** 3,
  maxPendingBytes: 64 * 1024 ** 2,
});

/** `DEFAULT_LAYER_LIMITS` with what `overrides` sets. */
export function layerLimits(overrides: Partial<LayerLimits> = {}): LayerLimits {
  return { ...DEFAULT_LAYER_LIMITS, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}

/** Throws `LayerTooLargeError` when `value` is past `limit`. */
export function checkLimit(value: number, limit: number, what: string): void {
  if (value > limit) throw new LayerTooLargeError(`the layer is too large for Kiln: ${what} (at most ${limit})`);
}
