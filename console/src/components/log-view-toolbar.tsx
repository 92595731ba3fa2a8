import { useEffect, useRef, useState } from 'preact/hooks';
import { counted } from './count';
import { LogSearch, type SearchState } from './log-view-search';
import type { LogStore } from './log-view-store';
import { LogView, type ScrollTarget } from './log-view';

/**
 * The log with its controls: follow (auto-scroll), search with previous/next match and a count,
 * and "Jump to failing step" when the build names one. `jumpTo` lets the page bring a line into
 * view (a step of the steps list).
 */
export function LogPanel(props: { store: LogStore; live: boolean; failingLine?: number; errorNote?: string; jumpTo?: ScrollTarget }) {
  const { store } = props;
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState<SearchState | undefined>();
  const [index, setIndex] = useState(-1);
  const [target, setTarget] = useState<ScrollTarget | undefined>();
  const searchRef = useRef<LogSearch | undefined>(undefined);

  useEffect(() => {
    searchRef.current?.stop();
    setSearch(undefined);
    setIndex(-1);
    if (query.length === 0) return;
    // Started a moment after the last keystroke: typing does not start a search per letter.
    const t = setTimeout(() => {
      searchRef.current = new LogSearch(store, query, (s) => setSearch({ ...s }));
    }, 200);
    return () => {
      clearTimeout(t);
      searchRef.current?.stop();
    };
  }, [query, store]);
  useEffect(() => {
    if (props.jumpTo) setTarget(props.jumpTo);
  }, [props.jumpTo]);

  const count = search?.matches.length ?? 0;
  const go = (delta: number) => {
    if (count === 0) return;
    const next = index === -1 ? (delta > 0 ? 0 : count - 1) : (index + delta + count) % count;
    setIndex(next);
    setTarget({ line: search!.matches[next]! });
  };
  useEffect(() => {
    // The first match is shown as soon as it is found.
    if (index === -1 && count > 0) go(1);
  }, [count > 0]);

  let status = '';
  if (query && !search) status = 'Searching…';
  else if (search) {
    const more = search.capped ? '+' : '';
    const total = `${count.toLocaleString('en-US')}${more} ${count === 1 && !more ? 'match' : 'matches'}`;
    status = count === 0 ? (search.done ? 'No matches' : `Searching… ${Math.round(search.progress * 100)}%`) : `${(index + 1).toLocaleString('en-US')} of ${total}${search.done ? '' : '…'}`;
  }

  return (
    <section class="log-panel" aria-label="Log">
      <div class="log-toolbar">
        <button type="button" class="log-follow" aria-pressed={follow} onClick={() => setFollow(!follow)} title="Keep the newest line in view">
          Follow
        </button>
        <label class="log-search">
          <span class="visually-hidden">Search the log</span>
          <input
            type="search"
            placeholder="Search the log"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                go(e.shiftKey ? -1 : 1);
              }
            }}
          />
        </label>
        <button type="button" onClick={() => go(-1)} disabled={count === 0} aria-label="Previous match">
          ↑
        </button>
        <button type="button" onClick={() => go(1)} disabled={count === 0} aria-label="Next match">
          ↓
        </button>
        <span class="log-search-status" aria-live="polite">
          {status}
        </span>
        <span class="spacer" />
        {props.failingLine !== undefined ? (
          <button type="button" class="danger" onClick={() => setTarget({ line: props.failingLine! })}>
            Jump to failing step
          </button>
        ) : null}
        <span class="log-size">
          {counted(store.lineCount, 'line')}{props.live ? ' · live' : ''}
        </span>
      </div>
      <LogView store={store} follow={follow} onFollowChange={setFollow} query={search ? query : ''} {...(target ? { target } : {})} {...(props.failingLine !== undefined ? { errorLine: props.failingLine } : {})} {...(props.errorNote ? { errorNote: props.errorNote } : {})} />
    </section>
  );
}
