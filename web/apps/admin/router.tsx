import { createBrowserRouter } from 'react-router';
import { RequireSession } from './components/RequireSession';
import { Setup } from './routes/Setup';
import { SignIn } from './routes/SignIn';
import { SCREENS } from './screens';

// Screens load on first visit: sign-in stays small, and each screen brings only its own code (charts, tables).
export const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignIn /> },
    { path: '/setup', element: <Setup /> },
    {
      path: '/',
      element: <RequireSession />,
      children: [
        ...SCREENS.map((s) => (s.path === '' ? { index: true, lazy: s.lazy } : { path: s.path, lazy: s.lazy })),
        { path: '*', lazy: () => import('./routes/NotFound').then((m) => ({ Component: m.NotFound })) },
      ],
    },
  ],
  { basename: '/admin' },
);
