import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

// The one Vite config: the admin console (web/apps/admin) served by `patron serve` at /admin.
// `vite` (dev) proxies the API to a `patron serve` on PATRON_URL (default http://127.0.0.1:3000).
const root = fileURLToPath(new URL('./web/apps/admin', import.meta.url));
const api = process.env.PATRON_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/admin/',
  // Each asset also as .br and .gz beside it, which `patron serve` sends to browsers that accept them.
  plugins: [react(), compression({ algorithms: [defineAlgorithm('brotliCompress'), defineAlgorithm('gzip', { level: 9 })], threshold: 1024 })],
  build: {
    outDir: fileURLToPath(new URL('./web/dist/admin', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: { proxy: { '/v1': api } },
});
