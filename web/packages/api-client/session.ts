import { queryOptions } from '@tanstack/react-query';
import { ApiError, request, setCsrfToken } from './client';

export type Role = 'owner' | 'admin' | 'marketer' | 'support' | 'analyst';
export type StaffLocale = 'en' | 'zh-Hans' | 'zh-Hant' | 'ru';

/** A staff user, as the staff session API answers it (see the contract of issue 12). */
export interface Staff {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: Role;
  program_ids: string[] | null;
  locale: StaffLocale;
  disabled: boolean;
  created_at: string;
  last_sign_in_at: string | null;
}

export interface SessionAnswer {
  staff: Staff;
  csrf_token: string;
}

function remember(answer: SessionAnswer): SessionAnswer {
  setCsrfToken(answer.csrf_token);
  return answer;
}

export const sessionKeys = { current: ['session'] as const };

/** The signed-in staff user, or null when there is no session (401). */
export const sessionQuery = () =>
  queryOptions({
    queryKey: sessionKeys.current,
    queryFn: async (): Promise<SessionAnswer | null> => {
      try {
        return remember(await request<SessionAnswer>('GET', '/v1/staff/session'));
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

export const signIn = async (body: { email: string; password: string }) => remember(await request<SessionAnswer>('POST', '/v1/staff/session', body));

export const completeSetup = async (body: { token: string; password: string; name?: string }) =>
  remember(await request<SessionAnswer>('POST', '/v1/staff/setup', body));

export const signOut = async () => {
  await request<void>('DELETE', '/v1/staff/session');
  setCsrfToken(null);
};

export const signOutEverywhere = async () => {
  await request<void>('POST', '/v1/staff/session/revoke-all');
  setCsrfToken(null);
};

export const updateMe = (body: { name?: string; locale?: StaffLocale }) => request<Staff>('PATCH', '/v1/staff/me', body);
