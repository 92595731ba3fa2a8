/**
 * What is wrong with a layer archive itself (never with the machine): callers turn these into
 * their user-facing error (`kiln images import`, BaseImageType=OSS, a build on a stored image)
 * and treat anything else as Kiln's own failure.
 */
export class InvalidLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLayerError';
  }
}

/**
 * A member the extractor refuses to write: its name or hardlink target leaves the layer (`..`,
 * through a symlink of the layer), is too long to write beneath the layer root, or conflicts
 * with what the layer already holds (a file used as a directory, a hardlink to a directory).
 */
export class UnsafeLayerPathError extends InvalidLayerError {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`unsafe path in layer: ${JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path)} (${why})`);
    this.name = 'UnsafeLayerPathError';
  }
}

/** Bytes that are not a tar archive the reader takes (truncated, corrupt header, bad gzip, unsupported member). */
export class TarFormatError extends InvalidLayerError {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/**
 * A layer past one of the extractor's resource limits (`LayerLimits`): too many members, too
 * many uncompressed bytes, or more metadata waiting to be written than the extractor holds.
 */
export class LayerTooLargeError extends InvalidLayerError {
  constructor(message: string) {
    super(message);
    this.name = 'LayerTooLargeError';
  }
}
