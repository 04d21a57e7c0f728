import { QueryCache, QueryClient, MutationCache } from '@tanstack/react-query';
import { ApiError, sessionKeys } from '../../../packages/api-client';

/** A call that finds the session gone (expired, signed out elsewhere) sends the user to sign in again. */
function onError(err: unknown) {
  if (!(err instanceof ApiError && err.status === 401)) return;
  if (queryClient.getQueryData(sessionKeys.current)) markSessionEnded();
  queryClient.setQueryData(sessionKeys.current, null);
}

const ENDED_KEY = 'patron.sessionEnded';

/** The session ended under the user (idle too long, signed out elsewhere): the sign-in screen says so once. */
export function markSessionEnded() {
  globalThis.sessionStorage?.setItem(ENDED_KEY, '1');
}

export function takeSessionEnded(): boolean {
  const ended = globalThis.sessionStorage?.getItem(ENDED_KEY) === '1';
  globalThis.sessionStorage?.removeItem(ENDED_KEY);
  return ended;
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

/**
 * A session the server no longer knows is also learnt by asking for the session itself (a screen mounting
 * refetches it when stale): a fetch that finds none after one was held means it ended, as a 401 elsewhere does.
 * Signing out sets it to null by hand, which is not that.
 */
let signedIn = false;
queryClient.getQueryCache().subscribe((e) => {
  if (e.type !== 'updated' || e.query.queryHash !== JSON.stringify(sessionKeys.current)) return;
  if (e.action.type !== 'success') return;
  const now = e.query.state.data != null;
  if (signedIn && !now && !e.action.manual) markSessionEnded();
  signedIn = now;
});
