/**
 * Why an invigilator summons help from the room (seeds/000: "In the event of an emergency (e.g. a sick
 * candidate or IT failure), the invigilator should be able to summon assistance without leaving the
 * room ... Instances of this must be recorded in the invigilation log").
 */
export const HELP_REASONS = {
  'sick-candidate': 'Sick candidate',
  'it-failure': 'IT failure',
  'fire-alarm': 'Fire alarm',
  other: 'Other',
} as const;
export type HelpReason = keyof typeof HELP_REASONS;
export const HELP_REASON_IDS = Object.keys(HELP_REASONS) as [HelpReason, ...HelpReason[]];
