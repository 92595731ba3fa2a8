import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/errors';

/** The state of a load: its value once there, the error if it failed, and a way to load again. */
export interface Loaded<T> {
  value?: T;
  error?: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` when `deps` change (aborting the previous one) and keeps its result. A reload
 * keeps the old value on screen until the new one arrives (no flicker while polling).
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(ctl.signal).then(
      (value) => {
        if (!ctl.signal.aborted) setState({ value, loading: false });
      },
      (error: unknown) => {
        if (!ctl.signal.aborted) setState((s) => ({ value: s.value, error, loading: false }));
      },
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** An error shown where the content would be: its code and message, as the API gave them. */
export function ErrorBanner(props: { error: unknown; children?: ComponentChildren }) {
  const e = props.error;
  const code = e instanceof ApiError ? e.code : 'Error';
  const message = e instanceof Error ? e.message : String(e);
  return (
    <div class="error-banner" role="alert">
      <strong class="error-code">{code}</strong> <span>{message}</span>
      {e instanceof ApiError && e.requestId ? <small class="request-id"> (RequestId {e.requestId})</small> : null}
      {props.children}
    </div>
  );
}
