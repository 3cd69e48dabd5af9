import { Layout } from './components/Layout';
import { ToastProvider } from './components/Toasts';
import { Alert, Loading, PageTitle } from './components/ui';
import { Dashboard } from './pages/Dashboard';
import { DetailPage } from './pages/DetailPage';
import { CreatePage, EditPage } from './pages/FormPage';
import { ListPage } from './pages/ListPage';
import { Login } from './pages/Login';
import { PasswordPage } from './pages/PasswordPage';
import { OpsPage } from './pages/Ops';
import { DoctorPage } from './pages/Doctor';
import { Link, matchPath, useLocation } from './router';
import { SessionProvider, useSession, useSessionState } from './session';

export function App() {
  const { state, login } = useSessionState();
  if (state.kind === 'loading') return <Loading label="Starting…" />;
  if (state.kind === 'failed')
    return (
      <main className="login" id="main">
        <Alert title="XOS cannot be reached">{state.message}</Alert>
      </main>
    );
  if (state.kind === 'out') return <Login config={state.config} expired={state.expired} onLogin={login} />;
  return (
    <SessionProvider session={state.session}>
      <ToastProvider>
        <Layout>
          <Routes />
        </Layout>
      </ToastProvider>
    </SessionProvider>
  );
}

function Routes() {
  const { path } = useLocation();
  const { byPlural } = useSession();
  if (path === '/' || path === '') return <Dashboard />;
  if (path === '/account/password') return <PasswordPage />;
  if (path === '/ops') return <OpsPage />;
  if (path === '/ops/doctor') return <DoctorPage />;
  let p = matchPath('/:plural', path);
  if (p && byPlural.has(p.plural)) return <ListPage key={p.plural} model={byPlural.get(p.plural)!} />;
  p = matchPath('/:plural/new', path);
  if (p && byPlural.has(p.plural)) return <CreatePage key={p.plural} model={byPlural.get(p.plural)!} />;
  p = matchPath('/:plural/:id', path);
  if (p && byPlural.has(p.plural) && /^\d+$/.test(p.id)) return <DetailPage key={`${p.plural}/${p.id}`} model={byPlural.get(p.plural)!} id={Number(p.id)} />;
  p = matchPath('/:plural/:id/edit', path);
  if (p && byPlural.has(p.plural) && /^\d+$/.test(p.id)) return <EditPage key={`${p.plural}/${p.id}`} model={byPlural.get(p.plural)!} id={Number(p.id)} />;
  return (
    <>
      <PageTitle title="Not found">Page not found</PageTitle>
      <p>
        There is no page at <code>{path}</code>, or you may not see it. <Link to="/">Go to the dashboard</Link>.
      </p>
    </>
  );
}
