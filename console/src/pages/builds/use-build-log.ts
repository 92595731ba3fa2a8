import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiError } from '../../api/errors';
import { followLog, type LogEnd } from '../../api/logs';
import { LogStore } from '../../components/log-view-store';

export interface BuildLog {
  store: LogStore;
  /** The stream's end line, once the build ended. */
  end?: LogEnd;
  /** The stream is cut and is being opened again. */
  interrupted?: string;
  /** The stream cannot be read (NotFound, session lost). */
  error?: ApiError | Error;
  /** Bumped (at most a few times a second) as lines arrive: the page re-reads steps and stages. */
  version: number;
}

/** How often the page around the log (steps, stages, counts) catches up with it. */
const PAGE_REFRESH_MS = 250;

/**
 * Streams an execution's log into a LogStore for as long as the page shows it; the stream is
 * resumed after the last `seq` when it is cut.
 */
export function useBuildLog(executionId: string): BuildLog {
  const store = useMemo(() => new LogStore(), [executionId]);
  const [end, setEnd] = useState<LogEnd | undefined>();
  const [interrupted, setInterrupted] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | Error | undefined>();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    setEnd(undefined);
    setError(undefined);
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = store.subscribe(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setVersion(store.version);
      }, PAGE_REFRESH_MS);
    });
    followLog(executionId, {
      after: store.lastSeq,
      signal: ctl.signal,
      onChunk: (c) => {
        setInterrupted(undefined);
        store.append(c);
      },
      onEnd: (e) => {
        store.finish();
        setEnd(e);
        setVersion(store.version);
      },
      onInterrupted: (err, retryInMs) => setInterrupted(`${err instanceof Error ? err.message : String(err)} Reconnecting in ${Math.round(retryInMs / 1000)} s…`),
    }).catch((err: unknown) => {
      if (!ctl.signal.aborted) setError(err as Error);
    });
    return () => {
      ctl.abort();
      off();
      clearTimeout(timer);
    };
  }, [store, executionId]);
  return { store, version, ...(end ? { end } : {}), ...(interrupted ? { interrupted } : {}), ...(error ? { error } : {}) };
}
