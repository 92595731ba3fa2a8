import { ApiError } from './errors';
import { stream } from './http';

/** One stored piece of a build's output, as the log stream sends it. */
export interface LogChunk {
  seq: number;
  stream: 'stdout' | 'stderr' | 'system';
  /** ECS time (`2026-12-05T14:38:36Z`) the piece was written. */
  time: string;
  /** One or more lines (the last may be unfinished: the next chunk of its stream goes on with it). */
  text: string;
}

/** The stream's last line: the execution ended (or, without `follow`, its state now). */
export interface LogEnd {
  end: true;
  status?: string;
  message?: string;
  errorCode?: string;
  errorInfo?: string;
  imageId?: string;
}

export interface FollowOptions {
  /** Resume after this `seq` (0: from the start). */
  after?: number;
  onChunk(chunk: LogChunk): void;
  onEnd(end: LogEnd): void;
  /** The stream was cut or refused; it is retried after `retryInMs` (never called for an abort). */
  onInterrupted?(error: unknown, retryInMs: number): void;
  signal: AbortSignal;
}

const RETRY_MS = [500, 1000, 2000, 4000, 8000];
const YIELD_AFTER_MS = 12;

/**
 * Resolves after the page has had a chance to paint: a macrotask alone does not let Chromium
 * render when tasks keep coming (it starves rendering for up to ~100 ms). A hidden page gets no
 * frames: the timeout keeps the stream going there.
 */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 50);
    requestAnimationFrame(() => {
      clearTimeout(t);
      setTimeout(resolve, 0);
    });
  });
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/**
 * Reads one response of the NDJSON stream incrementally (text decoded as it arrives, lines
 * split across network chunk boundaries) and hands each parsed line on. Resolves true when the
 * end line came, false when the body ended without it (the stream was cut).
 */
async function readNdjson(res: Response, onLine: (value: LogChunk | LogEnd) => void): Promise<boolean> {
  if (!res.body) return false;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  let ended = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    let text = rest + value;
    let nl = text.indexOf('\n');
    let from = 0;
    let slice = performance.now();
    while (nl !== -1) {
      const line = text.slice(from, nl);
      from = nl + 1;
      if (line.trim() !== '') {
        const parsed = JSON.parse(line) as LogChunk | LogEnd;
        if ('end' in parsed) ended = true;
        onLine(parsed);
      }
      nl = text.indexOf('\n', from);
      // A network read can hold megabytes: the page gets a turn between slices of it.
      if (nl !== -1 && performance.now() - slice > YIELD_AFTER_MS) {
        await nextFrame();
        slice = performance.now();
      }
    }
    rest = text.slice(from);
    text = '';
  }
  return ended;
}

/**
 * Follows an execution's log (`GET /console/api/executions/{id}/logs?follow=true`): every chunk
 * once, in order, then the end. When the stream is cut (network, server restart, idle limit,
 * `Throttling.User`) it is opened again with `after` = the last `seq` received, with backoff.
 * Stops for good on `signal`, on the end line, and on NotFound or a lost session.
 */
export async function followLog(executionId: string, o: FollowOptions): Promise<void> {
  let after = o.after ?? 0;
  let attempt = 0;
  const path = () => `/executions/${encodeURIComponent(executionId)}/logs?follow=true&after=${after}`;
  while (!o.signal.aborted) {
    try {
      const res = await stream(path(), o.signal);
      const ended = await readNdjson(res, (v) => {
        if ('end' in v) o.onEnd(v);
        else {
          after = v.seq;
          attempt = 0;
          o.onChunk(v);
        }
      });
      if (ended) return;
      throw new Error('The log stream was cut.');
    } catch (err) {
      if (o.signal.aborted) return;
      if (err instanceof ApiError && (err.status === 404 || err.code === 'Console.SessionRequired' || err.code.endsWith('.NotFound'))) throw err;
      const ms = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      attempt++;
      o.onInterrupted?.(err, ms);
      await wait(ms, o.signal);
    }
  }
}
