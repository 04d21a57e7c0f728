import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button } from '../../../../packages/ui';

/** A one-time link, shown this once, with a button to copy it. */
export function LinkOnce({ url, intro }: { url: string; intro: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="stack">
      <p>{intro}</p>
      <div className="link-once">
        <input readOnly value={url} aria-label={t('staff.setupLink')} onFocus={(e) => e.target.select()} />
        <Button
          onClick={() =>
            void navigator.clipboard
              ?.writeText(url)
              .then(() => setCopied(true))
              .catch(() => setCopied(false))
          }
        >
          {copied ? t('staff.copied') : t('staff.copy')}
        </Button>
      </div>
    </div>
  );
}
