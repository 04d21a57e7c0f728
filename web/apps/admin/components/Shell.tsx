import { useEffect } from 'react';
import { NavLink, Outlet } from 'react-router';
import type { Staff } from '../../../packages/api-client';
import { changeLocale, currentLocale, useI18n } from '../../../packages/i18n';
import { LanguageSwitcher } from './LanguageSwitcher';
import { ProgramSwitcher, useProgram } from './ProgramSwitcher';
import { UserMenu } from './UserMenu';

const NAV: { to: string; key: string; icon: string; end?: boolean }[] = [
  { to: '/', key: 'nav.dashboard', icon: '◧', end: true },
  { to: '/members', key: 'nav.members', icon: '☺' },
  { to: '/settings/keys', key: 'nav.apiKeys', icon: '⚙' },
];

/** The console's frame: sidebar navigation, the header (program, language, user menu), the screen. */
export function Shell({ staff }: { staff: Staff }) {
  const { t } = useI18n();
  const program = useProgram();
  useEffect(() => {
    if (staff.locale !== currentLocale()) void changeLocale(staff.locale);
  }, [staff.locale]);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <aside className="sidebar">
        <NavLink to="/" className="brand">
          {t('shell.brand')}
        </NavLink>
        <nav className="nav" aria-label={t('shell.navigation')}>
          {NAV.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.end}>
              <span className="nav-icon" aria-hidden="true">
                {n.icon}
              </span>
              <span className="nav-label">{t(n.key)}</span>
            </NavLink>
          ))}
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <ProgramSwitcher state={program} />
          <span className="spacer" />
          <LanguageSwitcher signedIn />
          <UserMenu staff={staff} />
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {program.programId ? <Outlet key={program.programId} /> : program.fallback}
        </main>
      </div>
    </div>
  );
}
