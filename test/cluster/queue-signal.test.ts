import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { QueuedJob, QueueSignal } from '../../src/domain/queue-signal.js';
import { openQueueSignal } from '../../src/store/pg-queue-signal.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';

/*
 * The queue signal on a real PostgreSQL: a Start announced by one process (an API process)
 * reaches the listener of another (a `kiln worker` host), also after the listener's connection
 * was killed. SQLite has none (its workers share the host and hear of Starts over IPC).
 */

let db: FreshDatabase;
const signals: QueueSignal[] = [];
before(async () => {
  db = await freshDatabase('kiln_signal');
});
after(async () => {
  for (const s of signals) await s.close();
  await db.drop();
});

/** Announces `job` from `from` until `heard` has it (the listener may still be connecting). */
async function announceUntilHeard(from: QueueSignal, job: QueuedJob, heard: QueuedJob[]): Promise<void> {
  const start = heard.length;
  while (!heard.slice(start).includes(job)) {
    from.announce(job);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function terminateListeners(): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen %'");
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

test('an announced execution or task reaches the listeners of other processes, and again after their connection is killed', async () => {
  const heard: QueuedJob[] = [];
  const listener = openQueueSignal({ databaseUrl: db.url, onQueued: (job) => heard.push(job) });
  const announcer = openQueueSignal({ databaseUrl: db.url });
  assert.ok(listener && announcer);
  signals.push(listener, announcer);

  await announceUntilHeard(announcer, 'execution', heard);
  await announceUntilHeard(announcer, 'task', heard);

  assert.equal(await terminateListeners(), 1);
  // Back after a backoff: it wakes its workers for both kinds at once (announcements may have been missed)…
  const before = heard.length;
  while (!(heard.slice(before).includes('execution') && heard.slice(before).includes('task'))) await new Promise((resolve) => setTimeout(resolve, 50));
  // …and hears announcements again.
  await announceUntilHeard(announcer, 'execution', heard);
});

test('SQLite has no queue signal', () => {
  assert.equal(openQueueSignal({}), undefined);
  assert.equal(openQueueSignal({ databaseUrl: 'sqlite:/tmp/x.db' }), undefined);
});
