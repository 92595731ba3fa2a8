/**
 * The IPC messages between `kiln serve`'s primary and its API children (node:cluster). Each
 * carries `kiln` so that other messages on the channel (the metrics bridge's) are told apart.
 */

/** Child → primary: an execution or a task was queued here; wake the idle workers. */
export interface QueuedMessage {
  kiln: 'queued';
  job: 'execution' | 'task';
}

/** Primary → child: stop accepting, finish the requests in flight, close the store, exit 0. */
export interface DrainMessage {
  kiln: 'drain';
}

function tagged(m: unknown): m is { kiln: unknown } {
  return typeof m === 'object' && m !== null && 'kiln' in m;
}

export function isQueuedMessage(m: unknown): m is QueuedMessage {
  return tagged(m) && m.kiln === 'queued' && ((m as QueuedMessage).job === 'execution' || (m as QueuedMessage).job === 'task');
}

export function isDrainMessage(m: unknown): m is DrainMessage {
  return tagged(m) && m.kiln === 'drain';
}
