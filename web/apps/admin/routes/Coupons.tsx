import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery } from '@tanstack/react-query';
import { ApiError, couponQuery, validateCoupon, type CouponValidation } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Button, Card, EmptyState, ErrorState, Loading, PageHeader, TextField } from '../../../packages/ui';
import { useProgramInfo } from '../lib/useProgramInfo';
import { CouponFacts } from '../components/rewards/CouponFacts';
import { RewardsNav } from '../components/rewards/RewardsNav';
import { CouponLookupForm, toMinor } from '../lib/catalogForms';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useFieldError } from '../lib/useFieldError';

/** Look a coupon up by its code, and check it against a sample basket (writes nothing). */
export function Coupons() {
  const { t, fmt } = useI18n();
  const can = useCan();
  const fieldError = useFieldError();
  const { currency, digits } = useProgramInfo();
  const [code, setCode] = useState<string | null>(null);
  const [answer, setAnswer] = useState<CouponValidation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const coupon = useQuery({ ...couponQuery(code ?? ''), enabled: !!code });
  const form = useForm<CouponLookupForm>({ resolver: zodResolver(CouponLookupForm), defaultValues: { code: '', member_id: '', order_amount: '' } });
  const lookUp = form.handleSubmit((v) => {
    setAnswer(null);
    setCode(v.code.trim().toUpperCase());
  });
  const validate = form.handleSubmit(async (v) => {
    setError(null);
    setCode(v.code.trim().toUpperCase());
    try {
      setAnswer(
        await validateCoupon({
          code: v.code.trim(),
          ...(v.member_id ? { member: { id: v.member_id } } : {}),
          ...(v.order_amount ? { order_amount: toMinor(v.order_amount, digits) } : {}),
        }),
      );
    } catch (err) {
      setError(errorMessage(t, err));
    }
  });
  const { errors, isSubmitting } = form.formState;
  const notFound = coupon.isError && coupon.error instanceof ApiError && coupon.error.status === 404;
  return (
    <>
      <PageHeader title={t('rewards.title')}>
        <p>{t('rewards.intro')}</p>
      </PageHeader>
      <RewardsNav />
      <div className="grid grid-2">
        <Card title={t('rewards.coupon.lookupTitle')}>
          <form onSubmit={(e) => void lookUp(e)} noValidate aria-label={t('rewards.coupon.lookupTitle')}>
            <fieldset disabled={isSubmitting}>
              <TextField label={t('rewards.coupon.code')} autoComplete="off" error={fieldError(errors.code)} {...form.register('code')} />
              <p className="card-intro">{t('rewards.coupon.basketIntro')}</p>
              <TextField label={t('rewards.coupon.memberId')} hint={t('rewards.coupon.memberHint')} error={fieldError(errors.member_id)} {...form.register('member_id')} />
              <TextField label={t('rewards.coupon.orderAmount', { currency })} inputMode="decimal" error={fieldError(errors.order_amount)} {...form.register('order_amount')} />
              <div className="form-actions">
                <Button type="submit">{t('rewards.coupon.lookUp')}</Button>
                {can('POST /v1/coupons/validate') ? (
                  <Button variant="primary" onClick={() => void validate()}>
                    {t('rewards.coupon.validate')}
                  </Button>
                ) : null}
              </div>
            </fieldset>
          </form>
          {error ? <p className="form-error" role="alert">{error}</p> : null}
          {answer ? (
            answer.valid ? (
              <p className="verdict verdict-ok" role="status">
                {t('rewards.coupon.valid', { discount: answer.discount_amount === null ? '—' : fmt.money(answer.discount_amount, currency) })}
              </p>
            ) : (
              <p className="verdict verdict-bad" role="status">
                {t('rewards.coupon.refused', { reason: t(`errors.${answer.reason ?? 'unknown'}`, { defaultValue: answer.detail ?? t('errors.unknown') }) })}
              </p>
            )
          ) : null}
        </Card>
        <Card title={t('rewards.coupon.state')}>
          {!code ? (
            <EmptyState title={t('rewards.coupon.enterCode')} />
          ) : coupon.isPending ? (
            <Loading label={t('common.loading')} />
          ) : notFound ? (
            <EmptyState title={t('rewards.coupon.noSuch', { code })} />
          ) : coupon.isError ? (
            <ErrorState title={t('common.loadFailed')} message={errorMessage(t, coupon.error)} retryLabel={t('common.retry')} onRetry={() => void coupon.refetch()} />
          ) : (
            <CouponFacts coupon={coupon.data} />
          )}
        </Card>
      </div>
    </>
  );
}
