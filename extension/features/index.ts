/**
 * Every feature of the extension, in start-up order. Adding a feature: a folder with an index.ts
 * that exports `defineFeature({...})`, listed here. test/unit/extension/features.test.ts checks
 * that every policy field is enforced by a listed feature, tested, and in the managed schema.
 */
import activity from './activity/index.ts';
import browserSettings from './browser-settings/index.ts';
import candidateMessage from './candidate-message/index.ts';
import complianceReport from './compliance-report/index.ts';
import displays from './displays/index.ts';
import downloads from './downloads/index.ts';
import endPage from './end-page/index.ts';
import extensionAudit from './extension-audit/index.ts';
import type { Feature } from './feature.ts';
import identityGate from './identity-gate/index.ts';
import raiseHand from './raise-hand/index.ts';
import siteBlocking from './site-blocking/index.ts';

export const FEATURES: readonly Feature[] = [
  siteBlocking,
  identityGate,
  browserSettings,
  extensionAudit,
  downloads,
  displays,
  activity,
  candidateMessage,
  raiseHand,
  endPage,
  complianceReport,
];
