import type { ReactNode } from 'react';

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={['card', className].filter(Boolean).join(' ')}>
      {title || actions ? (
        <header className="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </header>
      ) : null}
      {children}
    </section>
  );
}

/** One figure with the previous period's beside it. */
export function KpiCard({ label, value, previous, previousLabel, trend }: { label: string; value: string; previous?: string; previousLabel?: string; trend?: 'up' | 'down' | 'flat' }) {
  return (
    <div className="kpi" role="group" aria-label={label}>
      <p className="kpi-label">{label}</p>
      <p className="kpi-value">{value}</p>
      {previous !== undefined ? (
        <p className={`kpi-previous kpi-${trend ?? 'flat'}`}>
          {previousLabel} {previous}
        </p>
      ) : null}
    </div>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function PageHeader({ title, actions, children }: { title: ReactNode; actions?: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {children}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </div>
  );
}
