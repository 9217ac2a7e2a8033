import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import { defaultRuleset } from './extension/features/site-blocking/rules.ts';
import manifest from './extension/manifest.ts';
import { chromeManagedSchema } from './shared/schemas/policy.ts';

/** Files generated from shared/ at build time, so the extension and its schema never disagree. */
function generatedFiles(): Plugin {
  return {
    name: 'invigil-generated-files',
    generateBundle() {
      this.emitFile({
        type: 'asset',
        fileName: 'managed-schema.json',
        source: `${JSON.stringify(chromeManagedSchema(), null, 2)}\n`,
      });
      this.emitFile({
        type: 'asset',
        fileName: 'rules/default.json',
        source: `${JSON.stringify(defaultRuleset(), null, 2)}\n`,
      });
    },
  };
}

export default defineConfig({
  plugins: [preact(), crx({ manifest }), generatedFiles()],
  build: {
    outDir: 'dist/extension',
    emptyOutDir: true,
    target: 'chrome120',
    minify: false,
    sourcemap: false,
    rolldownOptions: {
      input: {
        // Pages reached only by a redirect or by the worker: crxjs does not see them in the manifest.
        blocked: 'extension/pages/blocked/index.html',
        hold: 'extension/pages/hold/index.html',
        message: 'extension/pages/message/index.html',
      },
    },
  },
});
