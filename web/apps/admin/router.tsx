import { createBrowserRouter } from 'react-router';
import { RequireSession } from './components/RequireSession';
import { Dashboard } from './routes/Dashboard';
import { MemberPage } from './routes/MemberPage';
import { Members } from './routes/Members';
import { NotFound } from './routes/NotFound';
import { ApiKeys } from './routes/ApiKeys';
import { Setup } from './routes/Setup';
import { SignIn } from './routes/SignIn';

export const router = createBrowserRouter(
  [
    { path: '/sign-in', element: <SignIn /> },
    { path: '/setup', element: <Setup /> },
    {
      path: '/',
      element: <RequireSession />,
      children: [
        { index: true, element: <Dashboard /> },
        { path: 'members', element: <Members /> },
        { path: 'members/:memberId', element: <MemberPage /> },
        { path: 'settings/keys', element: <ApiKeys /> },
        { path: '*', element: <NotFound /> },
      ],
    },
  ],
  { basename: '/admin' },
);
