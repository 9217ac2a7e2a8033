/**
 * Attempts (issue 13): each candidate entry records when its seat was released to the assessment (the
 * seat acknowledged its release: seats/hub/instructions.ts, noteReleases) and when the candidate finished (the
 * invigilator marks it finished or submitted early), and the outcome once known: a coordinator enters
 * it on the sitting page or imports the awarding body's results as CSV. The retake, attempt-limit and
 * daily rules read these real attempts (store.attemptsFor).
 */

import type { z } from 'zod';
import { key, localDay } from '../../../shared/rules/centre.ts';
import type {
  EntryFinishSchema,
  ResultsImportRefusal,
  ResultsImportResponse,
  ResultsImportSchema,
} from '../../../shared/schemas/attempts-api.ts';
import type { SittingView } from '../../../shared/schemas/console-api.ts';
import { parseResultsCsv, type ResultsProblem } from '../../../shared/schemas/results-csv.ts';
import { actorOf, type ConsoleContext, type Session } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { SittingService } from '../sittings/sitting-service.ts';
import type { EntryRow } from '../store/store.ts';

/** An entry's key for matching a results row: registration number, assessment, the day it was sat. */
function matchKey(registrationNumber: string, assessment: string, day: string): string {
  return `${key(registrationNumber)}\u0000${key(assessment)}\u0000${day}`;
}

export class AttemptService {
  private readonly sittings: SittingService;
  constructor(private readonly ctx: ConsoleContext) {
    this.sittings = new SittingService(ctx);
  }

  private async entryOf(s: Session, id: string, entryId: string) {
    const sitting = await this.sittings.load(s, id);
    const entry = sitting.entries.find((e) => e.id === entryId);
    if (!entry) throw new HttpError(404, 'No such candidate in this sitting.');
    return { sitting, entry };
  }

  /** The invigilator marks the candidate finished, or submitted before completing. */
  async finish(
    s: Session,
    id: string,
    entryId: string,
    body: z.output<typeof EntryFinishSchema>,
  ): Promise<SittingView> {
    const { sitting, entry } = await this.entryOf(s, id, entryId);
    if (sitting.closedAt)
      throw new HttpError(409, 'This sitting is closed; its record can no longer change.');
    if (entry.outcome === 'absent') throw new HttpError(409, `${entry.candidateName} is marked absent.`);
    if (entry.finishedAt) {
      throw new HttpError(
        409,
        `${entry.candidateName} was already marked finished at ${entry.finishedAt.slice(11, 19)} UTC; undo that first.`,
      );
    }
    await this.ctx.store.setFinish(actorOf(s), entry.id, { at: new Date().toISOString(), how: body.how });
    this.ctx.live.sittingsChanged(s.centreId, [sitting.id]);
    return this.sittings.get(s, sitting.id);
  }

  async undoFinish(s: Session, id: string, entryId: string): Promise<SittingView> {
    const { sitting, entry } = await this.entryOf(s, id, entryId);
    if (sitting.closedAt)
      throw new HttpError(409, 'This sitting is closed; its record can no longer change.');
    if (entry.finishedAt) await this.ctx.store.setFinish(actorOf(s), entry.id, null);
    this.ctx.live.sittingsChanged(s.centreId, [sitting.id]);
    return this.sittings.get(s, sitting.id);
  }

  /**
   * The awarding body's results (registration number, assessment, date, result), matched to this
   * centre's candidate entries. Any bad or unmatched row refuses the whole file (every row named):
   * nothing is half-imported.
   */
  async importResults(
    s: Session,
    body: z.output<typeof ResultsImportSchema>,
  ): Promise<{ imported: ResultsImportResponse } | { refused: ResultsImportRefusal }> {
    const parsed = parseResultsCsv(body.csv);
    const problems: ResultsProblem[] = [...parsed.problems];
    const index = new Map<string, { entry: EntryRow; room: string }[]>();
    for (const sitting of await this.ctx.store.listSittings(s.centreId)) {
      for (const entry of sitting.entries) {
        const k = matchKey(entry.registrationNumber, entry.assessment, localDay(sitting.startsAt));
        index.set(k, [...(index.get(k) ?? []), { entry, room: sitting.room }]);
      }
    }
    const updates = new Map<string, { entryId: string; outcome: EntryRow['outcome']; row: number }>();
    let unchanged = 0;
    for (const row of parsed.rows) {
      const found = index.get(matchKey(row.registrationNumber, row.assessment, row.date)) ?? [];
      const what = `${row.registrationNumber} "${row.assessment}" on ${row.date}`;
      if (found.length === 0) {
        problems.push({
          row: row.row,
          message: `No candidate entry at this centre for ${what}.`,
        });
        continue;
      }
      if (found.length > 1) {
        problems.push({
          row: row.row,
          message: `${what} matches ${found.length} entries (rooms ${found.map((f) => f.room).join(', ')}); set these outcomes on the sitting pages.`,
        });
        continue;
      }
      const { entry } = found[0] as { entry: EntryRow };
      const earlier = updates.get(entry.id);
      if (earlier && earlier.outcome !== row.result) {
        problems.push({
          row: row.row,
          message: `${what} is ${row.result} here but ${earlier.outcome} in row ${earlier.row}.`,
        });
        continue;
      }
      if (entry.outcome === row.result) unchanged++;
      else updates.set(entry.id, { entryId: entry.id, outcome: row.result, row: row.row });
    }
    if (problems.length > 0) {
      problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
      return {
        refused: {
          error: `Nothing was imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the file.`,
          problems: problems.slice(0, 500),
        },
      };
    }
    await this.ctx.store.importOutcomes(actorOf(s), [...updates.values()], {
      fileName: body.fileName ?? null,
      rows: parsed.rows.length,
    });
    this.ctx.live.sittingsChanged(s.centreId, []);
    return { imported: { updated: updates.size, unchanged, notes: parsed.notes } };
  }
}
