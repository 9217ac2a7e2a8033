/**
 * The invigilator's choices during a sitting (issue 13): why a raised hand was answered, and why a
 * seat or the whole room was paused. The words follow the awarding body's list of issues that must be
 * recorded (seeds/000: "any candidate requesting explanation or pronunciation of words within the
 * assessment", "fire alarm", "IT issues", "submitting assessment prior to its completion", ...) and the
 * centre enquiries in seeds/002 ("Exam has frozen": the invigilator pauses so the time does not run out).
 * An `other` choice needs a note saying what it was.
 */

export interface Choice {
  label: string;
  /** True when the invigilator must say more in the note (the record would be empty otherwise). */
  needsNote?: boolean;
  /** What else the awarding body asks for, shown beside the choice. */
  hint?: string;
}

export const HAND_ANSWER_REASONS = {
  'explanation-or-pronunciation': {
    label: 'Explanation or pronunciation requested',
    hint: 'The awarding body requires every such request to be recorded.',
  },
  'question-issue': {
    label: 'Possible issue with a question or diagram',
    hint: 'Complete the awarding body’s Online Test Question Enquiry Form (or note it in this record).',
  },
  'it-issue': { label: 'IT issue at the PC' },
  'incorrect-assessment': { label: 'Incorrect assessment launched' },
  'submitted-early': { label: 'Assessment submitted before completion' },
  'candidate-unwell': { label: 'Candidate unwell' },
  'comfort-break': { label: 'Comfort break' },
  finished: { label: 'Candidate has finished' },
  'no-help-needed': { label: 'Raised by mistake; no help needed' },
  other: { label: 'Other', needsNote: true },
} as const satisfies Record<string, Choice>;
export type HandAnswerReason = keyof typeof HAND_ANSWER_REASONS;
export const HAND_ANSWER_REASON_IDS = Object.keys(HAND_ANSWER_REASONS) as [
  HandAnswerReason,
  ...HandAnswerReason[],
];

export const PAUSE_REASONS = {
  'exam-froze': { label: 'The assessment froze' },
  'it-failure': { label: 'IT failure' },
  'candidate-unwell': { label: 'Candidate unwell' },
  'fire-alarm': { label: 'Fire alarm' },
  'comfort-break': { label: 'Comfort break' },
  disturbance: { label: 'Disturbance in the room' },
  other: { label: 'Other', needsNote: true },
} as const satisfies Record<string, Choice>;
export type PauseReason = keyof typeof PAUSE_REASONS;
export const PAUSE_REASON_IDS = Object.keys(PAUSE_REASONS) as [PauseReason, ...PauseReason[]];

/** The label of a stored reason (a reason no longer in the catalog is shown as it was stored). */
export function handAnswerLabel(reason: string): string {
  return (HAND_ANSWER_REASONS as Record<string, Choice>)[reason]?.label ?? reason;
}
export function pauseReasonLabel(reason: string): string {
  return (PAUSE_REASONS as Record<string, Choice>)[reason]?.label ?? reason;
}

/** "1 h 04 min 09 s", "4 min 09 s", "9 s": how long a pause lasted, for the record. */
export function durationText(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h} h ${pad(m)} min ${pad(s)} s`;
  if (m > 0) return `${m} min ${pad(s)} s`;
  return `${s} s`;
}
