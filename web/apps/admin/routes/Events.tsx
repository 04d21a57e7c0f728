import { Link, useSearchParams } from 'react-router';
import { useI18n } from '../../../packages/i18n';
import { Card, PageHeader } from '../../../packages/ui';
import { AppliedEvents } from '../components/events/AppliedEvents';
import { RefusedEvents } from '../components/events/RefusedEvents';

/**
 * The event log in two views, the view in the URL (`?view=refused`): the applied events with what each
 * earned and which rules paid, and the refused ones with why.
 */
export function Events() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const view = params.get('view') === 'refused' ? 'refused' : 'applied';
  return (
    <>
      <PageHeader title={t('events.title')}>
        <p>{view === 'refused' ? t('events.refusedIntro') : t('events.intro')}</p>
      </PageHeader>
      <nav className="tabs" aria-label={t('events.views.label')}>
        <Link to="/events" aria-current={view === 'applied' ? 'page' : undefined}>
          {t('events.views.applied')}
        </Link>
        <Link to="/events?view=refused" aria-current={view === 'refused' ? 'page' : undefined}>
          {t('events.views.refused')}
        </Link>
      </nav>
      <Card>{view === 'refused' ? <RefusedEvents /> : <AppliedEvents />}</Card>
    </>
  );
}
