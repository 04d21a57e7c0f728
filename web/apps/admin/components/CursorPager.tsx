import { useI18n } from '../../../packages/i18n';
import { Pager } from '../../../packages/ui';
import type { CursorPages } from '../lib/useCursorPages';

/** Previous / next over the API's cursor pages: `next` is the page's `next_cursor` (null on the last page). */
export function CursorPager({ pages, next, label }: { pages: CursorPages; next: string | null | undefined; label?: string }) {
  const { t } = useI18n();
  return (
    <Pager
      label={label ?? t('common.pagination')}
      previousLabel={t('common.previousPage')}
      nextLabel={t('common.nextPage')}
      hasPrevious={pages.hasPrevious}
      hasNext={!!next}
      onPrevious={pages.previous}
      onNext={() => next && pages.next(next)}
    />
  );
}
