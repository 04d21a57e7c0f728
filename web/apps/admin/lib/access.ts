import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { sessionQuery } from '../../../packages/api-client';

/**
 * Whether the signed-in staff user's role may call a route (`'POST /v1/rules'`, with the API's `:param` names).
 * Buttons and screens a role cannot use are not shown; the server refuses them anyway.
 */
export function useCan(): (route: string) => boolean {
  const session = useQuery(sessionQuery());
  const allowed = useMemo(() => new Set(session.data?.permissions ?? []), [session.data]);
  return (route) => allowed.has(route);
}
