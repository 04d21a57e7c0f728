import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiError, segmentPreviewQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { SegmentMembersTable } from './MembersValues';

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/** The live size of the definition being built, counted by the server a moment after each change, and a sample. */
export function LivePreview({ conditions, currency, onFieldError }: { conditions: string | null; currency: string; onFieldError: (err: ApiError | null) => void }) {
  const { t, fmt } = useI18n();
  const debounced = useDebounced(conditions, 400);
  const preview = useQuery({ ...segmentPreviewQuery(debounced ?? 'null'), enabled: debounced !== null, placeholderData: keepPreviousData });
  const failed = preview.isError ? preview.error : null;
  useEffect(() => onFieldError(failed instanceof ApiError && failed.field ? failed : null), [failed, onFieldError]);
  const stale = conditions !== debounced || preview.isFetching;
  return (
    <Card title={t('segments.liveSize')} className="live-preview">
      {conditions === null ? (
        <p className="muted">{t('segments.completeToCount')}</p>
      ) : failed && !(failed instanceof ApiError && failed.field) ? (
        <p className="form-error" role="alert">{errorMessage(t, failed)}</p>
      ) : preview.data ? (
        <div className="stack">
          <div role="status" aria-live="polite" aria-label={t('segments.liveSize')}>
            <p className={stale ? 'live-size live-size-stale' : 'live-size'}>{t('segments.members', { count: preview.data.size })}</p>
            <p className="muted">{stale ? t('segments.counting') : t('segments.countedAt', { at: fmt.dateTime(preview.data.counted_at) })}</p>
          </div>
          {preview.data.sample.length ? (
            <SegmentMembersTable members={preview.data.sample} fields={preview.data.fields} currency={currency} caption={t('segments.sample')} />
          ) : null}
        </div>
      ) : (
        <p className="muted">{t('segments.counting')}</p>
      )}
    </Card>
  );
}
