import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { stampCardsQuery, stampProgressQuery, type StampCard } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button, Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';
import { useProgramInfo } from '../../lib/useProgramInfo';
import { StampCardDialog } from './StampCardDialog';

/** One card's progress: members by stamps held, as bars, and the cards completed. */
function Progress({ currency }: { currency: string }) {
  const { t, fmt } = useI18n();
  const progress = useQuery(stampProgressQuery(currency));
  if (progress.isPending) return <Loading label={t('common.loading')} />;
  if (progress.isError) return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, progress.error)} />;
  const p = progress.data;
  const most = Math.max(1, ...p.buckets.map((b) => b.members));
  return (
    <div className="stamp-progress">
      <p className="muted">
        {t('loyalty.stamps.summary', { holders: p.holders, cards: p.completed.cards, members: p.completed.members })}
      </p>
      <table aria-label={t('loyalty.stamps.distribution', { currency })}>
        <thead>
          <tr>
            <th scope="col">{t('loyalty.stamps.held')}</th>
            <th scope="col" className="num">{t('loyalty.stamps.members')}</th>
            <th scope="col"><span className="visually-hidden">{t('loyalty.stamps.bar')}</span></th>
          </tr>
        </thead>
        <tbody>
          {p.buckets.map((b) => (
            <tr key={b.from}>
              <th scope="row">{b.from === b.to ? fmt.number(b.from) : t('loyalty.stamps.range', { from: b.from, to: b.to })}</th>
              <td className="num">{fmt.number(b.members)}</td>
              <td className="bar-cell">
                <span className="share-bar" style={{ width: `${Math.round((b.members / most) * 100)}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The stamp cards and how far members are on each; marketers add and edit them. */
export function StampCardsCard() {
  const { t } = useI18n();
  const can = useCan();
  const { pointCurrencies } = useProgramInfo();
  const cards = useQuery(stampCardsQuery());
  const [editing, setEditing] = useState<StampCard | 'new' | null>(null);
  const canEdit = can('PUT /v1/stamp-cards/:currency');
  const free = pointCurrencies.slice(1).filter((c) => !cards.data?.data.some((s) => s.currency === c));
  return (
    <Card title={t('loyalty.stamps.title')} actions={canEdit && free.length ? <Button onClick={() => setEditing('new')}>{t('loyalty.stamps.add')}</Button> : null}>
      {cards.isPending ? (
        <Loading label={t('common.loading')} />
      ) : cards.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, cards.error)} retryLabel={t('common.retry')} onRetry={() => void cards.refetch()} />
      ) : cards.data.data.length === 0 ? (
        <EmptyState title={t('loyalty.stamps.none')}>{pointCurrencies.length < 2 ? <p>{t('loyalty.stamps.needCurrency')}</p> : null}</EmptyState>
      ) : (
        <div className="stack">
          {cards.data.data.map((c) => (
            <section key={c.currency} className="stamp-card" aria-label={t('loyalty.stamps.cardLabel', { currency: c.currency })}>
              <header className="card-head">
                <h3>
                  {t('loyalty.stamps.cardTitle', { currency: c.currency, goal: c.goal })} <Badge tone={c.status === 'active' ? 'good' : 'warn'}>{t(`loyalty.stamps.${c.status === 'active' ? 'active' : 'inactive'}`)}</Badge>
                </h3>
                {canEdit ? <Button variant="ghost" onClick={() => setEditing(c)}>{t('loyalty.stamps.edit')}</Button> : null}
              </header>
              <Progress currency={c.currency} />
            </section>
          ))}
        </div>
      )}
      {canEdit ? <StampCardDialog card={editing === 'new' ? null : editing} currencies={free} open={editing !== null} onClose={() => setEditing(null)} /> : null}
    </Card>
  );
}
