import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../../app/app.js';
import { fault, KilnError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/execution.js';
import type { RouteAuthenticator } from './authenticate-native.js';
import { LogStreamSlots } from './log-stream-slots.js';
import { sendError } from './send-error.js';

/** Path of the live log stream of one execution, signed (`nativeAuthenticator`). */
export const LOGS_PATH = '/kiln/v1/executions/:executionId/logs';

/**
 * Each app's open streams, whatever route they came through (signed or console): one
 * per-account limit for the process.
 */
const SLOTS = new WeakMap<App, LogStreamSlots>();

function slotsOf(app: App): LogStreamSlots {
  let slots = SLOTS.get(app);
  if (!slots) SLOTS.set(app, (slots = new LogStreamSlots(app.config.logStreamsPerAccount)));
  return slots;
}

const POLL_MS = 250;
/** A followed stream asks whether its caller may still read every this many polls (≈1 s): a session's end ends it. */
const RECHECK_POLLS = 4;
/**
 * Chunks read from the store at a time. A reader holds at most one page (chunks are at most
 * 64 Ki characters, see `MAX_CHUNK_LENGTH`) plus what its socket buffers, however long the log
 * and however slowly it reads.
 */
const PAGE = 16;

/** How a write ended: taken, the client gone, or the client taking nothing for the idle limit. */
type Sent = 'sent' | 'gone' | 'stalled';

/**
 * Writes `text` to the response; when the socket's buffer is past its high-water mark, waits
 * until it drains. `gone` once the client has gone (nothing more should be sent); `stalled`
 * when, for `idleMs` (0: no limit), the client took nothing: no write completed, so what waits
 * to be sent did not shrink.
 */
function send(res: ServerResponse, text: string, idleMs: number): Promise<Sent> {
  if (res.destroyed || res.writableEnded) return Promise.resolve('gone');
  if (res.write(text)) return Promise.resolve('sent');
  return new Promise((resolve) => {
    let waiting = res.writableLength;
    let timer: NodeJS.Timeout | undefined;
    const settle = (how: Sent) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(how === 'sent' && res.destroyed ? 'gone' : how);
    };
    const onDrain = () => settle('sent');
    const onClose = () => settle('gone');
    const check = () => {
      const now = res.writableLength;
      if (now >= waiting) return settle('stalled');
      waiting = now;
      timer = setTimeout(check, idleMs);
    };
    if (idleMs > 0) timer = setTimeout(check, idleMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * `GET <path>?after=N&follow=true` (`path` ends in `:executionId`) — an execution's output as
 * NDJSON: one `{"seq","stream","time","text"}` line per chunk after `after`, then (when the
 * execution has ended, or at once without `follow`) a last line
 * `{"end":true,"status","message","errorCode","errorInfo","imageId"}`. With `follow` the
 * stream stays open and delivers output as the build writes it. `auth` finds the caller:
 * registered at `LOGS_PATH` signed like the ECS API (V3), and for the console with its session.
 * An execution of another account is `InvalidImagePipelineExecution.NotFound`.
 *
 * An account has at most `logStreamsPerAccount` streams open on this process at once, by any
 * route (more: `Throttling.User`), and a stream whose reader takes nothing for `logStreamIdleMs`
 * is closed; a client resumes with `after` = the last `seq` it got. A followed stream of the
 * console is cut within about a second of its session's end (sign-out, expiry, key disabled).
 */
export function registerExecutionLogs(server: FastifyInstance, app: App, path: string, auth: RouteAuthenticator): void {
  const slots = slotsOf(app);
  const idleMs = app.config.logStreamIdleMs;
  server.get<{ Params: { executionId: string }; Querystring: { after?: string; follow?: string } }>(path, async (req, reply) => {
    let caller: Awaited<ReturnType<RouteAuthenticator>>;
    try {
      caller = await auth(req);
    } catch (err) {
      return sendError(reply, app, err);
    }
    const { accountId } = caller;
    const release = slots.acquire(accountId);
    if (!release) {
      return sendError(reply, app, new KilnError('Throttling.User', `Request was denied due to user flow control: account ${accountId} already has `
        + `${slots.limit} log streams open on this server (KILN_LOG_STREAMS_PER_ACCOUNT). Close one, or retry once one has ended.`));
    }
    try {
      return await streamLogs(req, reply, accountId, caller.stillAllowed);
    } finally {
      release();
    }
  });

  async function streamLogs(req: FastifyRequest<{ Params: { executionId: string }; Querystring: { after?: string; follow?: string } }>, reply: FastifyReply, accountId: string, stillAllowed?: () => Promise<boolean>): Promise<FastifyReply | undefined> {
    const first = await app.store.executions.locate(accountId, req.params.executionId);
    if (!first) {
      return sendError(reply, app, fault('InvalidImagePipelineExecution.NotFound'));
    }
    const follow = req.query.follow === 'true' || req.query.follow === '1';
    let after = Number.parseInt(req.query.after ?? '0', 10);
    if (!Number.isSafeInteger(after) || after < 0) after = 0;

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    // At once, not with the first chunk: a follow client of a quiet build knows it was admitted.
    res.flushHeaders();
    // 'close' on the response: the answer was sent, or the connection ended (the client went away).
    let closed = false;
    res.once('close', () => {
      closed = true;
    });
    const scope = { accountId, regionId: first.regionId };
    let polls = 0;
    try {
      for (;;) {
        // Read the status before the chunks: output written before a terminal status is then always delivered.
        const execution = await app.store.executions.get(scope, first.id);
        let chunks = await app.store.executionLogs.read(first.id, after, PAGE);
        while (chunks.length > 0 && !closed) {
          // One chunk at a time, each after the last drained: a reader that does not read holds
          // this page and a socket buffer, never the rest of the log.
          for (const chunk of chunks) {
            const sent = await send(res, `${JSON.stringify(chunk)}\n`, idleMs);
            if (sent === 'stalled') {
              // Cut, not ended: the client sees no end line and resumes after the last seq it got.
              req.log.info({ executionId: first.id, accountId }, `log stream closed: its reader took nothing for ${idleMs} ms`);
              res.destroy();
            }
            if (sent !== 'sent') return undefined;
            after = chunk.seq;
          }
          // A fast reader on loopback takes every write at once (send resolves without waiting)
          // and SQLite reads synchronously: without a turn of the event loop between pages, a
          // 100 MB catch-up would hold the whole process (every other request) until it ends.
          if (chunks.length === PAGE) await nextTurn();
          chunks = chunks.length === PAGE && !closed ? await app.store.executionLogs.read(first.id, after, PAGE) : [];
        }
        if (closed) return undefined;
        if (!execution || !follow || isTerminal(execution.status)) {
          res.end(`${JSON.stringify({ end: true, status: execution?.status, message: execution?.message, errorCode: execution?.errorCode, errorInfo: execution?.errorInfo, imageId: execution?.imageId })}\n`);
          return undefined;
        }
        await sleep(POLL_MS);
        if (closed) return undefined;
        polls += 1;
        if (stillAllowed && polls % RECHECK_POLLS === 0 && !(await stillAllowed())) {
          // Signed out, expired, or its AccessKey disabled: cut as a stall is (a resume is then refused).
          req.log.info({ executionId: first.id, accountId }, 'log stream closed: its session ended');
          res.destroy();
          return undefined;
        }
      }
    } catch (err) {
      req.log.error({ err }, 'log stream failed');
      res.end();
      return undefined;
    }
  }
}
