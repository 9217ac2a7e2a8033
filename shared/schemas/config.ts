import { z } from 'zod';
import { RELAXABLE_POLICIES } from '../catalogs/browser-policy.ts';
import { SeveritySchema, ShortTextSchema } from './common.ts';
import { PolicyFieldSchemas } from './policy.ts';

/**
 * The seat's config file (JSON or YAML): one file per exam PC, read by `invigil agent`,
 * `invigil check`, `invigil enrol` (which writes the `console` section) and `invigil policy`
 * (which reads the `policy` section). Unknown keys are errors, so a typo never passes silently.
 */

const ProcessNamesSchema = z.array(z.string().min(1).max(200)).max(500);

export const CatalogAdditionsSchema = z
  .object({
    /** Extra process names (matched case-insensitively) per category. */
    passwordManagers: ProcessNamesSchema.default([]),
    remoteAccess: ProcessNamesSchema.default([]),
    screenRecorders: ProcessNamesSchema.default([]),
    screenshotTools: ProcessNamesSchema.default([]),
    aiAssistants: ProcessNamesSchema.default([]),
    messaging: ProcessNamesSchema.default([]),
    mediaPlayers: ProcessNamesSchema.default([]),
    systemTools: ProcessNamesSchema.default([]),
    browsers: ProcessNamesSchema.default([]),
    /** Extra password-manager extensions: `{ product, ids }`. */
    passwordManagerExtensions: z
      .array(
        z.strictObject({ product: ShortTextSchema, ids: z.array(z.string().regex(/^[a-p]{32}$/)).min(1) }),
      )
      .max(200)
      .default([]),
    /** Extra password-manager native-messaging host names. */
    nativeHosts: z.array(z.string().min(1).max(200)).max(200).default([]),
  })
  .strict();

export const ConsoleLinkConfigSchema = z
  .object({
    /** The console's address, such as `https://invigil.centre.example:8443`. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' }),
    /** Given by the console at enrolment. */
    seatId: z.string().min(1).max(64),
    /** The seat's secret, given at enrolment; keep this file readable by the agent's user only. */
    credential: z.string().min(32).max(256),
    /**
     * A PEM file with the certificate (or the centre's CA) to trust for an https:// console whose
     * certificate is not publicly trusted (`invigil enrol --ca FILE` writes it).
     */
    ca: z.string().min(1).max(1000).optional(),
  })
  .strict();
export type ConsoleLinkConfig = z.infer<typeof ConsoleLinkConfigSchema>;

/** Input for `invigil policy`: the extension's managed configuration and the browser settings around it. */
export const PolicyConfigSchema = z
  .object({
    /** The extension's managed configuration; each field as in the extension's policy. */
    extension: z
      .object({
        allowedHosts: PolicyFieldSchemas.allowedHosts.optional(),
        assessmentUrl: PolicyFieldSchemas.assessmentUrl.optional(),
        allowDownloads: PolicyFieldSchemas.allowDownloads.optional(),
        otherExtensions: PolicyFieldSchemas.otherExtensions.optional(),
        heartbeatSeconds: PolicyFieldSchemas.heartbeatSeconds.optional(),
        requireRelease: PolicyFieldSchemas.requireRelease.optional(),
        allowedResourceHosts: PolicyFieldSchemas.allowedResourceHosts.optional(),
        endPageUrl: PolicyFieldSchemas.endPageUrl.optional(),
      })
      .strict()
      .default({}),
    /** Where browsers fetch the extension: omit for the Chrome Web Store, or the centre's update manifest URL. */
    updateUrl: z.url({ protocol: /^https?$/ }).optional(),
    printing: z.boolean().default(false),
    /**
     * Browser policies the centre turns off for its candidates (see docs/deploy.md, "Relaxing a
     * policy"): `invigil policy` leaves them out and the agent's check no longer asks for them.
     * Only the policies shared/catalogs/browser-policy.ts marks relaxable are accepted.
     */
    relax: z
      .array(
        z.string().refine((name) => RELAXABLE_POLICIES.includes(name), {
          error: `is not a policy a centre may relax (one of ${RELAXABLE_POLICIES.join(', ')})`,
        }),
      )
      .max(RELAXABLE_POLICIES.length)
      .default([]),
    /**
     * The id to force-install, when the centre signs its own CRX (`npm run package` prints it):
     * a CRX's id comes from the key that signs it. Omit for the published extension's id.
     */
    extensionId: z
      .string()
      .regex(/^[a-p]{32}$/, 'must be an extension id: 32 letters from a to p')
      .optional(),
    /** Firefox: the add-on's id and the address of its signed .xpi. */
    firefox: z
      .object({
        /** Defaults to the id the Firefox build declares. */
        extensionId: z
          .string()
          .regex(
            /^([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|\{[0-9a-fA-F-]{36}\})$/,
            'must be a Firefox add-on id, such as name@example.org or {uuid}',
          )
          .optional(),
        installUrl: z
          .url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' })
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

export const AgentConfigSchema = z
  .object({
    seat: z
      .object({
        /** PC reference shown to the invigilator (defaults to the host name). */
        pcName: ShortTextSchema.optional(),
        /** Where the seat is in the room ("Row B, seat 4"). */
        place: ShortTextSchema.optional(),
      })
      .strict()
      .default({}),
    /** Present once the seat is enrolled with a console; without it the agent runs standalone. */
    console: ConsoleLinkConfigSchema.optional(),
    displays: z
      .object({
        /** How many displays may be connected (mirrored and disabled-but-connected ones count). */
        allowed: z.number().int().min(1).max(16).default(1),
      })
      .strict()
      .default({ allowed: 1 }),
    intervals: z
      .object({
        /** How often running programs are checked. */
        processesMs: z.number().int().min(100).max(60_000).default(500),
        /** How often displays are checked. */
        displaysMs: z.number().int().min(100).max(60_000).default(500),
        /**
         * How often the programs with a window are listed where the OS cannot say when they change
         * (Windows, macOS, Wayland); on X11 the agent is told by the X server and lists them at once.
         */
        desktopMs: z.number().int().min(250).max(60_000).default(1000),
        /** How often the slower checks (virtual machine, browser policy, native hosts) run. */
        slowChecksMs: z.number().int().min(1000).max(3_600_000).default(30_000),
        /** Heartbeat to the console. */
        heartbeatMs: z.number().int().min(250).max(60_000).default(1000),
      })
      .strict()
      .default({
        processesMs: 500,
        displaysMs: 500,
        desktopMs: 1000,
        slowChecksMs: 30_000,
        heartbeatMs: 1000,
      }),
    /** The programs that may have a window on the candidate's desktop (kiosk-agent/checks/desktop.ts). */
    desktop: z
      .object({
        /**
         * Programs allowed besides the built-in list (the managed browser, the desktop shell, on-screen
         * keyboards, screen readers and magnifiers, Surpass SecureClient): executable names such as
         * `gnome-calculator` or `Calculator.exe`, matched case-insensitively. Any other program with a
         * window is `unlisted-program` (Attention; `severity: { unlisted-program: block }` makes it Not ready).
         */
        allow: ProcessNamesSchema.default([]),
        /**
         * Linux: the X display of the candidate's session, such as `:0`, when the agent cannot tell
         * (by default: the service's DISPLAY, else the one X server running, else the active graphical
         * login session's).
         */
        display: z
          .string()
          .regex(/^:\d{1,4}$/, 'must be a local X display such as :0')
          .optional(),
        /** Linux: that display's authority file, when the X server's own (`-auth`) cannot be found. */
        xauthority: z.string().min(1).max(1000).optional(),
      })
      .strict()
      .default({ allow: [] }),
    /** Change a finding's severity: `{ "virtual-machine": "block" }`. */
    severity: z.record(z.string().regex(/^[a-z0-9-]+$/), SeveritySchema).default({}),
    /** Additions to the built-in catalogs in shared/catalogs. */
    catalog: CatalogAdditionsSchema.default({
      passwordManagers: [],
      remoteAccess: [],
      screenRecorders: [],
      screenshotTools: [],
      aiAssistants: [],
      messaging: [],
      mediaPlayers: [],
      systemTools: [],
      browsers: [],
      passwordManagerExtensions: [],
      nativeHosts: [],
    }),
    browser: z
      .object({
        /**
         * The managed browser on this PC: its policy is checked, only a native host it started speaks
         * for the extension, and every other browser (Chromium-family ones too, on a Firefox seat) is
         * "other-browser".
         */
        name: z.enum(['chrome', 'chromium', 'edge', 'firefox']).default('chromium'),
        /** Require the extension's reports (default true). */
        requireExtension: z.boolean().default(true),
        /**
         * The browser profile folder, when the native-messaging host was installed into that profile
         * only (`invigil install-host --user-data-dir`): the agent looks for the host manifest there too.
         */
        userDataDir: z.string().min(1).max(1000).optional(),
        /**
         * The managed browser's program, when it is not where the browser installs itself on this OS
         * (Linux: /usr/lib/chromium/chromium, /opt/google/chrome/chrome, /opt/microsoft/msedge/msedge).
         * Only a native host started by this program may speak for the extension, and every process
         * of it is audited for launch flags that undermine the lockdown.
         */
        executable: z.string().min(1).max(1000).optional(),
        /**
         * Launch flags the audit lets pass on this seat (`--remote-debugging-pipe`): for the demo and
         * test rigs that drive the browser themselves. Never on an exam PC: each undermines the lockdown.
         */
        allowFlags: z
          .array(z.string().regex(/^--[a-z0-9][a-z0-9-]*$/, 'must be a browser flag such as --headless'))
          .max(50)
          .default([]),
      })
      .strict()
      .default({ name: 'chromium', requireExtension: true, allowFlags: [] }),
    /** Who may speak for the browser on the agent's local socket. */
    link: z
      .object({
        /**
         * `installed-host` (the default): only the installed \`invigil native-host\`, started by the
         * managed browser with the clean environment its launcher gives it, and one at a time.
         * `any`: any program that can open the socket (development and tests that drive the host
         * themselves; the seat shows a warning).
         */
        accept: z.enum(['installed-host', 'any']).default('installed-host'),
      })
      .strict()
      .default({ accept: 'installed-host' }),
    /** Local socket (or Windows named pipe) between `invigil native-host` and the agent. */
    socketPath: z.string().min(1).max(200).optional(),
    /** Where the agent keeps its durable event store. */
    dataDir: z.string().min(1).max(1000).optional(),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
      .strict()
      .default({ level: 'info' }),
    /** Input for `invigil policy`. */
    policy: PolicyConfigSchema.optional(),
  })
  .strict();
export type AgentConfig = z.infer<typeof AgentConfigSchema>;
