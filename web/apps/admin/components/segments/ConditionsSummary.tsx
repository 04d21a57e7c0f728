import { useI18n } from '../../../../packages/i18n';
import { fieldDef } from './model';
import { useEnumLabel } from './ValueInput';

type C = Record<string, unknown>;

/** A saved tree in words, one line per comparison, indented by group: what the segment means, for readers. */
export function ConditionsSummary({ conditions, currency }: { conditions: C; currency: string }) {
  const { t, fmt } = useI18n();
  const enumLabel = useEnumLabel();
  const fieldName = (f: string) =>
    f.startsWith('attributes.') ? f : f.startsWith('balance.') ? t('segments.fields.balance', { currency: f.slice(8) }) : t(`segments.fields.${f.replace('.', '_')}`);
  const value = (field: string, v: unknown): string => {
    if (Array.isArray(v)) return v.map((x) => value(field, x)).join(', ');
    if (v && typeof v === 'object' && 'days_ago' in v) return t('segments.nDaysAgo', { count: Number((v as { days_ago: unknown }).days_ago) });
    if (typeof v === 'number') return fieldDef(field)?.money ? fmt.money(v, currency) : fmt.number(v);
    if (typeof v === 'boolean') return v ? t('segments.yes') : t('segments.no');
    return typeof v === 'string' ? enumLabel(field, v) : JSON.stringify(v);
  };
  const render = (c: C, key: string, negate = false): React.ReactNode => {
    if ('not' in c) return render(c.not as C, key, !negate);
    const mode = 'all' in c ? 'all' : 'any' in c ? 'any' : null;
    if (mode) {
      return (
        <li key={key}>
          {negate ? `${t('segments.not')} · ` : ''}
          {t(mode === 'all' ? 'segments.matchAll' : 'segments.matchAny')}
          <ul>{(c[mode] as C[]).map((k, i) => render(k, `${key}.${i}`))}</ul>
        </li>
      );
    }
    const field = String(c.field);
    const op = String(c.op);
    const days = typeof c.days === 'number' ? ` ${t('segments.inLastDays', { count: c.days })}` : '';
    const opText = t(fieldDef(field)?.kind === 'tags' ? `segments.tagOps.${op}` : `segments.ops.${op}`);
    const shown = op === 'exists' ? (c.value === false ? t('segments.hasNoValue') : t('segments.hasValue')) : `${opText} ${value(field, c.value)}`;
    return (
      <li key={key}>
        {negate ? `${t('segments.not')} · ` : ''}
        <strong>{fieldName(field)}</strong> {shown}
        {days}
      </li>
    );
  };
  return <ul className="summary-tree">{render(conditions, 'root')}</ul>;
}
