/**
 * Every catalog entry, as real processes under its Linux names: a copy of a harmless binary
 * (/bin/sleep) under each name, started for real and found by the /proc scan the daemon runs, on the
 * checklist line of its category. (Windows and macOS names are matched the same way, by the same
 * lookup: test/unit/shared/catalogs/processes.test.ts.)
 */
import { afterAll, describe, expect, test } from 'vitest';
import {
  evaluateProcesses,
  PROCESS_CHECK_LINES,
  ProcScanner,
} from '../../../../kiosk-agent/checks/processes.ts';
import { defaultConfig } from '../../../../kiosk-agent/config.ts';
import { indexProcessCatalog, PROCESS_CATALOG } from '../../../../shared/catalogs/processes.ts';
import {
  killAllNamedProcesses,
  type NamedProcess,
  startNamedProcess,
} from '../../../helpers/agent-processes.ts';

afterAll(killAllNamedProcesses);

const config = defaultConfig();
const index = indexProcessCatalog('linux', config.catalog);
const entries = PROCESS_CATALOG.filter(
  (e) => (e.names.linux?.length ?? 0) > 0 && !(e.category === 'browser' && e.browser === config.browser.name),
);

describe('every catalog entry with Linux names, as real processes', () => {
  test.each(entries.map((e) => [e.product, e] as const))('%s', async (_product, entry) => {
    const procs: NamedProcess[] = [];
    try {
      for (const name of entry.names.linux ?? []) procs.push(await startNamedProcess(name));
      const results = evaluateProcesses(new ProcScanner().scan(), index, config.browser.name);
      const line = results.find((r) => r.id === PROCESS_CHECK_LINES[entry.category].id);
      const hit = line?.findings.find((f) => f.subject === entry.product);
      expect(hit, `${entry.product} on the ${entry.category} line`).toBeDefined();
      // Each of its names was recognised: every one of our processes is on the finding.
      const pids = String(hit?.details?.pids ?? '')
        .split(',')
        .map(Number);
      expect(pids).toEqual(expect.arrayContaining(procs.map((p) => p.pid)));
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
    }
  });
});
