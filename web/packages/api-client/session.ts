import { queryOptions } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken, unwrap } from './client';
import type { paths } from './schema';

export type SessionAnswer = paths['/v1/staff/session']['get']['responses'][200]['content']['application/json'];
export type Staff = SessionAnswer['staff'];
export type Role = Staff['role'];
export type StaffLocale = Staff['locale'];
export type SignInInput = paths['/v1/staff/session']['post']['requestBody']['content']['application/json'];
export type SetupInput = paths['/v1/staff/setup']['post']['requestBody']['content']['application/json'];
export type MeInput = NonNullable<paths['/v1/staff/me']['patch']['requestBody']>['content']['application/json'];

/** Keeps the session's CSRF token for the writes that follow. */
function remember(answer: SessionAnswer): SessionAnswer {
  setCsrfToken(answer.csrf_token);
  return answer;
}

export const sessionKeys = { current: ['session'] as const };

/** The signed-in staff user, or null when there is no session (401). */
export const sessionQuery = () =>
  queryOptions({
    queryKey: sessionKeys.current,
    queryFn: async ({ signal }): Promise<SessionAnswer | null> => {
      try {
        return remember(await unwrap(api.GET('/v1/staff/session', { signal })));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          setCsrfToken(null);
          return null;
        }
        throw err;
      }
    },
    staleTime: 60_000,
    retry: false,
  });

export const signIn = async (body: SignInInput) => remember(await unwrap(api.POST('/v1/staff/session', { body })));

export const completeSetup = async (body: SetupInput) => remember(await unwrap(api.POST('/v1/staff/setup', { body })));

export const signOut = async () => {
  await unwrap(api.DELETE('/v1/staff/session'));
  setCsrfToken(null);
};

export const signOutEverywhere = async () => {
  await unwrap(api.POST('/v1/staff/session/revoke-all'));
  setCsrfToken(null);
};

export const updateMe = (body: MeInput) => unwrap(api.PATCH('/v1/staff/me', { body }));
