// Which end-to-end screenshot each picture in docs/images comes from (see docs-screenshots.mjs).
/** docs/images name <- test screenshot name. */
export const DOC_IMAGES = {
  'console-setup.png': 'console-01-setup.png',
  'console-sitting-form-warning.png': 'console-04-sitting-form-warning.png',
  'console-sitting.png': 'console-05-sitting.png',
  'console-seat-map.png': 'console-06-seat-map.png',
  'console-identity-check.png': 'console-07-identity-check.png',
  'console-incidents.png': 'console-08-incidents.png',
  'console-record.png': 'console-09-record.png',
  'console-sixty-seats.png': 'console-10-sixty-seats.png',
  'journey-hold.png': 'journey-hold.png',
  'extension-blocked.png': 'extension-blocked.png',
  'console-raised-hands.png': 'hands-seat-map.png',
  'extension-paused.png': 'pause-hold-page.png',
};
