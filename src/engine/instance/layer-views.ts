import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanupStack } from './cleanup-stack.js';
import type { IdRange } from './id-slots.js';
import { idmapMounts } from './idmap.js';
import { unmount } from './mounts.js';

/**
 * An instance's views of layer-store dirs: each dir, the first time the instance stacks it, gets
 * an idmapped clone at `<root>/<n>` (read-only, nosuid, nodev) through which the files stored
 * with real ids (root is 0) show as the instance's host ids, that is, as the container's own
 * ids inside its user namespace. The layer store stays shared by every instance, untouched.
 * Each batch of new views pushes its unmount onto the instance's cleanup stack.
 */
export class LayerViews {
  private readonly views = new Map<string, string>();
  /** Next mount point number (not reused after a failed batch, whose folders may remain). */
  private next = 0;

  constructor(
    private readonly root: string,
    private readonly range: IdRange,
    private readonly stack: CleanupStack,
  ) {}

  /** The view of each dir in `dirs` (made for those that have none yet, in one batch). */
  async of(dirs: readonly string[]): Promise<string[]> {
    const missing = [...new Set(dirs.filter((d) => !this.views.has(d)))];
    if (missing.length > 0) {
      if (this.next === 0) await mkdir(this.root, { recursive: true, mode: 0o700 });
      const made = missing.map((source) => ({ source, target: join(this.root, String(this.next++)) }));
      await Promise.all(made.map((m) => mkdir(m.target)));
      const targets = made.map((m) => m.target);
      // pushed first: a batch that fails part-way unmounts what it made (unmounting nothing is fine)
      this.stack.push(`layer views ${targets.join(', ')}`, async () => {
        for (const t of targets.reverse()) await unmount(t);
      });
      await idmapMounts(this.range, made, { direction: 'toHost', readOnly: true });
      for (const m of made) this.views.set(m.source, m.target);
    }
    return dirs.map((d) => this.views.get(d)!);
  }
}
