/**
 * Importing the awarding body's results (issue 13): a coordinator chooses the CSV they downloaded
 * (registration number, assessment, date, result); each row sets the outcome of the matching candidate
 * entry. A file with any bad or unmatched row is refused whole, and every such row is listed.
 */
import { useState } from 'preact/hooks';
import {
  ResultsImportRefusalSchema,
  type ResultsImportResponse,
} from '../../../shared/schemas/attempts-api.ts';
import type { MeResponse } from '../../../shared/schemas/console-api.ts';
import type { ResultsProblem } from '../../../shared/schemas/results-csv.ts';
import { ApiError, call } from '../api.ts';
import { PageHeader } from '../components.tsx';

type Outcome =
  | { kind: 'done'; result: ResultsImportResponse; fileName: string }
  | { kind: 'refused'; error: string; problems: ResultsProblem[]; fileName: string }
  | { kind: 'error'; error: string };

export function ResultsImportPage({ me }: { me: MeResponse }) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  if (me.invigilator.role !== 'coordinator') {
    return (
      <section>
        <PageHeader title="Import results" />
        <p>Only a centre coordinator can import the awarding body’s results.</p>
      </section>
    );
  }
  return (
    <section>
      <PageHeader title="Import results" />
      <div class="card narrow">
        <p>
          Choose the results file downloaded from the awarding body’s reporting pages, saved as CSV. It needs
          four columns, named in its first row: <strong>registration number</strong>,{' '}
          <strong>assessment</strong>, <strong>date</strong> (2026-03-03 or 3/3/2026) and{' '}
          <strong>result</strong> (pass, fail or absent). Each row sets the outcome of the candidate who sat
          that assessment here that day.
        </p>
        <p class="muted small">
          If any row cannot be read or matched, nothing is imported and every such row is listed below.
        </p>
        <form
          id="results-form"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!file) return;
            setBusy(true);
            try {
              const csv = await file.text();
              const result = await call('importResults', { body: { csv, fileName: file.name } });
              setOutcome({ kind: 'done', result, fileName: file.name });
            } catch (err) {
              // A refused file names every bad row (the route's declared 400); anything else is one line.
              const refused = ResultsImportRefusalSchema.safeParse(
                err instanceof ApiError ? err.details : null,
              );
              setOutcome(
                refused.success
                  ? { kind: 'refused', ...refused.data, fileName: file.name }
                  : { kind: 'error', error: (err as Error).message },
              );
            } finally {
              setBusy(false);
            }
          }}
        >
          <label class="field">
            <span class="field-label">Results file (CSV)</span>
            <input
              type="file"
              name="results"
              accept=".csv,text/csv"
              required
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0] ?? null);
                setOutcome(null);
              }}
            />
          </label>
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={!file || busy}>
              {busy ? 'Importing…' : 'Import results'}
            </button>
          </div>
        </form>
      </div>
      {outcome?.kind === 'done' ? (
        <div class="banner ok" role="status" id="import-done">
          <strong>
            Imported {outcome.fileName}: {outcome.result.updated} outcome
            {outcome.result.updated === 1 ? '' : 's'} set
            {outcome.result.unchanged > 0 ? `, ${outcome.result.unchanged} already recorded` : ''}.
          </strong>
          {outcome.result.notes.length > 0 ? (
            <ul>
              {outcome.result.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {outcome?.kind === 'refused' ? (
        <div class="banner bad" role="alert" id="import-refused">
          <strong>
            {outcome.fileName}: {outcome.error}
          </strong>
          <table class="table problems" id="import-problems">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {outcome.problems.map((p, i) => (
                <tr key={`${p.row}-${i}`} data-row={p.row ?? ''}>
                  <td>{p.row ?? 'File'}</td>
                  <td>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {outcome?.kind === 'error' ? (
        <p class="error" role="alert" id="import-error">
          {outcome.error}
        </p>
      ) : null}
    </section>
  );
}
