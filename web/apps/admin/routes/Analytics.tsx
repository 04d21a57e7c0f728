import { useQuery } from '@tanstack/react-query';
import { rfmQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { PageHeader } from '../../../packages/ui';
import { ClvSection } from '../components/analytics/ClvSection';
import { CohortSection } from '../components/analytics/CohortSection';
import { MovementSection } from '../components/analytics/MovementSection';
import { PointsSection } from '../components/analytics/PointsSection';
import { RfmSection } from '../components/analytics/RfmSection';

/** RFM, movement, cohorts, lifetime value and points: each chart with its own states and CSV. */
export function Analytics() {
  const { t, fmt } = useI18n();
  const rfm = useQuery(rfmQuery());
  return (
    <>
      <PageHeader title={t('analytics.title')}>{rfm.data ? <p>{t('analytics.asOf', { at: fmt.day(rfm.data.as_of) })}</p> : null}</PageHeader>
      <div className="stack">
        <RfmSection />
        {rfm.data ? <MovementSection asOf={rfm.data.as_of} /> : null}
        <CohortSection />
        <ClvSection />
        <PointsSection />
      </div>
    </>
  );
}
