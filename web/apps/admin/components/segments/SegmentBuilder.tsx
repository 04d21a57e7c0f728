import { useCallback, useMemo, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { ApiError, createSegment, programQuery, updateSegment, type Segment, type SegmentInput } from '../../../../packages/api-client';
import { useCurrentProgram } from '../ProgramSwitcher';
import { useI18n } from '../../../../packages/i18n';
import { Button, Card, TextAreaField, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { currencyDigits } from '../settings/settingsForm';
import { ConditionGroup } from './ConditionGroup';
import { LivePreview } from './LivePreview';
import { newGroup, newLeaf, nodeAt, pathsOf, rootOf, toConditions, update, type Group } from './model';

/** Builds a segment as rows of conditions, with its live size beside them; saves it (new or existing). */
export function SegmentBuilder({ segment }: { segment?: Segment }) {
  const { t } = useI18n();
  const current = useCurrentProgram();
  const client = useQueryClient();
  const navigate = useNavigate();
  const program = useQuery(programQuery(current.id));
  const currency = current.currency;
  const digits = currencyDigits(currency);
  const [root, setRoot] = useState<Group>(() => (segment ? rootOf(segment.conditions, digits) : null) ?? newGroup([newLeaf()]));
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [nameError, setNameError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const conditions = useMemo(() => {
    const c = toConditions(root, digits);
    return c ? JSON.stringify(c) : null;
  }, [root, digits]);
  const paths = useMemo(() => pathsOf(root), [root]);
  const errors = useMemo(() => {
    const m = new Map<string, string>();
    if (serverError?.field) {
      const id = nodeAt(paths, serverError.field);
      if (id) m.set(id, errorMessage(t, serverError));
    }
    return m;
  }, [serverError, paths, t]);
  const onChange = (id: string, fn: Parameters<typeof update>[2]) => {
    setServerError(null);
    setRoot((r) => {
      const next = update(r, id, fn);
      return next && next.type === 'group' ? next : newGroup([]);
    });
  };
  const onPreviewError = useCallback((err: ApiError | null) => setServerError(err), []);
  const save = async () => {
    setFormError(null);
    setNameError(undefined);
    if (!name.trim()) return setNameError(t('validation.required'));
    if (!conditions) return setFormError(t('segments.completeToSave'));
    setSaving(true);
    try {
      const body = { name: name.trim(), description: description.trim() || null, conditions: JSON.parse(conditions) as SegmentInput['conditions'] };
      const saved = segment ? await updateSegment(client, segment.id, body) : await createSegment(client, body);
      void navigate(`/segments/${saved.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.field === 'name') setNameError(errorMessage(t, err));
      else if (err instanceof ApiError && err.field?.startsWith('conditions')) setServerError(err);
      else setFormError(errorMessage(t, err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="builder-layout">
        <div className="stack">
          <Card>
            {formError ? <p className="form-error" role="alert">{formError}</p> : null}
            <fieldset disabled={saving}>
              <TextField label={t('segments.name')} value={name} error={nameError} onChange={(e) => setName(e.target.value)} />
              <TextAreaField label={t('segments.description')} value={description} onChange={(e) => setDescription(e.target.value)} />
            </fieldset>
          </Card>
          <ConditionGroup group={root} ctx={{ currencies: program.data?.point_currencies ?? ['points'], errors, onChange }} />
          <div className="form-actions">
            <Button onClick={() => void navigate(segment ? `/segments/${segment.id}` : '/segments')}>{t('common.cancel')}</Button>
            <Button variant="primary" type="submit" disabled={saving}>
              {saving ? t('segments.saving') : t('segments.save')}
            </Button>
          </div>
        </div>
        <LivePreview conditions={conditions} currency={currency} onFieldError={onPreviewError} />
      </div>
    </form>
  );
}
