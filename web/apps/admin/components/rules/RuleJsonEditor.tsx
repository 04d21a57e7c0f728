import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { TextAreaField } from '../../../../packages/ui';
import { parseDraftJson, type RuleDraft } from '../../lib/ruleDraft';

/**
 * The rule as JSON, editable: each edit that parses as a rule becomes the rule (the builder shows it when its tab
 * is chosen again); text that does not parse stays as typed, with the reason beside it, and changes nothing.
 */
export function RuleJsonEditor({ draft, readOnly, onChange }: { draft: RuleDraft; readOnly: boolean; onChange: (d: RuleDraft) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => JSON.stringify(draft, null, 2));
  const [error, setError] = useState<string | undefined>();
  return (
    <TextAreaField
      label={t('rules.json.label')}
      hint={t('rules.json.hint')}
      className="json-editor"
      spellCheck={false}
      readOnly={readOnly}
      value={text}
      error={error}
      rows={Math.min(40, Math.max(12, text.split('\n').length + 1))}
      onChange={(e) => {
        setText(e.target.value);
        const parsed = parseDraftJson(e.target.value);
        if ('draft' in parsed) {
          setError(undefined);
          onChange(parsed.draft);
        } else setError(parsed.error === 'syntax' ? t('rules.json.syntax', { detail: parsed.detail ?? '' }) : t('rules.json.shape'));
      }}
    />
  );
}
