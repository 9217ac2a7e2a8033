import { dsvFormat } from 'd3-dsv';
import { z } from 'zod';
import { excerpt } from './bounded-json.ts';

/**
 * The awarding body's results, as a centre downloads them (seeds/002: "Results can be found under
 * the Reporting tab ... viewed/printed by candidate or exam"), imported as CSV with four columns:
 * registration number, assessment, date, result. The first row names the columns (any order; other
 * columns are ignored and said so). Every problem names its row as a spreadsheet numbers it (the
 * header is row 1), and a file with any problem is refused whole: nothing is half-imported.
 */

export const RESULTS_CSV_MAX_CHARS = 2 * 1024 * 1024;
export const RESULTS_CSV_MAX_ROWS = 20_000;

export const ImportedResultSchema = z.enum(['passed', 'failed', 'absent']);
export type ImportedResult = z.infer<typeof ImportedResultSchema>;

export const ResultRowSchema = z.object({
  /** Its row in the file (the header is row 1). */
  row: z.number().int().min(2),
  registrationNumber: z.string().min(1).max(40),
  assessment: z.string().min(1).max(200),
  /** The day it was sat, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  result: ImportedResultSchema,
});
export type ResultRow = z.infer<typeof ResultRowSchema>;

export const ResultsProblemSchema = z.object({
  /** The row it is about (1 is the header), or null for the file as a whole. */
  row: z.number().int().min(1).nullable(),
  message: z.string(),
});
export type ResultsProblem = z.infer<typeof ResultsProblemSchema>;

export interface ResultsCsv {
  rows: ResultRow[];
  /** Anything that stops the import, by row. */
  problems: ResultsProblem[];
  /** Things worth saying that do not stop it (ignored columns, repeated rows). */
  notes: string[];
}

const COLUMNS = {
  registrationNumber: ['registration number', 'registration no', 'reg no', 'reg number', 'registration'],
  assessment: ['assessment', 'assessment name', 'test', 'exam'],
  date: ['date', 'date taken', 'assessment date', 'date sat'],
  result: ['result', 'outcome'],
} as const;
type Column = keyof typeof COLUMNS;
const COLUMN_NAMES: Record<Column, string> = {
  registrationNumber: 'registration number',
  assessment: 'assessment',
  date: 'date',
  result: 'result',
};

const RESULT_WORDS: Record<string, ImportedResult> = {
  pass: 'passed',
  passed: 'passed',
  p: 'passed',
  fail: 'failed',
  failed: 'failed',
  f: 'failed',
  refer: 'failed',
  referred: 'failed',
  referral: 'failed',
  absent: 'absent',
  abs: 'absent',
  'did not attend': 'absent',
  dna: 'absent',
};

function norm(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Quotes what a file said, bounded and on one line. */
function quote(s: string): string {
  return `"${excerpt(s, 60)}"`;
}

function realDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 2000 || y > 2100) return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** 2026-03-03 or 3/3/2026 (day first, as in the UK), optionally followed by a time. Null when it is neither, or not a real day. */
export function parseResultDate(text: string): string | null {
  const t = text.trim();
  const iso =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (iso) return realDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const uk = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/.exec(t);
  if (uk) return realDate(Number(uk[3]), Number(uk[2]), Number(uk[1]));
  return null;
}

export function parseResultWord(text: string): ImportedResult | null {
  return RESULT_WORDS[norm(text)] ?? null;
}

/** Parses and checks a results CSV. It never throws: everything wrong is a problem with its row. */
export function parseResultsCsv(text: string): ResultsCsv {
  const problems: ResultsProblem[] = [];
  const notes: string[] = [];
  if (text.length > RESULTS_CSV_MAX_CHARS) {
    return {
      rows: [],
      notes,
      problems: [
        {
          row: null,
          message: `The file is ${Math.ceil(text.length / 1024)} KB; the most that can be imported at once is ${RESULTS_CSV_MAX_CHARS / 1024} KB. Split it by month.`,
        },
      ],
    };
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = guessDelimiter(body);
  const table = dsvFormat(delimiter).parseRows(body);
  const isBlank = (r: string[]) => r.every((c) => c.trim() === '');
  const headerIndex = table.findIndex((r) => !isBlank(r));
  const header = table[headerIndex];
  if (!header) return { rows: [], notes, problems: [{ row: null, message: 'The file is empty.' }] };
  const headerRow = headerIndex + 1;

  const where: Partial<Record<Column, number>> = {};
  const ignored: string[] = [];
  header.forEach((cell, i) => {
    const n = norm(cell);
    const column = (Object.keys(COLUMNS) as Column[]).find((c) =>
      (COLUMNS[c] as readonly string[]).includes(n),
    );
    if (!column) {
      if (n !== '') ignored.push(quote(cell.trim()));
      return;
    }
    if (where[column] !== undefined) {
      problems.push({ row: headerRow, message: `The column "${COLUMN_NAMES[column]}" appears twice.` });
      return;
    }
    where[column] = i;
  });
  const missing = (Object.keys(COLUMNS) as Column[]).filter((c) => where[c] === undefined);
  if (missing.length > 0) {
    const found = header.filter((c) => c.trim() !== '').map((c) => quote(c.trim()));
    problems.push({
      row: headerRow,
      message: `The first row must name the columns registration number, assessment, date and result; ${missing.map((c) => `"${COLUMN_NAMES[c]}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (found ${found.length > 0 ? found.join(', ') : 'nothing'}).`,
    });
    return { rows: [], notes, problems };
  }
  if (ignored.length > 0) notes.push(`Ignored column(s): ${ignored.join(', ')}.`);

  const dataRows = table.length - headerRow;
  if (dataRows > RESULTS_CSV_MAX_ROWS) {
    problems.push({
      row: null,
      message: `The file has ${dataRows} rows; the most that can be imported at once is ${RESULTS_CSV_MAX_ROWS}.`,
    });
    return { rows: [], notes, problems };
  }

  const rows: ResultRow[] = [];
  const seen = new Map<string, ResultRow>();
  for (let i = headerIndex + 1; i < table.length; i++) {
    const cells = table[i] ?? [];
    if (isBlank(cells)) continue;
    const row = i + 1;
    const cell = (c: Column) => (cells[where[c] ?? -1] ?? '').trim();
    const rowProblems: string[] = [];
    const registrationNumber = cell('registrationNumber');
    const assessment = cell('assessment');
    if (!registrationNumber) rowProblems.push('the registration number is empty');
    else if (registrationNumber.length > 40)
      rowProblems.push('the registration number is longer than 40 characters');
    if (!assessment) rowProblems.push('the assessment is empty');
    else if (assessment.length > 200) rowProblems.push('the assessment is longer than 200 characters');
    const date = parseResultDate(cell('date'));
    if (!cell('date')) rowProblems.push('the date is empty');
    else if (!date) {
      rowProblems.push(
        `the date ${quote(cell('date'))} is not a date (write 2026-03-03 or 03/03/2026, day first)`,
      );
    }
    const result = parseResultWord(cell('result'));
    if (!cell('result')) rowProblems.push('the result is empty');
    else if (!result) {
      rowProblems.push(`the result ${quote(cell('result'))} is not one of pass, fail, referred or absent`);
    }
    if (rowProblems.length > 0 || !date || !result) {
      problems.push({ row, message: `${capitalise(rowProblems.join('; '))}.` });
      continue;
    }
    const parsed: ResultRow = { row, registrationNumber, assessment, date, result };
    const k = `${norm(registrationNumber)}|${norm(assessment)}|${date}`;
    const earlier = seen.get(k);
    if (earlier) {
      if (earlier.result === result) {
        notes.push(`Row ${row} repeats row ${earlier.row}; it was counted once.`);
      } else {
        problems.push({
          row,
          message: `It says ${registrationNumber} ${result} "${assessment}" on ${date}, but row ${earlier.row} says ${earlier.result}.`,
        });
      }
      continue;
    }
    seen.set(k, parsed);
    rows.push(parsed);
  }
  if (rows.length === 0 && problems.length === 0) {
    problems.push({ row: null, message: 'The file has a header but no results.' });
  }
  return { rows, problems, notes };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Spreadsheets in some locales save with semicolons (or tabs): whichever the header line uses most. */
function guessDelimiter(text: string): string {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  const counts = [',', ';', '\t'].map((d) => [d, first.split(d).length - 1] as const);
  const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ',';
}
