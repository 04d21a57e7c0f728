import type { ReactNode } from 'react';
import { LanguageSwitcher } from './LanguageSwitcher';

export function AuthLayout({ title, intro, children }: { title: string; intro: string; children: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card">
        <h1>{title}</h1>
        <p>{intro}</p>
        {children}
        <div className="auth-lang">
          <LanguageSwitcher signedIn={false} />
        </div>
      </div>
    </main>
  );
}
