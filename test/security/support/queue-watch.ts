import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Watches a Kiln's build queue in its SQLite database (read-only, beside the running server):
 * every `intervalMs` it reads which executions hold a live lease, i.e. are being built. From the
 * snapshots: the order in which executions were first claimed, and how many of each account
 * were being built at once. Builds in these tests run for seconds, so no claim goes unseen.
 */
export class QueueWatch {
  private readonly db: Database.Database;
  private readonly timer: NodeJS.Timeout;
  /** Execution ids in the order they were first seen leased. */
  readonly claimOrder: string[] = [];
  /** Every snapshot: the leased execution ids per account. */
  readonly snapshots: Array<Map<string, string[]>> = [];

  constructor(dataDir: string, intervalMs = 50) {
    this.db = new Database(join(dataDir, 'kiln.db'), { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    this.timer = setInterval(() => this.look(), intervalMs);
    this.look();
  }

  private look(): void {
    const rows = this.db.prepare('select id, account_id from executions where active = 1 and lease_owner is not null and lease_expires_at >= ? order by id')
      .all(Date.now()) as Array<{ id: string; account_id: string }>;
    const byAccount = new Map<string, string[]>();
    for (const r of rows) {
      if (!this.claimOrder.includes(r.id)) this.claimOrder.push(r.id);
      byAccount.set(r.account_id, [...(byAccount.get(r.account_id) ?? []), r.id]);
    }
    this.snapshots.push(byAccount);
  }

  /** The most executions of `accountId` seen leased at once. */
  maxAtOnce(accountId: string): number {
    return Math.max(0, ...this.snapshots.map((s) => s.get(accountId)?.length ?? 0));
  }

  /** Whether some snapshot saw builds of both accounts at once. */
  sawTogether(a: string, b: string): boolean {
    return this.snapshots.some((s) => s.has(a) && s.has(b));
  }

  /** Whether some snapshot saw both executions leased at once. */
  sawBothLeased(idA: string, idB: string): boolean {
    return this.snapshots.some((s) => {
      const leased = [...s.values()].flat();
      return leased.includes(idA) && leased.includes(idB);
    });
  }

  /** Resolves once `ok` holds for a snapshot (polling at the watch's pace), or rejects after `timeoutMs`. */
  async until(ok: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; claims so far: ${this.claimOrder.join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.db.close();
  }
}
