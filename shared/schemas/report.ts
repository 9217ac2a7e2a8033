import { z } from 'zod';
import { CheckResultSchema, IsoDateTimeSchema, ShortTextSchema } from './common.ts';
import { ExtensionPolicySchema, PolicyErrorSchema, PolicySourceSchema } from './policy.ts';

/**
 * The extension's compliance report: the state of every lockdown check, in one object.
 * Produced at start, on every change and as a heartbeat. The agent and the console use this
 * schema unchanged; `checks` is the checklist people read (popup, `invigil check`, seat map).
 */

export const LevelOfControlSchema = z.enum([
  'not_controllable',
  'controlled_by_other_extensions',
  'controllable_by_this_extension',
  'controlled_by_this_extension',
]);

/** A browser setting we turn off, as read back from the browser. */
export const PrivacySettingStateSchema = z.object({
  /** The value read back; null when it could not be read. */
  value: z.boolean().nullable(),
  levelOfControl: LevelOfControlSchema.nullable(),
  /** True when the setting is off (whoever turned it off: us or browser policy). */
  off: z.boolean(),
  /** Plain-English note when we could not turn it off. */
  note: ShortTextSchema.optional(),
});
export type PrivacySettingState = z.infer<typeof PrivacySettingStateSchema>;

export const InstallTypeSchema = z.enum(['admin', 'development', 'normal', 'sideload', 'other']);

export const OtherExtensionSchema = z.object({
  id: z.string().max(64),
  name: ShortTextSchema,
  version: z.string().max(64).optional(),
  installType: InstallTypeSchema,
  enabled: z.boolean(),
  /** The catalog's name when this is a known password manager. */
  passwordManager: ShortTextSchema.nullable(),
  /** What we did: disabled it, could not (policy-installed), or left it (policy says report only). */
  action: z.enum(['disabled', 'cannot-disable', 'left-enabled']),
});
export type OtherExtension = z.infer<typeof OtherExtensionSchema>;

/** A host outside the allowlist that the assessment pages' own requests (not page loads) contacted. */
export const ResourceHostSchema = z.object({
  host: z.string().max(253),
  /** The kinds of request (script, image, xmlhttprequest, websocket...), as the browser names them. */
  types: z.array(z.string().max(32)).max(15),
  /** Blocked by `allowedResourceHosts`. */
  blocked: z.boolean(),
  /** Some of these requests came from a worker of the page (a service worker can act for the page). */
  fromWorker: z.boolean(),
  firstSeen: IsoDateTimeSchema,
});
export type ResourceHost = z.infer<typeof ResourceHostSchema>;

export const ComplianceReportSchema = z.object({
  schemaVersion: z.literal(1),
  /** Increases with every report from one run of the extension's service worker. */
  sequence: z.number().int().nonnegative(),
  generatedAt: IsoDateTimeSchema,
  trigger: z.enum(['start', 'change', 'heartbeat']),
  /** Seconds until the next heartbeat: the agent treats three missed intervals as silence. */
  heartbeatSeconds: z.number().int().min(1).max(60),
  extension: z.object({
    id: z.string().max(64),
    version: z.string().max(64),
    installType: InstallTypeSchema,
    /** True only when force-installed by enterprise policy (installType `admin`). */
    managed: z.boolean(),
  }),
  browser: z.object({
    name: z.enum(['chrome', 'chromium', 'edge', 'firefox', 'other']),
    /** The full version ("156.0.7444.59") where the browser says it, else the major alone ("156"). */
    version: z.string().max(64),
    /** The major version, or null when it could not be read. Optional: extensions before 0.2 did not send it. */
    major: z.number().int().nonnegative().nullable().optional(),
    /**
     * Where the version came from: User-Agent Client Hints' full version list (Chromium), the user-agent
     * string (its major only, since Chromium reduces it), or the browser's own API (Firefox).
     */
    versionSource: z.enum(['client-hints', 'user-agent', 'browser-info', 'unknown']).optional(),
    userAgent: z.string().max(500),
  }),
  policy: z.object({
    source: PolicySourceSchema,
    valid: z.boolean(),
    errors: z.array(PolicyErrorSchema).max(50),
    effective: ExtensionPolicySchema,
  }),
  siteBlocking: z.object({
    active: z.boolean(),
    allowedHosts: z.array(z.string().max(253)).max(200),
    /** The declarativeNetRequest rules in force. */
    ruleCount: z.number().int().nonnegative(),
    error: ShortTextSchema.optional(),
  }),
  /**
   * Requests that are not page loads: which other hosts the assessment pages contacted (since the
   * worker started), and whether `allowedResourceHosts` restricts them. Optional for older extensions.
   */
  resourceHosts: z
    .object({
      /** True when the browser enforces `allowedResourceHosts` (read back from its rules). */
      restricted: z.boolean(),
      hosts: z.array(ResourceHostSchema).max(100),
    })
    .optional(),
  privacy: z.object({
    passwordSaving: PrivacySettingStateSchema,
    autofillAddress: PrivacySettingStateSchema,
    autofillCreditCard: PrivacySettingStateSchema,
    /** Browser services that send what is on the page to a service: optional for older extensions. */
    translationService: PrivacySettingStateSchema.optional(),
    spellingService: PrivacySettingStateSchema.optional(),
    searchSuggest: PrivacySettingStateSchema.optional(),
  }),
  /**
   * How many displays the browser sees (chrome.system.display), for the agent to compare with its own
   * count. `count` is null when they could not be read. Optional for older extensions.
   */
  displays: z
    .object({
      count: z.number().int().nonnegative().max(64).nullable(),
      error: ShortTextSchema.optional(),
    })
    .optional(),
  extensions: z.array(OtherExtensionSchema).max(200),
  downloads: z.object({
    blocked: z.boolean(),
    /** Downloads cancelled since the browser started (kept in session storage across worker restarts). */
    blockedCount: z.number().int().nonnegative(),
  }),
  /** The identity-check gate: `held` until the invigilator releases the seat (when policy requires it). */
  gate: z.enum(['open', 'held', 'released']),
  /** Whether the native-messaging link to the kiosk agent is up. */
  agentLinked: z.boolean(),
  /** The checklist: every check, passed or failed, with a plain-English reason. */
  checks: z.array(CheckResultSchema).max(50),
});
export type ComplianceReport = z.infer<typeof ComplianceReportSchema>;
