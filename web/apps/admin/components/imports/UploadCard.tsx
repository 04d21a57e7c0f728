import { useState, type DragEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { uploadImport, type Import, type ImportKind } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, ErrorState, Loading, SelectField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

const ACCEPT = '.csv,.tsv,.txt,.jsonl,.ndjson,.json,.gz';

/** Picks or drops a file and uploads it: nothing is imported yet, the answer shows what the file holds. */
export function UploadCard({ onUploaded }: { onUploaded: (i: Import) => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [kind, setKind] = useState<ImportKind>('events');
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function send(file: File | undefined) {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      onUploaded(await uploadImport(client, file, kind));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const drop = (e: DragEvent<HTMLLabelElement>) => {
    e.preventDefault();
    setOver(false);
    void send(e.dataTransfer.files[0]);
  };

  return (
    <Card title={t('imports.upload.title')}>
      <div className="row">
        <SelectField label={t('imports.kind.label')} value={kind} onChange={(e) => setKind(e.target.value === 'members' ? 'members' : 'events')}>
          <option value="events">{t('imports.kind.events')}</option>
          <option value="members">{t('imports.kind.members')}</option>
        </SelectField>
      </div>
      <label
        className={['dropzone', over ? 'dropzone-over' : ''].filter(Boolean).join(' ')}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <span className="dropzone-title">{t('imports.upload.drop')}</span>
        <span className="field-hint">{t('imports.upload.hint')}</span>
        <input type="file" accept={ACCEPT} disabled={busy} aria-label={t('imports.upload.choose')} onChange={(e) => void send(e.target.files?.[0])} />
      </label>
      {busy ? <Loading label={t('imports.upload.sending')} /> : null}
      {error ? <ErrorState title={t('imports.upload.failed')} message={errorMessage(t, error)} /> : null}
    </Card>
  );
}
