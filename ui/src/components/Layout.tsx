// The frame of every page once logged in: a skip link, the header with the product name, the
// live-update state and the user, the navigation by group, and the page. On a narrow screen the
// navigation folds away behind a menu button and closes again once a page is chosen.
import { useEffect, useState, type ReactNode } from 'react';
import { navGroups, pluralLabel } from '../meta';
import { Link, useLocation } from '../router';
import { useSession } from '../session';
import { useLiveStatus } from '../live';

export function Layout({ children }: { children: ReactNode }) {
  const s = useSession();
  const { path } = useLocation();
  const live = useLiveStatus();
  const groups = navGroups(s.models);
  const current = path.split('/')[1] ?? '';
  const name = [s.me.user.firstname, s.me.user.lastname].filter(Boolean).join(' ') || s.me.user.email;
  const role = s.isAdmin ? 'Administrator' : s.readOnly ? 'Read-only' : 'User';
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [path]);
  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="btn btn-quiet btn-small menu-button"
          aria-expanded={menu}
          aria-controls="main-nav"
          onClick={() => setMenu((m) => !m)}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <Link to="/" className="brand" aria-label={`${s.config.branding_name} dashboard`}>
          <span className="brand-mark" aria-hidden="true">
            ✕
          </span>
          {s.config.branding_name}
        </Link>
        <div className="topbar-right">
          <span className={`live live-${live}`} role="status" title="Pages update by themselves while this is live">
            <span className="live-dot" aria-hidden="true" />
            <span className="live-text">{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</span>
          </span>
          <span className="user">
            <span className="user-name">{name}</span>
            <span className={`role role-${role.toLowerCase()}`}>{role}</span>
          </span>
          <Link to={`/users/${s.me.user.id}`} className="btn btn-quiet btn-small account-link">
            My account
          </Link>
          <button type="button" className="btn btn-small" onClick={() => void s.logout()}>
            Log out
          </button>
        </div>
      </header>
      <div className="body">
        <nav id="main-nav" className={`sidebar${menu ? ' open' : ''}`} aria-label="Main">
          <ul className="nav-top">
            <li>
              <Link to="/" aria-current={current === '' ? 'page' : undefined}>
                Dashboard
              </Link>
            </li>
            {(s.isAdmin || s.me.deployment_admin.length > 0) && (
              <>
                <li>
                  <Link to="/ops" aria-current={path === '/ops' ? 'page' : undefined}>
                    Operator view
                  </Link>
                </li>
                <li>
                  <Link to="/ops/doctor" aria-current={path === '/ops/doctor' ? 'page' : undefined}>
                    Doctor
                  </Link>
                </li>
              </>
            )}
          </ul>
          {groups.map((g) => (
            <div key={g.name} className="nav-group">
              <h2 className="nav-heading" id={`nav-${g.name}`}>
                {g.label}
                {g.name === 'Controllers' && <span className="badge-admin">admin</span>}
              </h2>
              <ul aria-labelledby={`nav-${g.name}`}>
                {g.models.map((m) => (
                  <li key={m.plural}>
                    <Link to={`/${m.plural}`} aria-current={current === m.plural ? 'page' : undefined}>
                      {pluralLabel(m)}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <p className="nav-foot">
            <Link to={`/users/${s.me.user.id}`} className="nav-account">
              My account
            </Link>
            <a href="/api/docs">API documentation</a>
          </p>
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
