/**
 * The shapes an approved centre takes (the awarding body's monitoring document, seeds/003, "Types of
 * approved centre"): a lead site, from which quality management of all provision operates; further
 * sites of a multi-site centre under the lead site's control; satellite sites that run assessments in
 * their own right; and sub-contracted delivery sites, which assure quality through their own systems.
 */
export const SITE_KINDS = {
  lead: {
    label: 'Lead site',
    description: 'The site from which quality management of all provision operates.',
  },
  'multi-site': {
    label: 'Multi-site',
    description:
      'A further site of a larger centre; the lead site takes full control of and responsibility for its quality assurance.',
  },
  satellite: {
    label: 'Satellite site',
    description:
      'A training and assessment facility that runs assessments regularly in its own right but is not the lead site; subject to full external quality assurance.',
  },
  'sub-contracted': {
    label: 'Sub-contracted delivery site',
    description:
      'Contracted by the lead site to deliver training and assessment and to assure quality through its own systems; it may have its own coordinator, limited to it.',
  },
} as const satisfies Record<string, { label: string; description: string }>;

export type SiteKind = keyof typeof SITE_KINDS;
export const SITE_KIND_IDS = Object.keys(SITE_KINDS) as [SiteKind, ...SiteKind[]];

/** Only these kinds may have a coordinator of their own, limited to the site. */
export const SITE_KINDS_WITH_OWN_COORDINATOR: readonly SiteKind[] = ['sub-contracted'];

/** The site every centre starts with (and that a centre from before sites had everything moved to). */
export const FIRST_SITE_NAME = 'Main site';
