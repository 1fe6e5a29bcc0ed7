import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// Served by the API under /console (src/api/plugins/console.ts); `npm run dev` proxies the API.
export default defineConfig({
  base: '/console/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/v1': process.env.TUNELINE_URL ?? 'http://127.0.0.1:3000' } },
});
