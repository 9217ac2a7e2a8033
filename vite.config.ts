import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';
import { defaultRuleset } from './extension/features/site-blocking/rules.ts';
import { PAGES } from './extension/lib/pages.ts';
import { jsonSchemas } from './extension/lib/schemas.ts';
import { type BuildTarget, manifestFor } from './extension/manifest.ts';
import { chromeManagedSchema } from './shared/rules/policy.ts';

/** Files generated from shared/ at build time, so the extension and its schema never disagree. */
function generatedFiles(target: BuildTarget): Plugin {
  return {
    name: 'invigil-generated-files',
    generateBundle() {
      if (target === 'chromium') {
        this.emitFile({
          type: 'asset',
          fileName: 'managed-schema.json',
          source: `${JSON.stringify(chromeManagedSchema(), null, 2)}\n`,
        });
      }
      this.emitFile({
        type: 'asset',
        fileName: 'rules/default.json',
        source: `${JSON.stringify(defaultRuleset(target), null, 2)}\n`,
      });
      // Static (no script), so it is copied as it is: see extension/pages/blocked-frame/index.html.
      this.emitFile({
        type: 'asset',
        fileName: PAGES.blockedFrame.slice(1),
        source: readFileSync(resolve(import.meta.dirname, PAGES.blockedFrame.slice(1)), 'utf8'),
      });
    },
  };
}

const JSON_SCHEMAS_MODULE = resolve(import.meta.dirname, 'extension/lib/json-schemas.ts');

/**
 * The extension validates against JSON Schema computed here from the zod schemas (see
 * extension/lib/schemas.ts), so it ships the schemas and not zod, which would be over half its size.
 */
function inlineJsonSchemas(): Plugin {
  return {
    name: 'invigil-inline-json-schemas',
    enforce: 'pre',
    load(id) {
      if (id.split('?')[0] !== JSON_SCHEMAS_MODULE) return null;
      return `export const JSON_SCHEMAS = ${JSON.stringify(jsonSchemas())};\n`;
    },
  };
}

/** Fails the build if a schema library reaches the extension after all (an import of a schema's value). */
function noSchemaLibrary(): Plugin {
  return {
    name: 'invigil-no-schema-library',
    generateBundle(_, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const zod = chunk.moduleIds.find((m) => m.includes('/node_modules/zod/'));
        if (zod) {
          this.error(
            `zod reached the extension's ${chunk.fileName} (${zod}): import types, not values, from modules that build zod schemas (see extension/lib/schemas.ts)`,
          );
        }
      }
    },
  };
}

/** Where each build goes: `npm run build` writes both. */
export const OUT_DIRS: Record<BuildTarget, string> = {
  chromium: 'dist/extension',
  firefox: 'dist/extension-firefox',
};

/**
 * One source, two builds. `__INVIGIL_BROWSER__` picks the browser adapter (extension/platform/) at
 * build time, so each build carries only its own browser's differences.
 */
export function extensionConfig(target: BuildTarget) {
  return defineConfig({
    plugins: [
      inlineJsonSchemas(),
      preact(),
      crx({ manifest: manifestFor(target), browser: target === 'firefox' ? 'firefox' : 'chrome' }),
      generatedFiles(target),
      noSchemaLibrary(),
    ],
    define: { __INVIGIL_BROWSER__: JSON.stringify(target) },
    build: {
      outDir: OUT_DIRS[target],
      emptyOutDir: true,
      target: target === 'firefox' ? 'firefox128' : 'chrome120',
      // Minified: a seat downloads and unpacks this on every PC (bench/extension/size.bench.ts). The
      // store's reviewers get the source map-free build either way; names that matter stay in messages.
      minify: true,
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
}

export default extensionConfig('chromium');
