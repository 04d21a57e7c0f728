import { useEffect } from 'react';
import { NavLink, Outlet } from 'react-router';
import type { Staff } from '../../../packages/api-client';
import { changeLocale, currentLocale, useI18n } from '../../../packages/i18n';
import { LanguageSwitcher } from './LanguageSwitcher';
import { CurrentProgram, ProgramSwitcher, useProgram } from './ProgramSwitcher';
import { UserMenu } from './UserMenu';
import { useCan } from '../lib/access';
import { SCREENS } from '../screens';

const GROUPS = ['run', 'program', 'insight', 'settings'] as const;

/** The console's frame: sidebar navigation, the header (program, language, user menu), the screen. */
export function Shell({ staff }: { staff: Staff }) {
  const { t } = useI18n();
  const program = useProgram();
  const can = useCan();
  const current = program.programs.find((p) => p.id === program.programId) ?? null;
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
          {GROUPS.map((group) => {
            const items = SCREENS.filter((s) => s.nav?.group === group && (!s.needs || can(s.needs)));
            if (items.length === 0) return null;
            return (
              <div className="nav-group" key={group} role="group" aria-label={t(`nav.groups.${group}`)}>
                <span className="nav-group-label" aria-hidden="true">
                  {t(`nav.groups.${group}`)}
                </span>
                {items.map((s) => (
                  <NavLink key={s.path} to={`/${s.path}`} end={s.nav!.end}>
                    <span className="nav-icon" aria-hidden="true">
                      {s.nav!.icon}
                    </span>
                    <span className="nav-label">{t(s.nav!.key)}</span>
                  </NavLink>
                ))}
              </div>
            );
          })}
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
          {current ? (
            <CurrentProgram.Provider value={current}>
              <Outlet key={current.id} />
            </CurrentProgram.Provider>
          ) : (
            program.fallback
          )}
        </main>
      </div>
    </div>
  );
}
