import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { updateMember } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Button, Dialog, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { TagForm } from '../../lib/schemas';
import { useFieldError } from '../../lib/useFieldError';

/** Adds and removes a member's tags, one at a time, each saved at once. */
export function TagsDialog({ memberId, tags, open, onClose }: { memberId: string; tags: string[]; open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const fieldError = useFieldError();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<TagForm>({ resolver: zodResolver(TagForm), defaultValues: { tag: '' } });
  const change = async (body: { add_tags?: string[]; remove_tags?: string[] }) => {
    setFormError(null);
    try {
      await updateMember(client, memberId, body);
      return true;
    } catch (err) {
      setFormError(errorMessage(t, err));
      return false;
    }
  };
  const add = form.handleSubmit(async ({ tag }) => {
    if (await change({ add_tags: [tag] })) form.reset();
  });
  const close = () => {
    form.reset();
    setFormError(null);
    onClose();
  };
  return (
    <Dialog open={open} title={t('member.tagsDialog.title')} onClose={close} closeLabel={t('common.close')}>
      {formError ? <p className="form-error" role="alert">{formError}</p> : null}
      {tags.length === 0 ? (
        <p>{t('member.noTags')}</p>
      ) : (
        <ul className="tag-list" aria-label={t('member.tags')}>
          {tags.map((tag) => (
            <li key={tag}>
              <span>{tag}</span>
              <Button variant="ghost" aria-label={t('member.tagsDialog.remove', { tag })} onClick={() => void change({ remove_tags: [tag] })}>
                ×
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void add(e)} noValidate className="inline-form">
        <TextField label={t('member.tagsDialog.new')} error={fieldError(form.formState.errors.tag)} {...form.register('tag')} />
        <Button variant="primary" type="submit" disabled={form.formState.isSubmitting}>
          {t('member.tagsDialog.add')}
        </Button>
      </form>
      <div className="form-actions">
        <Button onClick={close}>{t('common.close')}</Button>
      </div>
    </Dialog>
  );
}
