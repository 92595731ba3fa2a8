import { chmod, lchown, lutimes } from 'node:fs/promises';
import { CommandError, runCommand } from '../system/run-command.js';
import { InvalidLayerError, UnsafeLayerPathError } from './layer-errors.js';
import { lstatOrNull, type LayerRoot } from './layer-root.js';
import type { Deferred, PendingTree } from './pending-tree.js';
import { writeXattrs } from './xattrs.js';

/** Paths per `mknod` script or `setfattr` dump, and xattr bytes per dump: one process per batch, bounded input. */
const BATCH_ENTRIES = 1024;
const BATCH_XATTR_BYTES = 1024 * 1024;

type NodeDeferred = Extract<Deferred, { kind: 'node' }>;

/**
 * Device nodes, fifos, whiteouts and xattrs, written in batches rather than a process each
 * (Node's fs has neither mknod nor setxattr) and rather than all at the end (which held every
 * one of them, however many, until the layer's last member). The extractor adds to the batch
 * as it reads and writes it out whenever it is `full`; what is waiting is kept in the
 * `PendingTree`, where a later member replacing it drops it. Each path is re-resolved beneath
 * the layer root right before it is written.
 */
export class DeferredBatch {
  private readonly nodes = new Set<string>();
  private readonly xattrPaths = new Set<string>();
  private xattrBytes = 0;

  constructor(
    private readonly root: LayerRoot,
    private readonly pending: PendingTree,
  ) {}

  addNode(rel: string, node: NodeDeferred): void {
    this.pending.defer(rel, node);
    this.nodes.add(rel);
  }

  addXattr(rel: string, key: string, value: Buffer): void {
    this.pending.addXattr(rel, key, value);
    this.xattrPaths.add(rel);
    this.xattrBytes += key.length + value.length;
  }

  get full(): boolean {
    return this.nodes.size >= BATCH_ENTRIES || this.xattrPaths.size >= BATCH_ENTRIES || this.xattrBytes >= BATCH_XATTR_BYTES;
  }

  /**
   * Makes the waiting device nodes, then sets the waiting xattrs but those of hardlinks not
   * made yet (they stay pending for `writeAllXattrs`).
   */
  async flush(): Promise<void> {
    await this.makeNodes();
    const paths = [...this.xattrPaths].filter((rel) => !this.pending.get(rel)?.deferred);
    this.xattrPaths.clear();
    this.xattrBytes = 0;
    await this.writeXattrs(paths);
  }

  /** Every xattr still pending (hardlinks made at the end), in batches. */
  async writeAllXattrs(): Promise<void> {
    const paths: string[] = [];
    for (const [rel, entry] of this.pending.entries()) if (entry.xattrs) paths.push(rel);
    for (let i = 0; i < paths.length; i += BATCH_ENTRIES) await this.writeXattrs(paths.slice(i, i + BATCH_ENTRIES));
  }

  private async makeNodes(): Promise<void> {
    const made: Array<[string, string, NodeDeferred]> = [];
    let script = 'set -e\n';
    for (const rel of this.nodes) {
      const d = this.pending.get(rel)?.deferred;
      if (d?.kind !== 'node') continue; // replaced meanwhile
      const abs = await this.root.existingParents(rel, 'device node');
      if (lstatOrNull(abs)) throw new UnsafeLayerPathError(rel, 'something is already there');
      made.push([rel, abs, d]);
      script += `mknod -m 0000 ${shellQuote(abs)} ${d.type}${d.type === 'p' ? '' : ` ${d.major} ${d.minor}`}\n`;
    }
    this.nodes.clear();
    if (made.length === 0) return;
    try {
      await runCommand('sh', ['-s'], { input: script });
    } catch (err) {
      if (err instanceof CommandError && err.result.code !== 127) throw new InvalidLayerError(`a device node of the layer could not be made: ${err.result.stderr.trim().slice(0, 500)}`);
      throw err;
    }
    for (const [rel, abs, d] of made) {
      const st = lstatOrNull(abs);
      const ok = d.type === 'c' ? st?.isCharacterDevice() : d.type === 'b' ? st?.isBlockDevice() : st?.isFIFO();
      if (!ok) throw new UnsafeLayerPathError(rel, 'the device node made there is gone');
      await lchown(abs, d.uid, d.gid);
      await chmod(abs, d.mode); // not a symlink: lstat'ed just above
      await lutimes(abs, d.mtime, d.mtime);
      this.pending.clearDeferred(rel);
    }
  }

  private async writeXattrs(paths: string[]): Promise<void> {
    const attrs: Array<[string, Map<string, Buffer>]> = [];
    for (const rel of paths) {
      const values = this.pending.get(rel)?.xattrs;
      if (!values) continue; // replaced meanwhile
      const abs = rel === '' ? this.root.dir : await this.root.existingParents(rel, 'xattrs');
      if (!lstatOrNull(abs)) throw new UnsafeLayerPathError(rel, 'xattrs for a file that is gone');
      attrs.push([abs, values]);
    }
    try {
      await writeXattrs(attrs); // setfattr -h: the last component is not followed
    } catch (err) {
      if (err instanceof CommandError && err.result.code !== 127) throw new InvalidLayerError(`an xattr of the layer could not be set: ${err.result.stderr.trim().slice(0, 500)}`);
      throw err;
    }
    for (const rel of paths) this.pending.clearXattrs(rel);
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
