import { QueryCache, QueryClient, MutationCache } from '@tanstack/react-query';
import { ApiError, sessionKeys } from '../../../packages/api-client';

/** A call that finds the session gone (expired, signed out elsewhere) sends the user to sign in again. */
function onError(err: unknown) {
  if (err instanceof ApiError && err.status === 401) queryClient.setQueryData(sessionKeys.current, null);
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
