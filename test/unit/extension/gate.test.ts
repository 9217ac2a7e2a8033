import { describe, expect, test } from 'vitest';
import { fromAgent, fromPolicy } from '../../../extension/features/identity-gate/index.ts';
import type { GateState } from '../../../extension/lib/stored.ts';

const at = '2026-06-01T09:00:00.000Z';
const now = new Date('2026-06-01T09:05:00.000Z');
const open: GateState = { state: 'open', changedAt: at };

describe('the identity-check gate', () => {
  test('requireRelease holds an open seat until the invigilator releases it', () => {
    const held = fromPolicy(open, true, now);
    expect(held).toMatchObject({ state: 'held', heldBy: 'policy' });
    expect(fromPolicy(held, true, now)).toBe(held);
    const released = fromAgent(held, { type: 'seat/gate', state: 'released' }, now);
    expect(released.state).toBe('released');
    // Released stays released while the policy still asks for the check.
    expect(fromPolicy(released, true, now)).toBe(released);
  });

  test('without requireRelease the seat is open, and a policy hold is lifted when the policy drops it', () => {
    expect(fromPolicy(open, false, now)).toBe(open);
    const held = fromPolicy(open, true, now);
    expect(fromPolicy(held, false, now).state).toBe('open');
  });

  test("the invigilator's hold stands whatever the policy says, with who is expected at the seat", () => {
    const held = fromAgent(
      open,
      { type: 'seat/gate', state: 'held', candidateName: 'Jane Doe', seatLabel: 'B4' },
      now,
    );
    expect(held).toEqual({
      state: 'held',
      heldBy: 'console',
      candidateName: 'Jane Doe',
      seatLabel: 'B4',
      changedAt: now.toISOString(),
    });
    expect(fromPolicy(held, false, now)).toBe(held);
  });

  test('a repeated hold keeps the time it began', () => {
    const first = fromAgent(open, { type: 'seat/gate', state: 'held' }, new Date(at));
    const again = fromAgent(first, { type: 'seat/gate', state: 'held', seatLabel: 'B4' }, now);
    expect(again.changedAt).toBe(at);
    expect(again.seatLabel).toBe('B4');
  });
});
