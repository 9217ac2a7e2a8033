/**
 * The import rules in biome.json, each proved by linting a small file that breaks it (and one that
 * keeps it), laid out as the repository is, in a temporary folder with a copy of the real config:
 * the extension, the agent and the console import only shared/ (not each other); shared/ imports no
 * runtime (no Node module, no server or browser library, nothing of ours outside shared/); deploy/
 * does not reach into kiosk-agent/; bench/ does not open the console's database itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'invigil-biome-'));
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));
  // No git here: lint the files given, whatever an ignore file says.
  config.vcs = { enabled: false };
  config.$schema = undefined;
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Lints one file at `path` (relative to the fake repository) and returns the diagnostics' text. */
function lint(path: string, source: string): { ok: boolean; output: string } {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  const r = spawnSync(BIOME, ['lint', '--max-diagnostics=50', path], { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const cases: { rule: string; path: string; source: string; message: RegExp }[] = [
  {
    rule: 'the extension does not import the agent',
    path: 'extension/features/a.ts',
    source: "import { loadConfig } from '../../kiosk-agent/config.ts';\nexport const x = loadConfig;\n",
    message: /The extension imports only shared\//,
  },
  {
    rule: 'the extension does not import the console',
    path: 'extension/b.ts',
    source: "import type { Store } from '../invigilator/server/store/store.ts';\nexport type X = Store;\n",
    message: /The extension imports only shared\//,
  },
  {
    rule: 'the agent does not import the console',
    path: 'kiosk-agent/seat/c.ts',
    source:
      "import { startConsole } from '../../invigilator/server/start.ts';\nexport const x = startConsole;\n",
    message: /The kiosk agent imports only shared\//,
  },
  {
    rule: 'the agent does not import deploy/',
    path: 'kiosk-agent/checks/d.ts',
    source:
      "import { generatePolicy } from '../../deploy/policy/generate.ts';\nexport const x = generatePolicy;\n",
    message: /The kiosk agent imports only shared\//,
  },
  {
    rule: 'the console does not import the agent',
    path: 'invigilator/server/e.ts',
    source: "import { loadConfig } from '../../kiosk-agent/config.ts';\nexport const x = loadConfig;\n",
    message: /The console imports only shared\//,
  },
  {
    rule: 'the dashboard does not import the extension',
    path: 'invigilator/dashboard/f.ts',
    source: "export { x } from '../../extension/lib/x.ts';\n",
    message: /The console imports only shared\//,
  },
  {
    rule: 'shared/ imports no Node module',
    path: 'shared/schemas/g.ts',
    source: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    message: /Node\.js builtin module/,
  },
  {
    rule: 'shared/ imports no server library',
    path: 'shared/api/h.ts',
    source: "import Fastify from 'fastify';\nexport const x = Fastify;\n",
    message: /shared\/ runs in browsers and in Node alike/,
  },
  {
    rule: 'shared/ imports no browser library',
    path: 'shared/rules/i.ts',
    source: "import browser from 'webextension-polyfill';\nexport const x = browser;\n",
    message: /shared\/ runs in browsers and in Node alike/,
  },
  {
    rule: 'shared/ imports nothing of ours outside shared/',
    path: 'shared/catalogs/j.ts',
    source:
      "import { EXTENSION_FEATURES } from '../../extension/features/index.ts';\nexport const x = EXTENSION_FEATURES;\n",
    message: /shared\/ imports nothing of ours outside shared\//,
  },
  {
    rule: 'the extension imports no Node module',
    path: 'extension/k.ts',
    source: "import { join } from 'path';\nexport const x = join;\n",
    message: /Node\.js builtin module/,
  },
  {
    rule: 'deploy/ does not reach into kiosk-agent/',
    path: 'deploy/l.ts',
    source: "import { loadConfig } from '../kiosk-agent/config.ts';\nexport const x = loadConfig;\n",
    message: /deploy\/ imports shared\/ and Node modules/,
  },
  {
    rule: "bench/ does not open the console's database (store.db)",
    path: 'bench/console/m.ts',
    source:
      "import { openStore } from '../../invigilator/server/store/database-store.ts';\nexport const x = openStore;\n",
    message: /bench\/ uses the console's public entry points/,
  },
  {
    rule: 'bench/ does not start an in-process console through the test helpers',
    path: 'bench/console/n.ts',
    source:
      "import { startTestConsole } from '../../test/helpers/console-client.ts';\nexport const x = startTestConsole;\n",
    message: /bench\/ uses the console's public entry points/,
  },
  {
    rule: "bench/ does not query the database with the console's query layer",
    path: 'bench/console/o.ts',
    source: "import { Kysely } from 'kysely';\nexport const x = Kysely;\n",
    message: /bench\/ uses the console's public entry points/,
  },
];

describe('each import rule refuses a file that breaks it', () => {
  for (const c of cases) {
    test(c.rule, () => {
      const r = lint(c.path, c.source);
      expect(r.ok, r.output).toBe(false);
      expect(r.output).toMatch(c.message);
    });
  }
});

test('a file that keeps the rules passes (so the rules are not refusing everything)', () => {
  const files: [string, string][] = [
    [
      'shared/schemas/ok.ts',
      "import { z } from 'zod';\nimport { IdSchema } from './common.ts';\nexport const x = [z, IdSchema];\n",
    ],
    [
      'extension/ok.ts',
      "import { EXTENSION_ID } from '../shared/constants.ts';\nexport const x = EXTENSION_ID;\n",
    ],
    [
      'kiosk-agent/checks/ok.ts',
      "import { readFileSync } from 'node:fs';\nimport { EXTENSION_ID } from '../../shared/constants.ts';\nimport { x as y } from '../config.ts';\nexport const x = [readFileSync, EXTENSION_ID, y];\n",
    ],
    [
      'invigilator/server/ok.ts',
      "import Fastify from 'fastify';\nimport { apiRoutes } from '../../shared/api/routes.ts';\nexport const x = [Fastify, apiRoutes];\n",
    ],
    [
      'bench/console/ok.ts',
      "import pg from 'pg';\nimport { createApiClient } from '../../shared/api/client.ts';\nimport { startPostgres } from '../../test/helpers/postgres-server.ts';\nexport const x = [pg, createApiClient, startPostgres];\n",
    ],
    [
      'deploy/ok.ts',
      "import { writeFileSync } from 'node:fs';\nimport { parseConfig } from '../shared/schemas/config-file.ts';\nexport const x = [writeFileSync, parseConfig];\n",
    ],
  ];
  for (const [path, source] of files) {
    const r = lint(path, source);
    expect(r.ok, `${path}\n${r.output}`).toBe(true);
  }
});
