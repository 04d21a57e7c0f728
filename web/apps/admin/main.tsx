import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { initI18n } from '../../packages/i18n';
import '../../packages/ui/styles.css';
import { queryClient } from './lib/query';
import { prefetchFirstScreen } from './lib/boot';
import { router } from './router';

prefetchFirstScreen(window.location);

void initI18n().then(() =>
  createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
  ),
);
