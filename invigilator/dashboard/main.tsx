/**
 * The invigilator's dashboard: sign-in, then the seat map, sittings, identity checks, incidents and
 * the invigilation record. Hash routes (#/sittings/…) so the console serves one page.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { MeResponse } from '../../shared/schemas/console-api.ts';
import { call, sessionGeneration, setSignedOutHandler } from './api.ts';
import { HelpBanners, HelpButton, HelpDialog } from './help/help.tsx';
import { LiveContext, useLiveConnection } from './live.ts';
import { EnrolPage } from './pages/enrol.tsx';
import { IncidentsPage } from './pages/incidents.tsx';
import { InvigilatorsPage } from './pages/invigilators.tsx';
import { NoticesPage, noticeCount, useNotices } from './pages/notices.tsx';
import { RecordPage } from './pages/record.tsx';
import { SeatMapPage } from './pages/seat-map.tsx';
import { SetupPage, SignInLinkPage, SignInPage } from './pages/sign-in.tsx';
import { SittingDetailPage } from './pages/sitting-detail.tsx';
import { SittingEditorPage } from './pages/sitting-editor.tsx';
import { SittingsPage } from './pages/sittings.tsx';
import { AnomalyReportPage } from './report/anomaly-report.tsx';
import { ResultsImportPage } from './report/results-import.tsx';
import { RecordsPage } from './sites/records-page.tsx';
import { SitesContext, useSitesState } from './sites/site-context.tsx';
import { SitesPage } from './sites/sites-page.tsx';
import './styles.css';

function useHash(): string {
  const [hash, setHash] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const on = () => setHash(location.hash.slice(1) || '/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export function navigate(path: string): void {
  location.hash = path;
}

/** The page for a route; unknown routes say so. */
function pageFor(route: string, me: MeResponse) {
  if (route === '/' || route === '/seats') return <SeatMapPage />;
  if (route === '/sittings') return <SittingsPage />;
  if (route === '/sittings/new') return <SittingEditorPage id={null} />;
  if (route === '/incidents') return <IncidentsPage />;
  if (route === '/enrol') return <EnrolPage />;
  if (route === '/notices') return <NoticesPage me={me} />;
  if (route === '/invigilators') return <InvigilatorsPage me={me} />;
  if (route === '/results') return <ResultsImportPage me={me} />;
  if (route === '/sites') return <SitesPage me={me} />;
  if (route === '/records') return <RecordsPage />;
  if (route === '/report' || route.startsWith('/report?')) return <AnomalyReportPage me={me} route={route} />;
  const m = route.match(/^\/sittings\/([\w-]+)(?:\/(edit|record))?$/);
  const id = m?.[1];
  if (id && m?.[2] === 'edit') return <SittingEditorPage id={id} />;
  if (id && m?.[2] === 'record') return <RecordPage id={id} />;
  if (id) return <SittingDetailPage id={id} me={me} />;
  return (
    <p>
      There is no page here. <a href="#/">Go to the seat map</a>.
    </p>
  );
}

function App() {
  const route = useHash();
  const [me, setMe] = useState<MeResponse | null | undefined>(undefined);
  const live = useLiveConnection(Boolean(me));
  const sites = useSitesState(me);
  const [asking, setAsking] = useState(false);
  const notices = noticeCount(useNotices(Boolean(me), live.noticesVersion));

  useEffect(() => {
    setSignedOutHandler(() => setMe(null));
    const asked = sessionGeneration();
    // A sign-in that finished first (a sign-in link's) wins over this first, older answer.
    call('me').then(
      (answer) => sessionGeneration() === asked && setMe(answer),
      () => sessionGeneration() === asked && setMe(null),
    );
  }, []);

  const setup = route.match(/^\/setup\/([A-Za-z0-9_-]+)$/);
  if (setup?.[1]) {
    return (
      <SetupPage
        token={setup[1]}
        onDone={async () => {
          setMe(await call('me'));
          navigate('/');
        }}
      />
    );
  }
  const link = route.match(/^\/link\/([A-Za-z0-9_-]+)$/);
  if (link?.[1]) {
    return (
      <SignInLinkPage
        token={link[1]}
        onSignedIn={async () => {
          setMe(await call('me'));
          navigate('/');
        }}
      />
    );
  }
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <SignInPage onSignedIn={async () => setMe(await call('me'))} />;

  const page = pageFor(route, me);
  const printOnly =
    route.endsWith('/record') || route === '/records' || route === '/report' || route.startsWith('/report?');
  const nav = [
    ['/', 'Seat map'],
    ['/sittings', 'Sittings'],
    ['/incidents', 'Incidents'],
    ['/enrol', 'Enrol PCs'],
    ['/notices', 'Notices'],
    ['/invigilators', 'Invigilators'],
    ['/results', 'Results'],
    ['/records', 'Records'],
    ['/report', 'QA report'],
    ['/sites', 'Sites'],
  ] as const;
  const section = route === '/seats' ? '/' : `/${(route.split('/')[1] ?? '').split('?')[0]}`;
  return (
    <LiveContext.Provider value={live}>
      <SitesContext.Provider value={sites}>
        <header class={`topbar${printOnly ? ' no-print' : ''}`}>
          <div class="brand">
            <span class="brand-mark" aria-hidden="true">
              IV
            </span>
            <span>
              <strong>Invigil</strong>
              <span class="brand-centre">{me.centre.name}</span>
              {me.site ? (
                <span class="brand-site" id="my-site">
                  <span class="visually-hidden">Your site: </span>
                  {me.site.name}
                  <span class="muted"> · {me.site.kindLabel}</span>
                </span>
              ) : null}
            </span>
          </div>
          <nav aria-label="Main">
            {nav.map(([href, label]) => (
              <a key={href} href={`#${href}`} aria-current={section === href ? 'page' : undefined}>
                {label}
                {href === '/notices' && notices > 0 ? (
                  <span class="nav-count" id="notice-count">
                    {notices}
                    <span class="visually-hidden"> need attention</span>
                  </span>
                ) : null}
              </a>
            ))}
          </nav>
          <div class="who">
            <HelpButton onAsk={() => setAsking(true)} />
            <span class={`live-dot ${live.connected ? 'on' : 'off'}`} role="status">
              {live.connected ? 'Live' : 'Reconnecting…'}
            </span>
            <span class="who-name">
              {me.invigilator.name} <span class="muted">PIN {me.invigilator.pin}</span>
            </span>
            <button
              type="button"
              id="sign-out"
              class="button ghost small"
              onClick={async () => {
                await call('signOut').catch(() => undefined);
                setMe(null);
              }}
            >
              Sign out
            </button>
          </div>
        </header>
        <HelpBanners me={me} />
        {asking ? <HelpDialog onClose={() => setAsking(false)} /> : null}
        <main class={printOnly ? 'main print-main' : 'main'}>{page}</main>
      </SitesContext.Provider>
    </LiveContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
