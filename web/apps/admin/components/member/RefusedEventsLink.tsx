import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { eventRefusalListQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';

/** How many of the member's events were refused, as a link to them on the Events screen; nothing when none were. */
export function RefusedEventsLink({ memberId }: { memberId: string }) {
  const { t } = useI18n();
  const list = useQuery(eventRefusalListQuery({ member: memberId, limit: 100 }));
  const count = list.data?.data.length ?? 0;
  if (count === 0) return null;
  return (
    <>
      {' · '}
      <Link to={`/events?view=refused&member=${encodeURIComponent(memberId)}`}>
        {list.data?.next_cursor ? t('events.refused.forMemberMore', { count }) : t('events.refused.forMember', { count })}
      </Link>
    </>
  );
}
