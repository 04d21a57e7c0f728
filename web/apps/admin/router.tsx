import { createBrowserRouter } from 'react-router';
import { RequireSession } from './components/RequireSession';
import { Setup } from './routes/Setup';
import { SignIn } from './routes/SignIn';

// Screens load on first visit: sign-in stays small, and each screen brings only its own code (charts, tables).
export const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignIn /> },
    { path: '/setup', element: <Setup /> },
    {
      path: '/',
      element: <RequireSession />,
      children: [
        { index: true, lazy: () => import('./routes/Dashboard').then((m) => ({ Component: m.Dashboard })) },
        { path: 'members', lazy: () => import('./routes/Members').then((m) => ({ Component: m.Members })) },
        { path: 'members/:memberId', lazy: () => import('./routes/MemberPage').then((m) => ({ Component: m.MemberPage })) },
        { path: 'settings/keys', lazy: () => import('./routes/ApiKeys').then((m) => ({ Component: m.ApiKeys })) },
        { path: '*', lazy: () => import('./routes/NotFound').then((m) => ({ Component: m.NotFound })) },
      ],
    },
  ],
  { basename: '/admin' },
);
