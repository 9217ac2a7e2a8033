/**
 * Enrolling exam PCs: make a code (single-use, valid for an hour, unless asked for more), run `invigil
 * enrol` on each PC; name each seat's place in the room.
 */
import { useState } from 'preact/hooks';
import {
  ENROL_PER_MINUTE,
  ENROL_PER_MINUTE_BEHIND_NAT,
  ENROLMENT_CODE_MAX_HOURS,
  ENROLMENT_CODE_MAX_USES,
  ENROLMENT_CODE_MAX_USES_BEHIND_NAT,
  type EnrolmentCodeView,
} from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { ErrorLine, Field, PageHeader, StateBadge } from '../components.tsx';
import { dateTime } from '../format.ts';
import { useLive } from '../live.ts';
import { SiteSelect } from '../sites/site-context.tsx';

export function EnrolPage() {
  const live = useLive();
  const [uses, setUses] = useState('1');
  const [hours, setHours] = useState('1');
  const [behindNat, setBehindNat] = useState(false);
  const [siteId, setSiteId] = useState('');
  const maxUses = behindNat ? ENROLMENT_CODE_MAX_USES_BEHIND_NAT : ENROLMENT_CODE_MAX_USES;
  const [code, setCode] = useState<EnrolmentCodeView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seats = [...live.seats.values()].sort((a, b) =>
    a.pcName.localeCompare(b.pcName, undefined, { numeric: true }),
  );
  return (
    <section>
      <PageHeader title="Enrol PCs" />
      <div class="card">
        <h2>1. Make an enrolment code</h2>
        <p class="muted" id="code-rules">
          A code enrols one PC within an hour unless you ask for more. Anyone who has it can enrol a PC, so
          ask for as many PCs as you are about to enrol, and no more. A PC enrolled with the name of a PC that
          is already enrolled does not replace it: it waits for a coordinator under Notices.
        </p>
        <form
          class="form-row"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              setCode(
                await call('createEnrolmentCode', {
                  body: {
                    uses: Number(uses),
                    validHours: Number(hours),
                    behindNat,
                    ...(siteId ? { siteId } : {}),
                  },
                }),
              );
            } catch (err) {
              setError((err as Error).message);
            }
          }}
        >
          <Field label="For how many PCs" hint={`1 to ${maxUses}`}>
            <input
              name="uses"
              type="number"
              min={1}
              max={maxUses}
              class="num"
              value={uses}
              onInput={(e) => setUses(e.currentTarget.value)}
            />
          </Field>
          <Field label="Valid for (hours)" hint={`1 to ${ENROLMENT_CODE_MAX_HOURS}`}>
            <input
              name="hours"
              type="number"
              min={1}
              max={ENROLMENT_CODE_MAX_HOURS}
              class="num"
              value={hours}
              onInput={(e) => setHours(e.currentTarget.value)}
            />
          </Field>
          <SiteSelect
            id="code-site"
            value={siteId}
            onChange={setSiteId}
            hint="The PCs enrolled with this code belong to this site."
          />
          <label
            class="checkbox"
            title={`PCs enrolling with this code may come from one address at ${ENROL_PER_MINUTE_BEHIND_NAT} a minute instead of ${ENROL_PER_MINUTE}`}
          >
            <input
              name="behindNat"
              type="checkbox"
              checked={behindNat}
              onChange={(e) => setBehindNat(e.currentTarget.checked)}
            />{' '}
            Satellite site behind NAT
          </label>
          <button type="submit" class="button primary" id="make-code">
            Make a code
          </button>
        </form>
        <ErrorLine error={error} />
        {code ? (
          <div class="code-box">
            <div class="code" id="enrolment-code">
              {code.code}
            </div>
            <p class="muted">
              For {code.usesLeft === 1 ? 'one PC' : `${code.usesLeft} PCs`}, until {dateTime(code.expiresAt)}
              {code.behindNat
                ? `, for a satellite site behind NAT (${ENROL_PER_MINUTE_BEHIND_NAT} enrolments a minute from one address)`
                : ''}
              {code.site ? `, for ${code.site.name}` : ''}. Only this page shows it: note it now.
            </p>
            <h2>2. On each exam PC, run</h2>
            <pre class="command">
              invigil enrol --console {location.origin} --code {code.code} --config /etc/invigil/seat.yaml
            </pre>
            <p class="muted">
              then start (or restart) the Invigil agent. The PC appears below within a second.
            </p>
          </div>
        ) : null}
      </div>
      <h2>Enrolled PCs ({seats.length})</h2>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">PC</th>
            <th scope="col">Place in the room</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {seats.map((s) => (
            <tr key={s.id}>
              <td>{s.pcName}</td>
              <td>
                <input
                  aria-label={`Place of ${s.pcName}`}
                  defaultValue={s.place}
                  placeholder="Row B, seat 4"
                  onBlur={async (e) => {
                    const place = e.currentTarget.value;
                    if (place !== s.place)
                      await call('updateSeat', { params: { id: s.id }, body: { place } });
                  }}
                />
              </td>
              <td>
                <StateBadge state={s.state} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
