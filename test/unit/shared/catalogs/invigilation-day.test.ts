/** The reasons an invigilator chooses for a raised hand and for a pause, and how a pause's length is said. */
import { describe, expect, test } from 'vitest';
import { MANUAL_INCIDENT_KINDS } from '../../../../shared/catalogs/incidents.ts';
import {
  durationText,
  HAND_ANSWER_REASON_IDS,
  HAND_ANSWER_REASONS,
  handAnswerLabel,
  PAUSE_REASON_IDS,
  PAUSE_REASONS,
  pauseReasonLabel,
} from '../../../../shared/catalogs/invigilation-day.ts';

describe('why a hand was raised', () => {
  test('includes the awarding body’s “explanation or pronunciation requested”, in the record’s own words', () => {
    expect(HAND_ANSWER_REASONS['explanation-or-pronunciation'].label).toBe(
      MANUAL_INCIDENT_KINDS['explanation-requested'],
    );
    // First, so that it is the default the dialog offers.
    expect(HAND_ANSWER_REASON_IDS[0]).toBe('explanation-or-pronunciation');
  });
  test('a question or diagram issue reminds the invigilator of the enquiry form', () => {
    expect(HAND_ANSWER_REASONS['question-issue'].hint).toContain('Enquiry Form');
  });
  test('only “other” needs a note', () => {
    const needing = HAND_ANSWER_REASON_IDS.filter((id) => 'needsNote' in HAND_ANSWER_REASONS[id]);
    expect(needing).toEqual(['other']);
  });
  test('a reason no longer in the catalog is shown as stored', () => {
    expect(handAnswerLabel('finished')).toBe('Candidate has finished');
    expect(handAnswerLabel('retired-reason')).toBe('retired-reason');
  });
});

describe('why a seat or room was paused', () => {
  test('covers the cases the issue and the centre enquiries name', () => {
    expect(PAUSE_REASON_IDS).toEqual(
      expect.arrayContaining(['exam-froze', 'it-failure', 'candidate-unwell', 'fire-alarm', 'other']),
    );
    expect(pauseReasonLabel('exam-froze')).toBe('The assessment froze');
    expect(PAUSE_REASONS.other.needsNote).toBe(true);
  });
  test('ids are kebab-case and labels unique', () => {
    for (const ids of [PAUSE_REASON_IDS, HAND_ANSWER_REASON_IDS])
      for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(new Set(Object.values(PAUSE_REASONS).map((c) => c.label)).size).toBe(PAUSE_REASON_IDS.length);
    expect(new Set(Object.values(HAND_ANSWER_REASONS).map((c) => c.label)).size).toBe(
      HAND_ANSWER_REASON_IDS.length,
    );
  });
});

test('a pause’s length reads as hours, minutes and seconds', () => {
  expect(durationText(0)).toBe('0 s');
  expect(durationText(9_400)).toBe('9 s');
  expect(durationText(249_000)).toBe('4 min 09 s');
  expect(durationText(3_849_000)).toBe('1 h 04 min 09 s');
  expect(durationText(-5_000)).toBe('0 s');
});
