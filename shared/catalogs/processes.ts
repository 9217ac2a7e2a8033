/**
 * Programs that must not run beside an online assessment, as data: the kiosk agent's process
 * checks match running programs against this list, and the seat's config can add names
 * (`catalog.passwordManagers`, `catalog.remoteAccess`, `catalog.screenRecorders`, `catalog.browsers`).
 *
 * Names are executable names as the OS reports them (no path), matched case-insensitively; on
 * Windows a trailing `.exe` is ignored on both sides. `originalFileNames` are the names compiled
 * into a Windows executable's version information (`VersionInfo.OriginalFilename`): renaming the
 * file does not change them, so a renamed copy is still caught on Windows.
 */
export type ProcessCategory = 'password-manager' | 'remote-access' | 'screen-recorder' | 'browser';
export type ProcessOs = 'windows' | 'macos' | 'linux';

export interface ProcessEntry {
  /** The product, as people know it (shown in findings). */
  product: string;
  category: ProcessCategory;
  /** Process names per OS. */
  names: Partial<Record<ProcessOs, readonly string[]>>;
  /** Windows only: original file names from the executable's version information. */
  originalFileNames?: readonly string[];
  /**
   * Windows only: the publisher its executables are signed by (the Authenticode certificate's
   * organisation, `O=`), for a product that is its publisher's only one in this catalog: a renamed
   * copy whose version information was stripped still carries its signature.
   */
  publishers?: readonly string[];
  /** Browsers only: which managed browser this entry is (it is not "another browser" when managed). */
  browser?: 'chrome' | 'chromium' | 'edge' | 'firefox';
}

export const PROCESS_CATALOG: readonly ProcessEntry[] = [
  // ---- password managers ----
  {
    product: '1Password',
    category: 'password-manager',
    names: { windows: ['1Password.exe'], macos: ['1Password', '1Password 7'], linux: ['1password'] },
    originalFileNames: ['1Password.exe'],
    publishers: ['AgileBits Inc.'],
  },
  {
    product: 'Bitwarden',
    category: 'password-manager',
    names: { windows: ['Bitwarden.exe'], macos: ['Bitwarden'], linux: ['bitwarden'] },
    originalFileNames: ['Bitwarden.exe'],
    publishers: ['Bitwarden Inc.'],
  },
  {
    product: 'KeePass',
    category: 'password-manager',
    names: { windows: ['KeePass.exe'], linux: ['keepass', 'keepass2'] },
    originalFileNames: ['KeePass.exe'],
  },
  {
    product: 'KeePassXC',
    category: 'password-manager',
    names: {
      windows: ['KeePassXC.exe', 'keepassxc-proxy.exe'],
      macos: ['KeePassXC', 'keepassxc-proxy'],
      linux: ['keepassxc', 'keepassxc-proxy'],
    },
    originalFileNames: ['KeePassXC.exe', 'keepassxc-proxy.exe'],
    publishers: ['DroidMonkey Apps, LLC'],
  },
  {
    product: 'KeeWeb',
    category: 'password-manager',
    names: { windows: ['KeeWeb.exe'], macos: ['KeeWeb'], linux: ['keeweb'] },
  },
  {
    product: 'LastPass',
    category: 'password-manager',
    names: { windows: ['LastPass.exe', 'nplastpass.exe'], macos: ['LastPass'], linux: ['nplastpass'] },
    originalFileNames: ['LastPass.exe', 'nplastpass.exe'],
  },
  {
    product: 'Dashlane',
    category: 'password-manager',
    names: { windows: ['Dashlane.exe', 'DashlanePlugin.exe'], macos: ['Dashlane'] },
    originalFileNames: ['Dashlane.exe'],
  },
  {
    product: 'NordPass',
    category: 'password-manager',
    names: { windows: ['NordPass.exe'], macos: ['NordPass'], linux: ['nordpass'] },
    originalFileNames: ['NordPass.exe'],
  },
  {
    product: 'Keeper',
    category: 'password-manager',
    names: {
      windows: ['keeperpasswordmanager.exe', 'Keeper Password Manager.exe'],
      macos: ['Keeper Password Manager'],
      linux: ['keeperpasswordmanager'],
    },
    originalFileNames: ['keeperpasswordmanager.exe'],
  },
  {
    product: 'Enpass',
    category: 'password-manager',
    names: {
      windows: ['Enpass.exe', 'EnpassHelper.exe'],
      macos: ['Enpass', 'Enpass Assistant'],
      linux: ['Enpass', 'EnpassHelper'],
    },
    originalFileNames: ['Enpass.exe'],
  },
  {
    product: 'RoboForm',
    category: 'password-manager',
    names: { windows: ['RoboForm.exe', 'robotaskbaricon.exe', 'rf-chrome-nm-host.exe'], macos: ['RoboForm'] },
    originalFileNames: ['RoboForm.exe', 'robotaskbaricon.exe'],
  },
  {
    product: 'Proton Pass',
    category: 'password-manager',
    names: { windows: ['ProtonPass.exe', 'Proton Pass.exe'], macos: ['Proton Pass'], linux: ['proton-pass'] },
    originalFileNames: ['ProtonPass.exe'],
  },
  {
    product: 'Password Safe',
    category: 'password-manager',
    names: { windows: ['pwsafe.exe'], linux: ['pwsafe'] },
    originalFileNames: ['pwsafe.exe'],
  },
  {
    product: 'Sticky Password',
    category: 'password-manager',
    names: { windows: ['stpass.exe'], macos: ['Sticky Password'] },
  },
  {
    product: 'Zoho Vault',
    category: 'password-manager',
    names: { windows: ['ZohoVault.exe'], macos: ['Zoho Vault'] },
  },
  {
    product: 'Passbolt',
    category: 'password-manager',
    names: { windows: ['Passbolt.exe'], macos: ['Passbolt'] },
  },
  {
    product: 'Buttercup',
    category: 'password-manager',
    names: { windows: ['Buttercup.exe'], macos: ['Buttercup'], linux: ['buttercup'] },
  },
  { product: 'GNOME Secrets', category: 'password-manager', names: { linux: ['gnome-passwordsafe'] } },
  { product: 'QtPass', category: 'password-manager', names: { windows: ['QtPass.exe'], linux: ['qtpass'] } },
  // ---- remote access and screen sharing ----
  {
    product: 'TeamViewer',
    category: 'remote-access',
    names: {
      windows: ['TeamViewer.exe', 'TeamViewer_Service.exe', 'tv_w32.exe', 'tv_x64.exe', 'TeamViewerQS.exe'],
      macos: ['TeamViewer', 'TeamViewer_Desktop', 'TeamViewerHost'],
      linux: ['teamviewer', 'teamviewerd', 'TeamViewer_Desktop'],
    },
    originalFileNames: ['TeamViewer.exe', 'TeamViewer_Service.exe', 'TeamViewerQS.exe'],
    publishers: ['TeamViewer Germany GmbH', 'TeamViewer GmbH'],
  },
  {
    product: 'AnyDesk',
    category: 'remote-access',
    names: { windows: ['AnyDesk.exe'], macos: ['AnyDesk'], linux: ['anydesk'] },
    originalFileNames: ['AnyDesk.exe'],
    publishers: ['AnyDesk Software GmbH'],
  },
  {
    product: 'RustDesk',
    category: 'remote-access',
    names: { windows: ['rustdesk.exe'], macos: ['RustDesk', 'rustdesk'], linux: ['rustdesk'] },
    originalFileNames: ['rustdesk.exe'],
  },
  {
    product: 'Chrome Remote Desktop',
    category: 'remote-access',
    names: {
      windows: ['remoting_host.exe', 'remoting_desktop.exe', 'remote_assistance_host.exe'],
      macos: ['remoting_me2me_host', 'ChromeRemoteDesktopHost'],
      linux: ['chrome-remote-desktop', 'chrome-remote-desktop-host', 'remoting_me2me_host'],
    },
    originalFileNames: ['remoting_host.exe', 'remote_assistance_host.exe'],
  },
  {
    product: 'VNC',
    category: 'remote-access',
    names: {
      windows: [
        'winvnc.exe',
        'tvnserver.exe',
        'vncserver.exe',
        'vncviewer.exe',
        'tvnviewer.exe',
        'uvnc_service.exe',
      ],
      macos: ['vncserver', 'vncviewer', 'VNC Viewer', 'VNC Server'],
      linux: [
        'x11vnc',
        'Xvnc',
        'vncserver',
        'vncviewer',
        'xtightvncviewer',
        'tigervncserver',
        'x0vncserver',
        'wayvnc',
        'krfb',
        'vino-server',
      ],
    },
    originalFileNames: ['winvnc.exe', 'tvnserver.exe', 'vncserver.exe', 'vncviewer.exe'],
  },
  { product: 'Remmina', category: 'remote-access', names: { linux: ['remmina'] } },
  {
    product: 'ScreenConnect',
    category: 'remote-access',
    names: {
      windows: [
        'ScreenConnect.ClientService.exe',
        'ScreenConnect.WindowsClient.exe',
        'ConnectWiseControl.Client.exe',
      ],
      macos: ['connectwisecontrol-client', 'ScreenConnect Client'],
      linux: ['connectwisecontrol-client'],
    },
    originalFileNames: ['ScreenConnect.ClientService.exe', 'ScreenConnect.WindowsClient.exe'],
  },
  {
    product: 'Quick Assist',
    category: 'remote-access',
    names: { windows: ['QuickAssist.exe'] },
    originalFileNames: ['QuickAssist.exe'],
  },
  {
    product: 'Remote Desktop',
    category: 'remote-access',
    names: {
      windows: ['mstsc.exe', 'msrdc.exe', 'rdpclip.exe'],
      macos: ['Microsoft Remote Desktop', 'Windows App'],
      linux: ['xfreerdp', 'wlfreerdp', 'rdesktop', 'xrdp', 'gnome-remote-desktop-daemon', 'krdc'],
    },
    originalFileNames: ['mstsc.exe', 'msrdc.exe'],
  },
  {
    product: 'Splashtop',
    category: 'remote-access',
    names: {
      windows: ['SRService.exe', 'SRManager.exe', 'strwinclt.exe'],
      macos: ['Splashtop Streamer', 'Splashtop Business'],
    },
    originalFileNames: ['SRService.exe', 'SRManager.exe'],
  },
  {
    product: 'LogMeIn',
    category: 'remote-access',
    names: { windows: ['LogMeIn.exe', 'LMIGuardianSvc.exe'], macos: ['LogMeIn'] },
    originalFileNames: ['LogMeIn.exe'],
  },
  {
    product: 'GoTo Resolve',
    category: 'remote-access',
    names: { windows: ['GoToResolve.exe'], macos: ['GoTo Resolve'] },
  },
  {
    product: 'Zoho Assist',
    category: 'remote-access',
    names: { windows: ['ZA_Connect.exe', 'ZohoMeeting.exe'], macos: ['ZohoAssist'] },
  },
  {
    product: 'NoMachine',
    category: 'remote-access',
    names: {
      windows: ['nxplayer.exe', 'nxserver.exe', 'nxnode.exe'],
      macos: ['nxplayer', 'nxserver'],
      linux: ['nxplayer', 'nxserver', 'nxnode'],
    },
  },
  {
    product: 'Parsec',
    category: 'remote-access',
    names: { windows: ['parsecd.exe'], macos: ['parsecd'], linux: ['parsecd'] },
  },
  {
    product: 'Supremo',
    category: 'remote-access',
    names: { windows: ['Supremo.exe', 'SupremoService.exe'] },
  },
  {
    product: 'DWService',
    category: 'remote-access',
    names: { windows: ['dwagent.exe', 'dwagsvc.exe'], macos: ['dwagent'], linux: ['dwagent'] },
  },
  { product: 'Ammyy Admin', category: 'remote-access', names: { windows: ['AA_v3.exe', 'Ammyy_Admin.exe'] } },
  { product: 'Radmin', category: 'remote-access', names: { windows: ['rserver3.exe', 'radmin.exe'] } },
  {
    product: 'Jump Desktop',
    category: 'remote-access',
    names: { windows: ['JumpDesktop.exe'], macos: ['Jump Desktop'] },
  },
  {
    product: 'Apple Screen Sharing',
    category: 'remote-access',
    names: { macos: ['Screen Sharing', 'screensharingd'] },
  },
  {
    product: 'Zoom',
    category: 'remote-access',
    names: { windows: ['Zoom.exe'], macos: ['zoom.us'], linux: ['zoom'] },
    originalFileNames: ['Zoom.exe'],
  },
  {
    product: 'Microsoft Teams',
    category: 'remote-access',
    names: {
      windows: ['ms-teams.exe', 'Teams.exe'],
      macos: ['Microsoft Teams'],
      linux: ['teams', 'teams-for-linux'],
    },
  },
  {
    product: 'Discord',
    category: 'remote-access',
    names: { windows: ['Discord.exe'], macos: ['Discord'], linux: ['discord', 'Discord'] },
    originalFileNames: ['Discord.exe'],
  },
  {
    product: 'Skype',
    category: 'remote-access',
    names: { windows: ['Skype.exe'], macos: ['Skype'], linux: ['skypeforlinux'] },
  },
  // ---- screen recorders ----
  {
    product: 'OBS Studio',
    category: 'screen-recorder',
    names: { windows: ['obs64.exe', 'obs32.exe', 'obs.exe'], macos: ['OBS', 'obs'], linux: ['obs'] },
    originalFileNames: ['obs64.exe', 'obs32.exe'],
  },
  {
    product: 'ShareX',
    category: 'screen-recorder',
    names: { windows: ['ShareX.exe'] },
    originalFileNames: ['ShareX.exe'],
  },
  {
    product: 'Camtasia',
    category: 'screen-recorder',
    names: {
      windows: ['CamtasiaStudio.exe', 'CamRecorder.exe', 'Camtasia.exe'],
      macos: ['Camtasia 2023', 'Camtasia 2024', 'Camtasia'],
    },
    originalFileNames: ['CamtasiaStudio.exe', 'CamRecorder.exe'],
  },
  {
    product: 'Loom',
    category: 'screen-recorder',
    names: { windows: ['Loom.exe'], macos: ['Loom'] },
    originalFileNames: ['Loom.exe'],
  },
  {
    product: 'SimpleScreenRecorder',
    category: 'screen-recorder',
    names: { linux: ['simplescreenrecorder'] },
  },
  { product: 'Kazam', category: 'screen-recorder', names: { linux: ['kazam'] } },
  {
    product: 'vokoscreen',
    category: 'screen-recorder',
    names: { windows: ['vokoscreenNG.exe'], linux: ['vokoscreen', 'vokoscreenNG'] },
  },
  { product: 'Kooha', category: 'screen-recorder', names: { linux: ['kooha'] } },
  { product: 'Peek', category: 'screen-recorder', names: { linux: ['peek'] } },
  {
    product: 'recordMyDesktop',
    category: 'screen-recorder',
    names: { linux: ['recordmydesktop', 'gtk-recordmydesktop'] },
  },
  { product: 'Spectacle', category: 'screen-recorder', names: { linux: ['spectacle'] } },
  {
    product: 'Flameshot',
    category: 'screen-recorder',
    names: { windows: ['flameshot.exe'], macos: ['flameshot'], linux: ['flameshot'] },
  },
  {
    product: 'Bandicam',
    category: 'screen-recorder',
    names: { windows: ['bdcam.exe', 'bandicam.exe'] },
    originalFileNames: ['bdcam.exe'],
  },
  {
    product: 'Snagit',
    category: 'screen-recorder',
    names: {
      windows: ['Snagit32.exe', 'SnagitEditor.exe', 'SnagitCapture.exe'],
      macos: ['Snagit 2024', 'Snagit'],
    },
    originalFileNames: ['Snagit32.exe'],
  },
  { product: 'Fraps', category: 'screen-recorder', names: { windows: ['fraps.exe'] } },
  {
    product: 'Screencast-O-Matic',
    category: 'screen-recorder',
    names: { windows: ['ScreencastOMatic.exe', 'som.exe'], macos: ['Screencast-O-Matic'] },
  },
  { product: 'Xbox Game Bar capture', category: 'screen-recorder', names: { windows: ['GameBar.exe'] } },
  { product: 'QuickTime Player', category: 'screen-recorder', names: { macos: ['QuickTime Player'] } },
  {
    product: 'ffmpeg screen capture',
    category: 'screen-recorder',
    names: { windows: ['ffmpeg.exe'], macos: ['ffmpeg'], linux: ['ffmpeg'] },
  },
  // ---- browsers (another browser beside the managed one) ----
  {
    product: 'Google Chrome',
    category: 'browser',
    browser: 'chrome',
    names: { windows: ['chrome.exe'], macos: ['Google Chrome'], linux: ['chrome', 'google-chrome'] },
    originalFileNames: ['chrome.exe'],
  },
  {
    product: 'Chromium',
    category: 'browser',
    browser: 'chromium',
    names: { windows: ['chromium.exe'], macos: ['Chromium'], linux: ['chromium', 'chromium-browser'] },
  },
  {
    product: 'Microsoft Edge',
    category: 'browser',
    browser: 'edge',
    names: { windows: ['msedge.exe'], macos: ['Microsoft Edge'], linux: ['msedge', 'microsoft-edge'] },
    originalFileNames: ['msedge.exe'],
  },
  {
    product: 'Firefox',
    category: 'browser',
    browser: 'firefox',
    names: { windows: ['firefox.exe'], macos: ['firefox', 'Firefox'], linux: ['firefox', 'firefox-esr'] },
    originalFileNames: ['firefox.exe'],
  },
  { product: 'Safari', category: 'browser', names: { macos: ['Safari'] } },
  {
    product: 'Opera',
    category: 'browser',
    names: { windows: ['opera.exe'], macos: ['Opera'], linux: ['opera'] },
    originalFileNames: ['opera.exe'],
  },
  {
    product: 'Brave',
    category: 'browser',
    names: { windows: ['brave.exe'], macos: ['Brave Browser'], linux: ['brave', 'brave-browser'] },
    originalFileNames: ['brave.exe'],
  },
  {
    product: 'Vivaldi',
    category: 'browser',
    names: { windows: ['vivaldi.exe'], macos: ['Vivaldi'], linux: ['vivaldi-bin', 'vivaldi'] },
    originalFileNames: ['vivaldi.exe'],
  },
  { product: 'Tor Browser', category: 'browser', names: { windows: ['tor.exe'], linux: ['tor'] } },
  { product: 'Epiphany', category: 'browser', names: { linux: ['epiphany', 'epiphany-browser'] } },
  { product: 'Falkon', category: 'browser', names: { linux: ['falkon'] } },
];

/** The config section that adds names to each category. */
export const CATEGORY_CONFIG_KEY = {
  'password-manager': 'passwordManagers',
  'remote-access': 'remoteAccess',
  'screen-recorder': 'screenRecorders',
  browser: 'browsers',
} as const satisfies Record<ProcessCategory, string>;

/** A process name made comparable: case-insensitive, `.exe` ignored. */
export function normalizeProcessName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.exe') ? lower.slice(0, -4) : lower;
}

export interface ProcessCatalogIndex {
  /** The entry for a process name on this OS, or undefined. */
  byName(name: string): ProcessEntry | undefined;
  /** The entry for a Windows original file name, or undefined. */
  byOriginalFileName(name: string): ProcessEntry | undefined;
  /** The entry for a Windows Authenticode publisher (the signer's organisation), or undefined. */
  byPublisher(publisher: string): ProcessEntry | undefined;
}

/**
 * A lookup table for one OS, with the config's additions (each added name becomes its own entry
 * in its category, named after itself). Built once, so matching a process is one map lookup.
 */
export function indexProcessCatalog(
  os: ProcessOs,
  additions: Partial<Record<(typeof CATEGORY_CONFIG_KEY)[ProcessCategory], readonly string[]>> = {},
  catalog: readonly ProcessEntry[] = PROCESS_CATALOG,
): ProcessCatalogIndex {
  const names = new Map<string, ProcessEntry>();
  const originals = new Map<string, ProcessEntry>();
  const publishers = new Map<string, ProcessEntry>();
  for (const entry of catalog) {
    for (const n of entry.names[os] ?? []) names.set(normalizeProcessName(n), entry);
    for (const n of entry.originalFileNames ?? []) originals.set(normalizeProcessName(n), entry);
    for (const p of entry.publishers ?? []) publishers.set(p.toLowerCase(), entry);
  }
  for (const [category, key] of Object.entries(CATEGORY_CONFIG_KEY) as [ProcessCategory, string][]) {
    for (const n of additions[key as keyof typeof additions] ?? []) {
      const entry: ProcessEntry = { product: n, category, names: { [os]: [n] } };
      names.set(normalizeProcessName(n), entry);
      // On Windows a name added by IT also catches renamed copies of that executable.
      originals.set(normalizeProcessName(n), entry);
    }
  }
  return {
    byName: (n) => names.get(normalizeProcessName(n)),
    byOriginalFileName: (n) => originals.get(normalizeProcessName(n)),
    byPublisher: (p) => publishers.get(p.trim().toLowerCase()),
  };
}
