/**
 * What each browser policy does on an exam seat, in plain English, keyed by Chrome's policy name.
 * The Windows README and CSV print these next to each policy; a unit test keeps this list and
 * `chromiumPolicy()` in step, so a new policy cannot ship without an explanation for IT.
 */
export const POLICY_PURPOSES: Readonly<Record<string, string>> = {
  ExtensionInstallForcelist:
    'Installs the Invigil extension and keeps it installed (the candidate cannot remove it).',
  ExtensionSettings: 'Blocks every other extension; force-installs and pins the Invigil extension.',
  ExtensionDeveloperModeSettings:
    'Developer mode on the extensions page is off, so no unpacked extension can be loaded.',
  URLBlocklist: 'Blocks every web address...',
  URLAllowlist: "...except the assessment hosts (and their subdomains) and the extension's own pages.",
  PasswordManagerEnabled: 'Password saving is off (the awarding body forbids browser auto-save).',
  AutofillAddressEnabled: 'Address autofill is off.',
  AutofillCreditCardEnabled: 'Payment card autofill is off.',
  IncognitoModeAvailability: 'Incognito (Edge: InPrivate) windows cannot be opened.',
  BrowserGuestModeEnabled: 'Guest mode is off.',
  BrowserAddPersonEnabled: 'No new browser profiles can be added (Edge: BrowserAddProfileEnabled).',
  DeveloperToolsAvailability: 'Developer tools are off.',
  DownloadRestrictions: 'Downloads are blocked (3), unless the config allows them (0).',
  PrintingEnabled: 'Printing is off unless the config allows it.',
  ScreenCaptureAllowed: 'Web pages cannot capture the screen.',
  BrowserSignin: 'Browser sign-in is off (0).',
  SyncDisabled: 'Sync is off, so nothing from another machine arrives in the browser.',
  TaskManagerEndProcessEnabled:
    "Processes (such as the extension) cannot be ended from the browser's task manager.",
  NativeMessagingBlocklist: 'Blocks every native messaging host...',
  NativeMessagingAllowlist:
    "...except Invigil's (uk.invigil.agent), which links the extension to the seat agent.",
  NativeMessagingUserLevelHosts:
    'Only machine-wide native messaging hosts count; a user cannot register their own.',
  '3rdparty': "The Invigil extension's own configuration (allowed hosts, assessment address and the rest).",
};
