/**
 * Qualification facts the centre rules need, from the awarding body's documents in seeds/.
 */

/**
 * Online assessments that may be retaken 2 hours after a failed attempt instead of 48 hours
 * (seeds/000, "Only IMI Accreditation online assessments ... can be retaken after 2 hours").
 */
export const SHORT_RETAKE_QUALIFICATIONS: Readonly<Record<string, string>> = {
  '601/8928/9': 'IMI Level 2 Award in MOT Testing (Classes 4 and 7)',
  '601/8930/7': 'IMI Level 2 Award in MOT Testing (Classes 1 and 2)',
  '601/8929/0': 'IMI Level 3 Award in MOT Test Centre Management',
  '603/1465/5': 'L1 Award in Electric/Hybrid Vehicle Awareness',
  '603/1467/9': 'L2 Award in Electric/Hybrid Vehicle Hazard Management for Emergency and Recovery Personnel',
  '603/1466/7': 'L2 Award in Electric/Hybrid Vehicles Routine Maintenance Activities',
  '603/1468/0': 'L3 Award in Electric/Hybrid Vehicle System Repair and Replacement',
  '500/6771/0': 'L3 Award in Automotive Refrigerant Handling (EC842-2006)',
  '600/1954/2': 'L3 Award in Cargo Refrigerant Handling (EC842-2006)',
  '600/4331/3': 'L3 Award in Automotive Air Conditioning Servicing and Maintenance (EC842-2006)',
  '600/4336/2':
    'L3 Award in Automotive Air Conditioning and Climate Control Diagnosis and Repair (EC842-2006)',
  '603/4181/6': 'IMI Level 2 Award in Preparing Heavy Electric/Hybrid Vehicles for Repair',
  '603/4182/8': 'IMI Level 3 Award in Heavy Electric/Hybrid Vehicle System Repair and Replacement',
};

/** Ordinary wait before retaking a failed online assessment, and the shorter one for the list above. */
export const RETAKE_WAIT_HOURS = 48;
export const SHORT_RETAKE_WAIT_HOURS = 2;

/**
 * Key stage 4 and 5 qualification types and their attempt limits (seeds/004, "Assessment retakes"):
 * KS4 technical awards and KS5 technical certificates allow one retake (2 attempts), KS5 tech levels
 * two retakes (3 attempts). `other` has no attempt limit in the rules.
 */
export const QUALIFICATION_TYPES = {
  'ks4-technical-award': { label: 'KS4 technical award (Level 1 & 2)', maxAttempts: 2 },
  'ks5-technical-certificate': { label: 'KS5 technical certificate (Level 2)', maxAttempts: 2 },
  'ks5-tech-level': { label: 'KS5 tech level (Level 3)', maxAttempts: 3 },
  other: { label: 'Other qualification', maxAttempts: null },
} as const satisfies Record<string, { label: string; maxAttempts: number | null }>;
export type QualificationType = keyof typeof QUALIFICATION_TYPES;
export const QUALIFICATION_TYPE_IDS = Object.keys(QUALIFICATION_TYPES) as [
  QualificationType,
  ...QualificationType[],
];

/** KS4 qualifications named in seeds/004 (synoptic assessment section): known technical awards. */
export const KNOWN_KS4_QUALIFICATIONS = [
  '601/0531/8',
  '601/0541/0',
  '601/0532/X',
  '601/0542/2',
  '603/3088/0',
  '603/3089/2',
] as const;

/** Ofqual qualification number, as printed: 3 digits / 4 digits / 4 characters (the last may be X). */
export const QUALIFICATION_NUMBER_PATTERN = /^\d{3}\/\d{4}\/[\dX]$/;

/** Extra time that may be given without prior permission (seeds/002, question 10). */
export const MAX_EXTRA_TIME_WITHOUT_ADJUSTMENT = 0.25;

/** The ratio the awarding body advises (seeds/000): no more than 15 candidates per invigilator. */
export const MAX_CANDIDATES_PER_INVIGILATOR = 15;
/** Candidates should not take more than two online assessments in one day (seeds/000). */
export const MAX_ASSESSMENTS_PER_DAY = 2;

export function normaliseQualificationNumber(value: string): string {
  return value.trim().toUpperCase();
}

/** The type a known qualification number implies (KS4 numbers from seeds/004), or undefined. */
export function impliedQualificationType(qualificationNumber: string): QualificationType | undefined {
  return (KNOWN_KS4_QUALIFICATIONS as readonly string[]).includes(
    normaliseQualificationNumber(qualificationNumber),
  )
    ? 'ks4-technical-award'
    : undefined;
}
