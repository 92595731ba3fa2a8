import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api/client';
import { onSessionLost } from './api/http';
import { currentSession, type Session, signOut } from './api/session';
import { useAsync } from './components/async';
import { Link } from './components/link';
import { routes } from './routes';
import { match, navigate, useLocation } from './router';
import { setRegion, useRegion } from './region';
import { SignInPage } from './pages/sign-in';

const SECTIONS = [
  { to: '/templates', label: 'Templates' },
  { to: '/builds', label: 'Builds' },
  { to: '/images', label: 'Images' },
  { to: '/components', label: 'Components' },
];

function RegionPicker() {
  const region = useRegion();
  const regions = useAsync((signal) => call('DescribeRegions', {}, signal), []);
  const list = ((regions.value?.Regions as { Region?: Array<{ RegionId: string; LocalName?: string }> } | undefined)?.Region ?? []);
  return (
    <label class="region-picker">
      <span class="visually-hidden">Region</span>
      <select aria-label="Region" value={region} onChange={(e) => setRegion(e.currentTarget.value)}>
        {list.length === 0 ? <option value={region}>{region}</option> : null}
        {list.map((r) => (
          <option key={r.RegionId} value={r.RegionId}>
            {r.RegionId}
          </option>
        ))}
      </select>
    </label>
  );
}

function Shell(props: { session: Session; path: string; onSignOut(): void; children: ComponentChildren }) {
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link to="/templates" class="brand">
          <span class="logo" aria-hidden="true">◆</span> Kiln
        </Link>
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="nav" class={menuOpen ? 'open' : ''} aria-label="Sections">
          {SECTIONS.map((s) => (
            <Link key={s.to} to={s.to} aria-current={props.path.startsWith(s.to) ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
              {s.label}
            </Link>
          ))}
        </nav>
        <div class="topbar-end">
          <RegionPicker />
          <span class="account" title={`AccessKey ${props.session.AccessKeyId}`}>
            Account {props.session.AccountId}
          </span>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No console page is at this address. <Link to="/templates">Go to the templates</Link>.
      </p>
    </section>
  );
}

/** The console: the sign-in page until there is a session, then the page the address names. */
export function App() {
  const loc = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    currentSession().then((s) => setSession(s ?? null));
    return onSessionLost(() => setSession(null));
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) {
    return (
      <SignInPage
        onSignedIn={(s) => {
          setSession(s);
          if (loc.path === '/' || loc.path === '/sign-in') navigate('/templates', { replace: true });
        }}
      />
    );
  }
  if (loc.path === '/' || loc.path === '/sign-in') {
    navigate('/templates', { replace: true });
    return null;
  }
  let page: ComponentChildren = <NotFound />;
  for (const r of routes) {
    const params = match(r.path, loc.path);
    if (params) {
      page = r.render(params, loc.query);
      break;
    }
  }
  return (
    <Shell
      session={session}
      path={loc.path}
      onSignOut={async () => {
        await signOut().catch(() => undefined);
        setSession(null);
        navigate('/sign-in', { replace: true });
      }}
    >
      {page}
    </Shell>
  );
}
