import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { IdSlots, type IdClaim } from '../../src/engine/instance/id-slots.js';

const run = promisify(execFile);

/**
 * Two instances never share a host id range, even when several Kiln processes take over the
 * claim of a crashed one at the same moment (two claimers that both judged it stale each
 * removed "the stale claim", the second removing the first's fresh one, and both built with
 * the same host ids: another tenant's files and processes). A claim a crash left half made is
 * taken over, not lost for good.
 */
describe('security: instance id ranges are never shared', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-idslots-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Claims held by a process that ended without releasing them, for an instance folder that is gone. */
  async function crashedClaims(claimsDirs: string[], slots: number): Promise<void> {
    const owner = join(dir, `gone-${Math.random().toString(36).slice(2)}`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/claim-and-crash.ts'), String(slots), owner, ...claimsDirs]);
    assert.equal(stdout, `claimed ${claimsDirs.length}\n`);
  }

  test('claimers taking over a crashed claim at once: exactly one gets the range, and its claim stays', async () => {
    const rounds = Array.from({ length: 40 }, (_, round) => join(dir, `round-${round}`));
    await crashedClaims(rounds, 1);
    for (const [round, claimsDir] of rounds.entries()) {
      // several engines (each its own IdSlots, as in separate processes) for live instance folders,
      // starting a little apart as they would
      const owners = Array.from({ length: 6 }, (_, i) => join(dir, `live-${round}-${i}`));
      await Promise.all(owners.map((o) => writeFile(o, '')));
      const results = await Promise.allSettled(
        owners.map(async (o, i) => {
          for (let t = 0; t < i * round % 7; t++) await new Promise((r) => setImmediate(r));
          return new IdSlots({ claimsDir, slots: 1 }).claim(o);
        }),
      );
      const won = results.filter((r): r is PromiseFulfilledResult<IdClaim> => r.status === 'fulfilled').map((r) => r.value);
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: ${won.length} instances got the one id range`);
      for (const l of lost) assert.match(String(l.reason), /all 1 id ranges for build instances are in use/);
      // the winner's claim is still there: a later claimer does not take it over
      const winner = owners[results.findIndex((r) => r.status === 'fulfilled')]!;
      assert.deepEqual(await new IdSlots({ claimsDir, slots: 1 }).claimsOf(winner), [won[0]!.file]);
      await assert.rejects(new IdSlots({ claimsDir, slots: 1 }).claim(join(dir, 'late')), /in use/);
      await won[0]!.release();
      const after = await new IdSlots({ claimsDir, slots: 1 }).claim(join(dir, 'after'));
      await after.release();
    }
  });

  test('a claim a crash left half written (empty) is taken over', async () => {
    const claimsDir = join(dir, 'half');
    await crashedClaims([claimsDir], 1);
    // what a crash between creating the claim and writing it leaves: the claim with nothing in it
    const slot = join(claimsDir, '0');
    if ((await stat(slot)).isDirectory()) for (const e of await readdir(slot)) await truncate(join(slot, e));
    else await truncate(slot);
    const claim = await new IdSlots({ claimsDir, slots: 1 }).claim(join(dir, 'half-owner'));
    assert.equal(claim.range.size, 65536);
    await claim.release();
  });
});
