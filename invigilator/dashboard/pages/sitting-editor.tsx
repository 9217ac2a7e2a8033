/** Plan or edit a sitting: room, time, invigilators, candidates and their seats; the rules' warnings as you type. */
import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { QUALIFICATION_TYPES, type QualificationType } from '../../../shared/catalogs/qualifications.ts';
import type { InvigilatorView, SeatView, SittingView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { ErrorLine, Field, PageHeader } from '../components.tsx';
import { isoWithOffset, todayLocal } from '../format.ts';
import { useLive } from '../live.ts';
import { SiteSelect, useSites } from '../sites/site-context.tsx';

interface Row {
  id?: string;
  candidateName: string;
  registrationNumber: string;
  qualificationNumber: string;
  qualificationType: QualificationType;
  assessment: string;
  durationMinutes: string;
  extraMinutes: string;
  reasonableAdjustment: string;
  seatId: string;
}

const emptyRow = (): Row => ({
  candidateName: '',
  registrationNumber: '',
  qualificationNumber: '',
  qualificationType: 'other',
  assessment: '',
  durationMinutes: '60',
  extraMinutes: '0',
  reasonableAdjustment: '',
  seatId: '',
});

function toBody(room: string, date: string, time: string, invigilatorIds: string[], rows: Row[]) {
  return {
    room,
    startsAt: isoWithOffset(date, time),
    invigilatorIds,
    entries: rows.map((r) => ({
      ...(r.id ? { id: r.id } : {}),
      candidateName: r.candidateName,
      registrationNumber: r.registrationNumber,
      qualificationNumber: r.qualificationNumber,
      qualificationType: r.qualificationType,
      assessment: r.assessment,
      durationMinutes: Number(r.durationMinutes),
      extraMinutes: Number(r.extraMinutes || 0),
      reasonableAdjustment: r.reasonableAdjustment.trim() || null,
      seatId: r.seatId || null,
    })),
  };
}

export function SittingEditorPage({ id }: { id: string | null }) {
  const live = useLive();
  const [room, setRoom] = useState('');
  const sites = useSites();
  // A new sitting's site (the centre coordinator's choice; everyone else plans at their own site).
  const [siteId, setSiteId] = useState(sites.siteId ?? '');
  const [sittingSite, setSittingSite] = useState<string | null>(null);
  const [date, setDate] = useState(todayLocal());
  const [time, setTime] = useState('09:30');
  const [invigilators, setInvigilators] = useState<InvigilatorView[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [rows, setRows] = useState<Row[]>([emptyRow()]);
  const [warnings, setWarnings] = useState<SittingView['warnings']>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    call('listInvigilators').then((r) => setInvigilators(r.invigilators));
    if (!id) return;
    call('getSitting', { params: { id } }).then(({ sitting }) => {
      setRoom(sitting.room);
      setSittingSite(sitting.siteId ?? null);
      setDate(sitting.startsAt.slice(0, 10));
      setTime(sitting.startsAt.slice(11, 16));
      setChosen(sitting.invigilators.map((i) => i.id));
      setRows(
        sitting.entries.map((e) => ({
          id: e.id,
          candidateName: e.candidateName,
          registrationNumber: e.registrationNumber,
          qualificationNumber: e.qualificationNumber,
          qualificationType: e.qualificationType,
          assessment: e.assessment,
          durationMinutes: String(e.durationMinutes),
          extraMinutes: String(e.extraMinutes),
          reasonableAdjustment: e.reasonableAdjustment ?? '',
          seatId: e.seatId ?? '',
        })),
      );
    });
  }, [id]);

  const body = useMemo(() => toBody(room, date, time, chosen, rows), [room, date, time, chosen, rows]);

  // The rules' warnings, checked by the console as the plan changes.
  useEffect(() => {
    const t = setTimeout(() => {
      call('checkSitting', {
        body: { ...body, ...(id ? { id } : {}) },
      }).then(
        (r) => setWarnings(r.warnings),
        () => undefined,
      );
    }, 300);
    return () => clearTimeout(t);
  }, [body, id]);

  const site = id ? sittingSite : siteId || (sites.centreWide ? leadId(sites) : null);
  const seats: SeatView[] = [...live.seats.values()]
    .filter((x) => !site || x.siteId === site)
    .sort((a, b) => a.pcName.localeCompare(b.pcName, undefined, { numeric: true }));
  const update = (i: number, patch: Partial<Row>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const warningFor = (i: number) => warnings.filter((w) => w.entryId === (rows[i]?.id ?? `new-${i}`));

  return (
    <section>
      <PageHeader title={id ? 'Edit sitting' : 'New sitting'} />
      <form
        id="sitting-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setSaving(true);
          setError(null);
          try {
            const r = id
              ? await call('updateSitting', { params: { id }, body })
              : await call('createSitting', { body: { ...body, ...(siteId ? { siteId } : {}) } });
            location.hash = `/sittings/${r.sitting.id}`;
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setSaving(false);
          }
        }}
      >
        <div class="card form-grid">
          {id ? null : (
            <SiteSelect
              id="sitting-site"
              value={siteId}
              onChange={setSiteId}
              hint="Its seats and invigilators are this site’s; a sitting keeps its site."
            />
          )}
          <Field
            label="Room"
            hint={roomHint(
              sites.sites.find((x) => x.id === (id ? sittingSite : siteId || leadId(sites)))?.rooms,
            )}
          >
            <input
              name="room"
              required
              list="site-rooms"
              value={room}
              onInput={(e) => setRoom(e.currentTarget.value)}
            />
            <datalist id="site-rooms">
              {(
                sites.sites.find((x) => x.id === (id ? sittingSite : siteId || leadId(sites)))?.rooms ?? []
              ).map((r) => (
                <option key={r.id} value={r.name} />
              ))}
            </datalist>
          </Field>
          <Field label="Date">
            <input
              name="date"
              type="date"
              required
              value={date}
              onInput={(e) => setDate(e.currentTarget.value)}
            />
          </Field>
          <Field label="Start time">
            <input
              name="time"
              type="time"
              required
              value={time}
              onInput={(e) => setTime(e.currentTarget.value)}
            />
          </Field>
          <fieldset class="choices span-all">
            <legend>Invigilators (at most 15 candidates each)</legend>
            {invigilators.map((inv) => (
              <label key={inv.id} class="choice">
                <input
                  type="checkbox"
                  name="invigilator"
                  value={inv.id}
                  checked={chosen.includes(inv.id)}
                  onChange={(e) =>
                    setChosen(
                      e.currentTarget.checked ? [...chosen, inv.id] : chosen.filter((x) => x !== inv.id),
                    )
                  }
                />
                {inv.name} <span class="muted">PIN {inv.pin}</span>
              </label>
            ))}
          </fieldset>
        </div>

        <h2>Candidates and seating plan</h2>
        <div class="table-scroll">
          <table class="table entry-table">
            <thead>
              <tr>
                <th scope="col">Candidate name</th>
                <th scope="col">Registration no.</th>
                <th scope="col">Qualification no.</th>
                <th scope="col">Type</th>
                <th scope="col">Assessment</th>
                <th scope="col">Minutes</th>
                <th scope="col">Extra min.</th>
                <th scope="col">Reasonable adjustment</th>
                <th scope="col">PC</th>
                <th scope="col">
                  <span class="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <Fragment key={r.id ?? `row-${i}`}>
                  <tr data-row={i}>
                    <td>
                      <input
                        aria-label="Candidate name"
                        name={`candidateName-${i}`}
                        required
                        value={r.candidateName}
                        onInput={(e) => update(i, { candidateName: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label="Registration number"
                        name={`registrationNumber-${i}`}
                        required
                        value={r.registrationNumber}
                        onInput={(e) => update(i, { registrationNumber: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label="Qualification number"
                        name={`qualificationNumber-${i}`}
                        placeholder="601/8928/9"
                        required
                        size={11}
                        value={r.qualificationNumber}
                        onInput={(e) => update(i, { qualificationNumber: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <select
                        aria-label="Qualification type"
                        name={`qualificationType-${i}`}
                        value={r.qualificationType}
                        onChange={(e) =>
                          update(i, { qualificationType: e.currentTarget.value as QualificationType })
                        }
                      >
                        {Object.entries(QUALIFICATION_TYPES).map(([k, v]) => (
                          <option key={k} value={k}>
                            {v.label}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        aria-label="Assessment"
                        name={`assessment-${i}`}
                        required
                        value={r.assessment}
                        onInput={(e) => update(i, { assessment: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label="Duration in minutes"
                        name={`durationMinutes-${i}`}
                        type="number"
                        min={1}
                        max={600}
                        required
                        class="num"
                        value={r.durationMinutes}
                        onInput={(e) => update(i, { durationMinutes: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label="Extra time in minutes"
                        name={`extraMinutes-${i}`}
                        type="number"
                        min={0}
                        max={600}
                        class="num"
                        value={r.extraMinutes}
                        onInput={(e) => update(i, { extraMinutes: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label="Reasonable adjustment"
                        name={`reasonableAdjustment-${i}`}
                        placeholder="Only over 25%"
                        value={r.reasonableAdjustment}
                        onInput={(e) => update(i, { reasonableAdjustment: e.currentTarget.value })}
                      />
                    </td>
                    <td>
                      <select
                        aria-label="PC"
                        name={`seatId-${i}`}
                        value={r.seatId}
                        onChange={(e) => update(i, { seatId: e.currentTarget.value })}
                      >
                        <option value="">Not assigned</option>
                        {seats.map((s) => (
                          <option key={s.id} value={s.id}>
                            {s.pcName}
                            {s.place ? ` (${s.place})` : ''}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <button
                        type="button"
                        class="button ghost small"
                        aria-label={`Remove candidate ${i + 1}`}
                        onClick={() => setRows(rows.filter((_, j) => j !== i))}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                  {warningFor(i).map((w) => (
                    <tr key={`${i}-${w.rule}`} class="row-warning">
                      <td colSpan={10}>⚠ {w.message}</td>
                    </tr>
                  ))}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
        <button
          type="button"
          class="button ghost"
          id="add-candidate"
          onClick={() => setRows([...rows, emptyRow()])}
        >
          + Add a candidate
        </button>

        {warnings.length > 0 ? (
          <div class="banner warn" role="status" aria-live="polite">
            <strong>Rule warnings ({warnings.length})</strong>
            <ul>
              {warnings.map((w) => (
                <li key={`${w.rule}-${w.entryId ?? ''}`}>{w.message}</li>
              ))}
            </ul>
          </div>
        ) : (
          <p class="banner ok" role="status" aria-live="polite">
            ✓ No rule warnings.
          </p>
        )}
        <ErrorLine error={error} />
        <div class="form-actions">
          <a class="button ghost" href={id ? `#/sittings/${id}` : '#/sittings'}>
            Cancel
          </a>
          <button type="submit" class="button primary" id="save-sitting" disabled={saving}>
            {saving ? 'Saving…' : 'Save sitting'}
          </button>
        </div>
      </form>
    </section>
  );
}

function leadId(sites: { sites: { id: string; kind: string }[] }): string | null {
  return sites.sites.find((x) => x.kind === 'lead')?.id ?? null;
}

function roomHint(rooms: { name: string }[] | undefined): string | undefined {
  return rooms?.length ? `This site’s rooms: ${rooms.map((r) => r.name).join(', ')}.` : undefined;
}
