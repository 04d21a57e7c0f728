import { useId, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { uploadCodes, type Reward } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card } from '../../../../packages/ui';
import { codesOf, type CodeFile } from '../../lib/csv';
import { errorMessage } from '../../lib/errors';

/** The API takes at most this many codes a call; a bigger file goes in several. */
const BATCH = 10_000;

/** Reads a CSV file of coupon codes in the browser, shows what it read, and adds the codes to the reward's pool. */
export function CodeUploadCard({ reward, canUpload }: { reward: Reward; canUpload: boolean }) {
  const { t, fmt } = useI18n();
  const client = useQueryClient();
  const inputId = useId();
  const [file, setFile] = useState<(CodeFile & { name: string }) | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ added: number; skipped: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const choose = async (f: File | undefined) => {
    setResult(null);
    setError(null);
    setFile(f ? { ...codesOf(await f.text()), name: f.name } : null);
  };
  const upload = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      let added = 0;
      let skipped = 0;
      for (let i = 0; i < file.codes.length; i += BATCH) {
        const out = await uploadCodes(client, reward.id, file.codes.slice(i, i + BATCH));
        added += out.added;
        skipped += out.skipped.length;
      }
      setResult({ added, skipped });
      setFile(null);
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('rewards.codes.title')}>
      <p className="big-figure" aria-label={t('rewards.codes.left')}>
        {reward.codes_available === null ? t('rewards.codes.generated') : t('rewards.codes.leftCount', { count: reward.codes_available })}
      </p>
      {canUpload ? (
        <>
          <div className="field">
            <label htmlFor={inputId}>{t('rewards.codes.file')}</label>
            <input id={inputId} type="file" accept=".csv,text/csv,text/plain" aria-describedby={`${inputId}-hint`} onChange={(e) => void choose(e.target.files?.[0])} />
            <p className="field-hint" id={`${inputId}-hint`}>{t('rewards.codes.hint')}</p>
          </div>
          {file ? (
            <div className="preview" role="status">
              <p>{t('rewards.codes.read', { count: file.codes.length, file: file.name })}</p>
              {file.repeated ? <p>{t('rewards.codes.repeated', { count: file.repeated })}</p> : null}
              {file.invalid.length ? <p className="warn-text">{t('rewards.codes.invalid', { count: file.invalid.length, examples: file.invalid.slice(0, 3).join(', ') })}</p> : null}
              <Button variant="primary" disabled={busy || file.codes.length === 0} onClick={() => void upload()}>
                {busy ? t('rewards.codes.uploading') : t('rewards.codes.upload', { count: file.codes.length })}
              </Button>
            </div>
          ) : null}
        </>
      ) : null}
      {result ? (
        <p className="form-ok" role="status">
          {t('rewards.codes.done', { added: fmt.number(result.added), skipped: fmt.number(result.skipped) })}
        </p>
      ) : null}
      {error ? <p className="form-error" role="alert">{error}</p> : null}
    </Card>
  );
}
