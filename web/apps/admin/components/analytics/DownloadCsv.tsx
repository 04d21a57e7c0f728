import { useI18n } from '../../../../packages/i18n';
import { Button } from '../../../../packages/ui';
import { saveCsv } from '../../lib/download';

type Cell = string | number | boolean | null | undefined;

/** Saves exactly the numbers a chart shows, as CSV made in the browser. */
export function DownloadCsv({ name, columns, rows, label }: { name: string; columns: readonly string[]; rows: readonly (readonly Cell[])[]; label: string }) {
  const { t } = useI18n();
  return (
    <Button onClick={() => saveCsv(name, columns, rows)} disabled={rows.length === 0} aria-label={t('analytics.downloadCsvOf', { chart: label })}>
      {t('analytics.downloadCsv')}
    </Button>
  );
}
