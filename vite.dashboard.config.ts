import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The invigilator's dashboard (Preact), served by `invigil console` from dist/dashboard. */
export default defineConfig({
  root: 'invigilator/dashboard',
  base: '/',
  plugins: [preact()],
  build: {
    outDir: '../../dist/dashboard',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
});
