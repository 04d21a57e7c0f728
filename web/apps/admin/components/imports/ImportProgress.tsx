import { useState } from 'react';
import { ApiError, importRejects, type Import } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button, Card, KpiCard } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { saveBlob } from '../../lib/download';

export const STATUS_TONE = { uploaded: 'neutral', queued: 'info', running: 'info', completed: 'good', failed: 'bad' } as const;

/** A run: its bar while it goes, then what it found, and its rejects to download. */
export function ImportProgress({ item }: { item: Import }) {
  const { t, fmt } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const p = item.progress;
  const finished = item.status === 'completed' || item.status === 'failed';
  const download = async () => {
    setError(null);
    try {
      saveBlob(await importRejects(item.id), `${item.id}-rejects.csv`);
    } catch (e) {
      setError(e);
    }
  };
  const counts = ['read', 'imported', 'duplicates', 'skipped', 'rejected'] as const;
  return (
    <Card
      title={t('imports.progress.title', { name: item.name })}
      actions={<Badge tone={STATUS_TONE[item.status]}>{t(`imports.status.${item.status}`)}</Badge>}
    >
      <div className="stack">
        <div>
          <div className="progress" role="progressbar" aria-label={t('imports.progress.bar')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={p.percent}>
            <div className={`progress-fill progress-${item.status}`} style={{ width: `${p.percent}%` }} />
          </div>
          <p className="field-hint">
            {t('imports.progress.rows', { done: fmt.number(p.rows), total: p.total_rows == null ? '—' : fmt.number(p.total_rows), percent: fmt.percent(p.percent / 100) })}
          </p>
        </div>
        <div className="grid grid-counts">
          {counts.map((k) => (
            <KpiCard key={k} label={t(`imports.counts.${k}`)} value={fmt.number(item.counts[k])} />
          ))}
        </div>
        {item.error ? (
          <p className="field-error" role="alert">
            {errorMessage(t, new ApiError({ status: 400, code: item.error.code, detail: item.error.message }))}
          </p>
        ) : null}
        {finished ? (
          <div className="row">
            <Button onClick={() => void download()} disabled={item.counts.rejected === 0 && item.status === 'completed'}>
              {t('imports.progress.rejects', { count: item.counts.rejected })}
            </Button>
            {item.finished_at ? <p className="field-hint">{t('imports.progress.finished', { at: fmt.dateTime(item.finished_at) })}</p> : null}
          </div>
        ) : null}
        {error ? <p className="field-error" role="alert">{errorMessage(t, error)}</p> : null}
      </div>
    </Card>
  );
}
