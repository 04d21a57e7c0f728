import type { Member } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card } from '../../../../packages/ui';

export function ProfileCard({ member }: { member: Member }) {
  const { t, fmt } = useI18n();
  const identities: [string, string | null][] = [
    [t('member.email'), member.email],
    [t('member.phone'), member.phone],
    [t('member.card'), member.card_number],
    ...Object.entries(member.external_ids).map(([channel, id]): [string, string] => [t('member.externalId', { channel }), id]),
  ];
  const consent = (['email', 'sms', 'push'] as const).filter((c) => member.consent[c]);
  return (
    <Card title={t('member.profile')}>
      <dl className="facts">
        {identities
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        <dt>{t('member.status')}</dt>
        <dd>{t(`status.${member.status}`)}</dd>
        <dt>{t('member.enrolled')}</dt>
        <dd>
          {fmt.date(member.enrolled_at)}
          {member.enrolment_channel ? ` · ${member.enrolment_channel}` : ''}
        </dd>
        <dt>{t('member.country')}</dt>
        <dd>{member.country ?? '—'}</dd>
        <dt>{t('member.birthdate')}</dt>
        <dd>{member.birthdate ? fmt.day(member.birthdate) : '—'}</dd>
        <dt>{t('member.consent')}</dt>
        <dd>{consent.length ? consent.map((c) => <Badge key={c} tone="info">{t(`member.channel.${c}`)}</Badge>) : t('member.noConsent')}</dd>
        <dt>{t('member.tags')}</dt>
        <dd>{member.tags.length ? member.tags.map((tag) => <Badge key={tag}>{tag}</Badge>) : t('member.noTags')}</dd>
      </dl>
    </Card>
  );
}
