import { LayerTooLargeError } from './layer-errors.js';

/**
 * A member written later than its place in the archive: a device node, fifo or whiteout waiting
 * for its `mknod` batch, or a hardlink whose target was not there yet. Nothing is on disk at its
 * path meanwhile.
 */
export type Deferred =
  | { kind: 'node'; type: 'c' | 'b' | 'p'; major: number; minor: number; uid: number; gid: number; mode: number; mtime: number }
  | { kind: 'link'; target: string };

/** What the extractor still means to do at one path. */
export interface PendingEntry {
  deferred?: Deferred;
  /** A directory's mtime, set once everything below it is written. */
  dirTime?: number;
  /** Xattrs to set (name → value). */
  xattrs?: Map<string, Buffer>;
}

interface Node extends PendingEntry {
  name: string;
  parent: Node | undefined;
  children?: Map<string, Node>;
  /** Bytes this node adds to the tree's count (its own, not its children's). */
  cost: number;
}

/**
 * Heap a node takes besides its name: the object, its entry in the parent's map, its share of
 * the maps of children. Measured with V8 (Node 20) at about 150 bytes for a directory time
 * (200,000 directories in 2,000 parents); more is counted so the count bounds the heap. A
 * deferred member and an xattr count their own overhead and bytes on top.
 */
const NODE_COST = 200;
const DEFERRED_COST = 96;
const XATTR_COST = 96;

/**
 * The extractor's pending work, by path, as a tree of name components: replacing a directory
 * drops everything pending below it in time proportional to what is dropped (each entry is
 * dropped once, so a layer costs linear time however it replaces its directories), and paths
 * share their directories' names. Every entry counts against `maxBytes` (names, xattr values and
 * a per-entry overhead): past it the layer is refused (`LayerTooLargeError`), so the tree's heap
 * stays bounded whatever the archive holds.
 */
export class PendingTree {
  private readonly top: Node = { name: '', parent: undefined, cost: 0 };
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes counted now. */
  get bytes(): number {
    return this.total;
  }

  /** The entry at `rel` ('' is the layer root), if anything is pending there or below. */
  get(rel: string): PendingEntry | undefined {
    if (rel === '') return this.top;
    let node: Node | undefined = this.top;
    for (const part of rel.split('/')) {
      node = node.children?.get(part);
      if (!node) return undefined;
    }
    return node;
  }

  /** The entry at `rel`, made (and counted) when missing. */
  entry(rel: string): PendingEntry {
    if (rel === '') return this.top;
    let node = this.top;
    for (const part of rel.split('/')) {
      let child = node.children?.get(part);
      if (!child) {
        child = { name: part, parent: node, cost: NODE_COST + Buffer.byteLength(part) };
        this.count(child.cost);
        (node.children ??= new Map()).set(part, child);
      }
      node = child;
    }
    return node;
  }

  /** Defers a member at `rel` (replacing what was deferred there). */
  defer(rel: string, deferred: Deferred): void {
    const node = this.entry(rel) as Node;
    if (node.deferred) this.uncount(node, deferredCost(node.deferred));
    const cost = deferredCost(deferred);
    this.count(cost);
    node.cost += cost;
    node.deferred = deferred;
  }

  addXattr(rel: string, key: string, value: Buffer): void {
    const node = this.entry(rel) as Node;
    const cost = XATTR_COST + Buffer.byteLength(key) + value.length;
    const old = node.xattrs?.get(key);
    if (old) this.uncount(node, XATTR_COST + Buffer.byteLength(key) + old.length);
    this.count(cost);
    node.cost += cost;
    (node.xattrs ??= new Map()).set(key, value);
  }

  /** Drops the xattrs pending at `rel` (written) and the entry itself when nothing else is pending there. */
  clearXattrs(rel: string): void {
    const node = this.get(rel) as Node | undefined;
    if (!node?.xattrs) return;
    for (const [key, value] of node.xattrs) this.uncount(node, XATTR_COST + Buffer.byteLength(key) + value.length);
    node.xattrs = undefined;
    this.prune(node);
  }

  /** Drops the deferred member at `rel` (written), and the entry when nothing else is pending there. */
  clearDeferred(rel: string): void {
    const node = this.get(rel) as Node | undefined;
    if (!node?.deferred) return;
    this.uncount(node, deferredCost(node.deferred));
    node.deferred = undefined;
    this.prune(node);
  }

  /** Drops everything pending at `rel` and below (a replaced member). */
  remove(rel: string): void {
    if (rel === '') {
      for (const child of [...(this.top.children?.values() ?? [])]) this.remove(child.name);
      this.top.deferred = this.top.dirTime = undefined;
      if (this.top.xattrs) this.clearXattrs('');
      return;
    }
    const node = this.get(rel) as Node | undefined;
    if (!node) return;
    node.parent!.children!.delete(node.name);
    const stack: Node[] = [node];
    while (stack.length > 0) {
      const n = stack.pop()!;
      this.total -= n.cost;
      for (const c of n.children?.values() ?? []) stack.push(c);
    }
    this.prune(node.parent!);
  }

  /** Every entry, the root ('') included, children before their parent (deepest directories first). */
  *entries(): Generator<[string, PendingEntry]> {
    const stack: Array<{ node: Node; rel: string; open: boolean }> = [{ node: this.top, rel: '', open: false }];
    while (stack.length > 0) {
      const at = stack[stack.length - 1]!;
      if (!at.open) {
        at.open = true;
        for (const child of at.node.children?.values() ?? []) stack.push({ node: child, rel: at.rel === '' ? child.name : `${at.rel}/${child.name}`, open: false });
        continue;
      }
      stack.pop();
      yield [at.rel, at.node];
    }
  }

  private count(bytes: number): void {
    this.total += bytes;
    if (this.total > this.maxBytes) {
      throw new LayerTooLargeError(`the layer is too large for Kiln: more than ${this.maxBytes} bytes of directories, hardlinks, device nodes and xattrs waiting to be written`);
    }
  }

  private uncount(node: Node, bytes: number): void {
    node.cost -= bytes;
    this.total -= bytes;
  }

  /** Removes `node` and its emptied ancestors when nothing is pending there any more. */
  private prune(node: Node): void {
    let n: Node | undefined = node;
    while (n && n !== this.top && !n.deferred && n.dirTime === undefined && !n.xattrs && !n.children?.size) {
      n.parent!.children!.delete(n.name);
      this.total -= n.cost;
      n = n.parent;
    }
  }
}

function deferredCost(d: Deferred): number {
  return DEFERRED_COST + (d.kind === 'link' ? Buffer.byteLength(d.target) : 0);
}
