/**
 * Programs that must not run beside an online assessment, as data: the kiosk agent's process
 * checks match running programs against this list, and the seat's config can add names per
 * category (`catalog.passwordManagers`, `catalog.aiAssistants`, ... see CATEGORY_CONFIG_KEY).
 * It includes at least every executable in Safe Exam Browser's default list of prohibited
 * applications for Windows (SafeExamBrowser/seb-win-refactoring,
 * SafeExamBrowser.Configuration/ConfigurationData/DataValues.cs, `LoadDefaultSettings`, read at
 * commit 8233d1c of 22 Jun 2026; copied to test/fixtures/seb-prohibited.txt, and a test keeps
 * every one of them matched).
 *
 * A blocklist always lags (and some "undetectable" assistants ship under a harmless-looking
 * executable name): the desktop check (kiosk-agent/checks/desktop.ts) also reports every program
 * with a window that is not on ALLOWED_PROGRAMS below.
 *
 * Names are executable names as the OS reports them (no path), matched case-insensitively; on
 * Windows a trailing `.exe` is ignored on both sides. `originalFileNames` are the names compiled
 * into a Windows executable's version information (`VersionInfo.OriginalFilename`): renaming the
 * file does not change them, so a renamed copy is still caught on Windows.
 */
export type ProcessCategory =
  | 'password-manager'
  | 'remote-access'
  | 'screen-recorder'
  | 'screenshot-tool'
  | 'ai-assistant'
  | 'messaging'
  | 'media-player'
  | 'system-tool'
  | 'browser';
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
      windows: [
        'TeamViewer.exe',
        'TeamViewer_Service.exe',
        'TeamViewer_Desktop.exe',
        'tv_w32.exe',
        'tv_x64.exe',
        'TeamViewerQS.exe',
      ],
      macos: ['TeamViewer', 'TeamViewer_Desktop', 'TeamViewerHost'],
      linux: ['teamviewer', 'teamviewerd', 'TeamViewer_Desktop'],
    },
    originalFileNames: [
      'TeamViewer.exe',
      'TeamViewer_Service.exe',
      'TeamViewer_Desktop.exe',
      'tv_w32.exe',
      'tv_x64.exe',
      'TeamViewerQS.exe',
    ],
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
      windows: ['remoting_host.exe', 'remoting_desktop.exe', 'remote_assistance_host.exe', 'chromoting.exe'],
      macos: ['remoting_me2me_host', 'ChromeRemoteDesktopHost'],
      linux: ['chrome-remote-desktop', 'chrome-remote-desktop-host', 'remoting_me2me_host'],
    },
    originalFileNames: [
      'remoting_host.exe',
      'remote_assistance_host.exe',
      'remoting_native_messaging_host.exe',
      'chromoting.exe',
    ],
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
        'vncserverui.exe',
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
    originalFileNames: ['winvnc.exe', 'tvnserver.exe', 'vncserver.exe', 'vncviewer.exe', 'vncserverui.exe'],
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
      windows: ['SRService.exe', 'SRManager.exe', 'SRServer.exe', 'strwinclt.exe'],
      macos: ['Splashtop Streamer', 'Splashtop Business'],
    },
    originalFileNames: ['SRService.exe', 'SRManager.exe', 'SRServer.exe', 'strwinclt.exe'],
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
  {
    product: 'Ammyy Admin',
    category: 'remote-access',
    names: { windows: ['AA_v3.exe', 'Ammyy_Admin.exe'] },
    originalFileNames: ['AA_v3.exe'],
  },
  {
    product: 'AeroAdmin',
    category: 'remote-access',
    names: { windows: ['AeroAdmin.exe'] },
    originalFileNames: ['AeroAdmin.exe'],
  },
  {
    product: 'BeamYourScreen',
    category: 'remote-access',
    names: { windows: ['beamyourscreen-host.exe'] },
    originalFileNames: ['beamyourscreen-host.exe'],
  },
  {
    product: 'join.me',
    category: 'remote-access',
    names: { windows: ['join.me.exe', 'join.me.sentinel.exe'], macos: ['join.me'] },
    originalFileNames: ['join.me.exe', 'join.me.sentinel.exe'],
  },
  {
    product: 'Mikogo',
    category: 'remote-access',
    names: { windows: ['Mikogo-host.exe'], macos: ['Mikogo'] },
    originalFileNames: ['Mikogo-host.exe'],
  },
  {
    product: 'Mouse Without Borders',
    category: 'remote-access',
    names: { windows: ['MouseWithoutBorders.exe', 'MouseWithoutBordersHelper.exe'] },
    originalFileNames: ['MouseWithoutBorders.exe', 'MouseWithoutBordersHelper.exe'],
  },
  {
    product: 'PC Monitor',
    category: 'remote-access',
    names: { windows: ['PCMonitorSrv.exe', 'pcmontask.exe'] },
    originalFileNames: ['PCMonitorSrv.exe', 'pcmontask.exe'],
  },
  {
    product: 'RemotePC',
    category: 'remote-access',
    names: {
      windows: ['RemotePCDesktop.exe', 'RPCService.exe', 'RPCSuite.exe'],
      macos: ['RemotePC'],
      linux: ['remotepc'],
    },
    originalFileNames: ['RemotePCDesktop.exe', 'RPCService.exe', 'RPCSuite.exe'],
  },
  {
    product: 'ToDesk',
    category: 'remote-access',
    names: { windows: ['ToDesk.exe', 'ToDesk_Service.exe'], macos: ['ToDesk'], linux: ['todesk', 'ToDesk'] },
    originalFileNames: ['ToDesk.exe'],
  },

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
      windows: [
        'CamtasiaStudio.exe',
        'Camtasia_Studio.exe',
        'CamRecorder.exe',
        'Camtasia.exe',
        'CamtasiaUtl.exe',
        'CamPlay.exe',
      ],
      macos: ['Camtasia 2023', 'Camtasia 2024', 'Camtasia'],
    },
    originalFileNames: [
      'CamtasiaStudio.exe',
      'Camtasia_Studio.exe',
      'CamRecorder.exe',
      'Camtasia.exe',
      'CamtasiaUtl.exe',
      'CamPlay.exe',
    ],
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
  // ---- screenshot and snipping tools ----
  {
    product: 'Snipping Tool',
    category: 'screenshot-tool',
    names: { windows: ['SnippingTool.exe', 'ScreenSketch.exe', 'ScreenClippingHost.exe'] },
    originalFileNames: ['SnippingTool.exe', 'ScreenSketch.exe', 'ScreenClippingHost.exe'],
  },
  {
    product: 'macOS Screenshot',
    category: 'screenshot-tool',
    names: { macos: ['Screenshot', 'screencaptureui', 'screencapture'] },
  },
  {
    product: 'Flameshot',
    category: 'screenshot-tool',
    names: { windows: ['flameshot.exe'], macos: ['flameshot'], linux: ['flameshot'] },
    originalFileNames: ['flameshot.exe'],
  },
  { product: 'Spectacle', category: 'screenshot-tool', names: { linux: ['spectacle'] } },
  { product: 'GNOME Screenshot', category: 'screenshot-tool', names: { linux: ['gnome-screenshot'] } },
  { product: 'Shutter', category: 'screenshot-tool', names: { linux: ['shutter'] } },
  {
    product: 'ksnip',
    category: 'screenshot-tool',
    names: { windows: ['ksnip.exe'], macos: ['ksnip'], linux: ['ksnip'] },
    originalFileNames: ['ksnip.exe'],
  },
  {
    product: 'Xfce Screenshooter',
    category: 'screenshot-tool',
    names: { linux: ['xfce4-screenshooter'] },
  },
  { product: 'scrot', category: 'screenshot-tool', names: { linux: ['scrot'] } },
  { product: 'maim', category: 'screenshot-tool', names: { linux: ['maim'] } },
  { product: 'grim', category: 'screenshot-tool', names: { linux: ['grim'] } },
  {
    product: 'Lightshot',
    category: 'screenshot-tool',
    names: { windows: ['Lightshot.exe'], macos: ['Lightshot Screenshot', 'Lightshot'] },
    originalFileNames: ['Lightshot.exe'],
  },
  {
    product: 'Greenshot',
    category: 'screenshot-tool',
    names: { windows: ['Greenshot.exe'], macos: ['Greenshot'] },
    originalFileNames: ['Greenshot.exe'],
  },
  {
    product: 'PicPick',
    category: 'screenshot-tool',
    names: { windows: ['picpick.exe'] },
    originalFileNames: ['picpick.exe'],
  },
  {
    product: 'Snipaste',
    category: 'screenshot-tool',
    names: { windows: ['Snipaste.exe'], macos: ['Snipaste'], linux: ['snipaste', 'Snipaste'] },
    originalFileNames: ['Snipaste.exe'],
  },
  {
    product: 'Gyazo',
    category: 'screenshot-tool',
    names: { windows: ['Gyazo.exe', 'GyazoWin.exe'], macos: ['Gyazo'] },
    originalFileNames: ['Gyazo.exe', 'GyazoWin.exe'],
  },
  { product: 'CleanShot X', category: 'screenshot-tool', names: { macos: ['CleanShot X'] } },
  {
    product: 'Monosnap',
    category: 'screenshot-tool',
    names: { windows: ['Monosnap.exe'], macos: ['Monosnap'] },
    originalFileNames: ['Monosnap.exe'],
  },
  { product: 'Skitch', category: 'screenshot-tool', names: { macos: ['Skitch'] } },
  // ---- AI assistants: chat apps, local models, and the "undetectable" overlays sold for interviews
  // and exams (screen-share-proof windows, no taskbar entry; some ship under a harmless-looking name,
  // which is why the desktop check reports every unlisted window too) ----
  {
    product: 'ChatGPT',
    category: 'ai-assistant',
    names: { windows: ['ChatGPT.exe'], macos: ['ChatGPT'], linux: ['chatgpt', 'chatgpt-desktop'] },
    originalFileNames: ['ChatGPT.exe'],
    publishers: ['OpenAI OpCo, LLC', 'OpenAI, L.L.C.'],
  },
  {
    product: 'Claude',
    category: 'ai-assistant',
    names: { windows: ['Claude.exe'], macos: ['Claude'], linux: ['claude', 'claude-desktop'] },
    originalFileNames: ['Claude.exe'],
    publishers: ['Anthropic, PBC'],
  },
  {
    product: 'Microsoft Copilot',
    category: 'ai-assistant',
    names: { windows: ['Copilot.exe', 'M365Copilot.exe'], macos: ['Copilot', 'Microsoft Copilot'] },
    originalFileNames: ['Copilot.exe', 'M365Copilot.exe'],
  },
  {
    product: 'Google Gemini',
    category: 'ai-assistant',
    names: { windows: ['Gemini.exe'], macos: ['Gemini'], linux: ['gemini'] },
    originalFileNames: ['Gemini.exe'],
  },
  {
    product: 'Perplexity',
    category: 'ai-assistant',
    names: { windows: ['Perplexity.exe'], macos: ['Perplexity'], linux: ['perplexity'] },
    originalFileNames: ['Perplexity.exe'],
  },
  {
    product: 'Cluely',
    category: 'ai-assistant',
    names: { windows: ['Cluely.exe'], macos: ['Cluely'], linux: ['cluely'] },
    originalFileNames: ['Cluely.exe'],
  },
  {
    product: 'Interview Coder',
    category: 'ai-assistant',
    names: {
      windows: ['Interview Coder.exe', 'InterviewCoder.exe'],
      macos: ['Interview Coder'],
      linux: ['interview-coder'],
    },
    originalFileNames: ['Interview Coder.exe'],
  },
  {
    product: 'Final Round AI',
    category: 'ai-assistant',
    names: { windows: ['Final Round AI.exe'], macos: ['Final Round AI'] },
    originalFileNames: ['Final Round AI.exe'],
  },
  {
    product: 'LockedIn AI',
    category: 'ai-assistant',
    names: { windows: ['LockedIn AI.exe', 'LockedInAI.exe'], macos: ['LockedIn AI'] },
    originalFileNames: ['LockedIn AI.exe'],
  },
  {
    product: 'Parakeet AI',
    category: 'ai-assistant',
    names: { windows: ['Parakeet AI.exe', 'ParakeetAI.exe'], macos: ['Parakeet AI', 'ParakeetAI'] },
    originalFileNames: ['Parakeet AI.exe'],
  },
  {
    product: 'Leetcode Wizard',
    category: 'ai-assistant',
    names: { windows: ['Leetcode Wizard.exe'], macos: ['Leetcode Wizard'] },
    originalFileNames: ['Leetcode Wizard.exe'],
  },
  {
    product: 'Pluely',
    category: 'ai-assistant',
    names: { windows: ['pluely.exe', 'Pluely.exe'], macos: ['Pluely'], linux: ['pluely'] },
    originalFileNames: ['pluely.exe'],
  },
  {
    // An open-source overlay that names itself after a Windows service to pass a process scan
    // (package name service-host-netsvcs, product name "Service Host Network Service").
    product: 'Cheating Daddy',
    category: 'ai-assistant',
    names: {
      windows: ['Service Host Network Service.exe', 'cheating-daddy.exe'],
      macos: ['Service Host Network Service', 'Cheating Daddy'],
      linux: ['service-host-netsvcs', 'cheating-daddy'],
    },
    originalFileNames: ['Service Host Network Service.exe'],
  },
  {
    // The open-source Cluely clone ships as "Meeting Notes Coder" (package interview-coder).
    product: 'Free Cluely',
    category: 'ai-assistant',
    names: {
      windows: ['Meeting Notes Coder.exe'],
      macos: ['Meeting Notes Coder'],
      linux: ['meeting-notes-coder'],
    },
    originalFileNames: ['Meeting Notes Coder.exe'],
  },
  {
    product: 'Ollama',
    category: 'ai-assistant',
    names: { windows: ['ollama.exe', 'ollama app.exe'], macos: ['Ollama', 'ollama'], linux: ['ollama'] },
    originalFileNames: ['ollama.exe'],
  },
  {
    product: 'LM Studio',
    category: 'ai-assistant',
    names: { windows: ['LM Studio.exe'], macos: ['LM Studio'], linux: ['lm-studio', 'lmstudio'] },
    originalFileNames: ['LM Studio.exe'],
  },
  {
    product: 'Jan',
    category: 'ai-assistant',
    names: { windows: ['Jan.exe'], macos: ['Jan'], linux: ['jan'] },
    originalFileNames: ['Jan.exe'],
  },
  // ---- messaging and meetings (candidates talking to each other, or to someone outside) ----
  {
    product: 'Discord',
    category: 'messaging',
    names: {
      windows: ['Discord.exe', 'DiscordPTB.exe', 'DiscordCanary.exe'],
      macos: ['Discord', 'Discord PTB', 'Discord Canary'],
      linux: ['discord', 'Discord', 'DiscordPTB', 'DiscordCanary', 'discord-ptb', 'discord-canary'],
    },
    originalFileNames: ['Discord.exe', 'DiscordPTB.exe', 'DiscordCanary.exe'],
  },
  {
    product: 'WhatsApp',
    category: 'messaging',
    names: {
      windows: ['WhatsApp.exe', 'WhatsApp.Root.exe'],
      macos: ['WhatsApp'],
      linux: ['whatsapp-for-linux', 'whatsapp-desktop-linux', 'whatsie', 'zapzap'],
    },
    originalFileNames: ['WhatsApp.exe', 'WhatsApp.Root.exe'],
  },
  {
    product: 'Telegram',
    category: 'messaging',
    names: { windows: ['Telegram.exe'], macos: ['Telegram'], linux: ['telegram-desktop', 'Telegram'] },
    originalFileNames: ['Telegram.exe'],
  },
  {
    product: 'Signal',
    category: 'messaging',
    names: { windows: ['Signal.exe'], macos: ['Signal'], linux: ['signal-desktop'] },
    originalFileNames: ['Signal.exe'],
  },
  {
    product: 'Slack',
    category: 'messaging',
    names: { windows: ['slack.exe'], macos: ['Slack'], linux: ['slack'] },
    originalFileNames: ['slack.exe'],
  },
  {
    product: 'Microsoft Teams',
    category: 'messaging',
    names: {
      windows: ['ms-teams.exe', 'Teams.exe'],
      macos: ['Microsoft Teams'],
      linux: ['teams', 'teams-for-linux'],
    },
    originalFileNames: ['ms-teams.exe', 'Teams.exe'],
  },
  {
    product: 'Zoom',
    category: 'messaging',
    names: { windows: ['Zoom.exe'], macos: ['zoom.us'], linux: ['zoom'] },
    originalFileNames: ['Zoom.exe'],
  },
  {
    product: 'Skype',
    category: 'messaging',
    names: {
      windows: ['Skype.exe', 'SkypeApp.exe', 'SkypeHost.exe'],
      macos: ['Skype'],
      linux: ['skypeforlinux'],
    },
    originalFileNames: ['Skype.exe', 'SkypeApp.exe', 'SkypeHost.exe'],
  },
  {
    product: 'Element',
    category: 'messaging',
    names: { windows: ['Element.exe'], macos: ['Element'], linux: ['element-desktop'] },
    originalFileNames: ['Element.exe'],
  },
  {
    product: 'Guilded',
    category: 'messaging',
    names: { windows: ['Guilded.exe'], macos: ['Guilded'], linux: ['guilded'] },
    originalFileNames: ['Guilded.exe'],
  },
  {
    product: 'Webex',
    category: 'messaging',
    names: {
      windows: ['CiscoCollabHost.exe', 'CiscoWebExStart.exe', 'webexmta.exe', 'ptoneclk.exe'],
      macos: ['Webex', 'Cisco Webex Meetings'],
    },
    originalFileNames: ['CiscoCollabHost.exe', 'CiscoWebExStart.exe', 'webexmta.exe', 'ptoneclk.exe'],
  },
  {
    product: 'GoTo Meeting',
    category: 'messaging',
    names: {
      windows: ['g2mcomm.exe', 'g2mlauncher.exe', 'g2mstart.exe', 'GotoMeetingWinStore.exe'],
      macos: ['GoToMeeting', 'GoTo Meeting'],
    },
    originalFileNames: ['g2mcomm.exe', 'g2mlauncher.exe', 'g2mstart.exe', 'GotoMeetingWinStore.exe'],
  },
  // ---- media players (Safe Exam Browser prohibits these by default) ----
  {
    product: 'Spotify',
    category: 'media-player',
    names: { windows: ['spotify.exe'], macos: ['Spotify'], linux: ['spotify'] },
    originalFileNames: ['spotify.exe'],
  },
  {
    product: 'VLC',
    category: 'media-player',
    names: { windows: ['VLC.exe'], macos: ['VLC'], linux: ['vlc'] },
    originalFileNames: ['VLC.exe'],
  },
  {
    product: 'Windows Media Player',
    category: 'media-player',
    names: { windows: ['Microsoft.Media.Player.exe', 'wmplayer.exe'] },
    originalFileNames: ['Microsoft.Media.Player.exe', 'wmplayer.exe'],
  },
  // ---- system tools that open a way out of a locked-down session ----
  {
    // The Sticky Keys dialog (Shift pressed five times) links to Settings: a known way out of kiosks.
    product: 'Sticky Keys dialog',
    category: 'system-tool',
    names: { windows: ['sethc.exe'] },
    originalFileNames: ['sethc.exe'],
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
  {
    product: 'Comet',
    category: 'browser',
    names: { windows: ['comet.exe'], macos: ['Comet'] },
    originalFileNames: ['comet.exe'],
  },
  { product: 'ChatGPT Atlas', category: 'browser', names: { macos: ['ChatGPT Atlas'] } },
  { product: 'Arc', category: 'browser', names: { windows: ['Arc.exe'], macos: ['Arc'] } },
  {
    product: 'LibreWolf',
    category: 'browser',
    names: { windows: ['librewolf.exe'], macos: ['LibreWolf'], linux: ['librewolf'] },
  },
  {
    product: 'Waterfox',
    category: 'browser',
    names: { windows: ['waterfox.exe'], macos: ['Waterfox'], linux: ['waterfox'] },
  },
  {
    product: 'qutebrowser',
    category: 'browser',
    names: { windows: ['qutebrowser.exe'], macos: ['qutebrowser'], linux: ['qutebrowser'] },
  },
  { product: 'Midori', category: 'browser', names: { linux: ['midori'] } },
  { product: 'Konqueror', category: 'browser', names: { linux: ['konqueror'] } },
  {
    // Browsers that run inside a terminal window: the window is the terminal's, the browsing is theirs.
    product: 'a text-mode browser',
    category: 'browser',
    names: { macos: ['lynx', 'w3m', 'links', 'elinks'], linux: ['lynx', 'w3m', 'links', 'links2', 'elinks'] },
  },
];

/** The config section that adds names to each category. */
export const CATEGORY_CONFIG_KEY = {
  'password-manager': 'passwordManagers',
  'remote-access': 'remoteAccess',
  'screen-recorder': 'screenRecorders',
  'screenshot-tool': 'screenshotTools',
  'ai-assistant': 'aiAssistants',
  messaging: 'messaging',
  'media-player': 'mediaPlayers',
  'system-tool': 'systemTools',
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

/**
 * Programs that may show a window on an exam seat's desktop besides the managed browser (which is
 * allowed by its executable, see kiosk-agent/link-trust/identify.ts): the desktop shell and window
 * manager, on-screen keyboards, screen readers and magnifiers (a candidate who needs one is never
 * blocked for it), input methods, and the awarding body's own delivery app. Every other program
 * with a window is reported (`unlisted-program`); the seat's config adds names (`desktop.allow`).
 *
 * Names are matched like the catalog's (case-insensitive, `.exe` ignored) against the executable
 * the OS runs (Linux: /proc/PID/exe, or the script an interpreter runs), never against a name the
 * program gives itself; a program that runs from a folder users can write to is never allowed by
 * name (a copy of a notes app named `orca` in the home folder is still reported).
 */
export type AllowedKind =
  | 'desktop-shell'
  | 'on-screen-keyboard'
  | 'screen-reader'
  | 'magnifier'
  | 'input-method'
  | 'delivery-app'
  | 'added-by-centre';

export interface AllowedProgram {
  product: string;
  kind: AllowedKind;
  names: Partial<Record<ProcessOs, readonly string[]>>;
  /**
   * Its vendor installs it where users can write (Surpass: C:\Users\Public\Surpass), so it is
   * allowed there too. IT should take users' write access to that folder away (docs/deploy.md).
   */
  installedWhereUsersWrite?: true;
}

export const ALLOWED_PROGRAMS: readonly AllowedProgram[] = [
  // ---- desktop shells, window managers, panels, notifications, screen lockers ----
  {
    product: 'Windows shell',
    kind: 'desktop-shell',
    names: {
      windows: [
        'explorer.exe',
        'ShellExperienceHost.exe',
        'StartMenuExperienceHost.exe',
        'SearchHost.exe',
        'SearchApp.exe',
        'ShellHost.exe',
        'LockApp.exe',
        'dwm.exe',
        'sihost.exe',
      ],
    },
  },
  {
    product: 'macOS shell',
    kind: 'desktop-shell',
    names: {
      macos: [
        'Finder',
        'Dock',
        'SystemUIServer',
        'ControlCenter',
        'Control Centre',
        'NotificationCenter',
        'Notification Centre',
        'WindowManager',
        'Spotlight',
        'loginwindow',
        'TextInputMenuAgent',
        'TextInputSwitcher',
        'universalAccessAuthWarn',
      ],
    },
  },
  {
    product: 'GNOME',
    kind: 'desktop-shell',
    names: {
      linux: [
        'gnome-shell',
        'mutter',
        'gnome-flashback',
        'metacity',
        'gnome-screensaver',
        'xdg-desktop-portal-gnome',
        'xdg-desktop-portal-gtk',
        'polkit-gnome-authentication-agent-1',
      ],
    },
  },
  {
    product: 'KDE Plasma',
    kind: 'desktop-shell',
    names: {
      linux: ['plasmashell', 'kwin_x11', 'kwin_wayland', 'kwin', 'ksmserver', 'xdg-desktop-portal-kde'],
    },
  },
  {
    product: 'Xfce',
    kind: 'desktop-shell',
    names: { linux: ['xfwm4', 'xfce4-panel', 'xfdesktop', 'xfce4-notifyd', 'xfce4-session', 'wrapper-2.0'] },
  },
  {
    product: 'Cinnamon and MATE',
    kind: 'desktop-shell',
    names: {
      linux: ['cinnamon', 'muffin', 'cinnamon-screensaver', 'mate-panel', 'marco', 'mate-screensaver'],
    },
  },
  {
    product: 'LXDE and LXQt',
    kind: 'desktop-shell',
    names: { linux: ['lxpanel', 'lxqt-panel', 'lxsession', 'lxpolkit', 'lxqt-policykit-agent'] },
  },
  {
    product: 'Budgie',
    kind: 'desktop-shell',
    names: { linux: ['budgie-panel', 'budgie-wm', 'budgie-daemon'] },
  },
  {
    product: 'a window manager',
    kind: 'desktop-shell',
    names: {
      linux: [
        'openbox',
        'fluxbox',
        'icewm',
        'jwm',
        'fvwm',
        'fvwm3',
        'twm',
        'i3',
        'i3bar',
        'awesome',
        'sway',
        'swaybar',
        'waybar',
        'weston',
        'labwc',
        'cage',
        'matchbox-window-manager',
        'tint2',
        'polybar',
      ],
    },
  },
  {
    product: 'notifications, compositor and screen locker',
    kind: 'desktop-shell',
    names: {
      linux: ['dunst', 'notify-osd', 'mako', 'picom', 'compton', 'xcompmgr', 'xscreensaver', 'light-locker'],
    },
  },
  {
    product: 'login screen',
    kind: 'desktop-shell',
    names: { linux: ['lightdm-gtk-greeter', 'slick-greeter', 'sddm-greeter', 'gdm-session-worker'] },
  },
  // ---- on-screen keyboards ----
  {
    product: 'On-Screen Keyboard',
    kind: 'on-screen-keyboard',
    names: {
      windows: ['osk.exe', 'TabTip.exe', 'TextInputHost.exe'],
      macos: ['AssistiveControl', 'Assistive Control'],
      linux: ['onboard', 'florence', 'matchbox-keyboard', 'squeekboard', 'kvkbd', 'xvkbd', 'caribou'],
    },
  },
  // ---- screen readers ----
  { product: 'Orca', kind: 'screen-reader', names: { linux: ['orca'] } },
  {
    product: 'NVDA',
    kind: 'screen-reader',
    names: { windows: ['nvda.exe', 'nvda_slave.exe', 'nvdaHelperRemoteLoader.exe'] },
  },
  { product: 'JAWS', kind: 'screen-reader', names: { windows: ['jfw.exe'] } },
  { product: 'Narrator', kind: 'screen-reader', names: { windows: ['Narrator.exe'] } },
  { product: 'VoiceOver', kind: 'screen-reader', names: { macos: ['VoiceOver'] } },
  // ---- magnifiers ----
  {
    product: 'a screen magnifier',
    kind: 'magnifier',
    names: { windows: ['Magnify.exe', 'ZoomText.exe', 'Fusion.exe'], linux: ['kmag', 'magnus'] },
  },
  // ---- input methods (typing in other scripts) ----
  {
    product: 'an input method',
    kind: 'input-method',
    names: { linux: ['ibus-ui-gtk3', 'ibus-x11', 'ibus-extension-gtk3', 'fcitx', 'fcitx5'] },
  },
  // ---- the awarding body's delivery app (../shared/seeds/002: "SecureClient needs to be installed on
  // the computers that the exams are to be sat on"). Surpass installs it under C:\Users\Public\Surpass
  // on Windows and as /Applications/SecureClient.app on macOS (help.surpass.com, "SecureClient best
  // practice"); there is no Linux version. The executable's name is the product's, not read from an
  // installed copy: a centre that finds another adds it with `desktop.allow`. ----
  {
    product: 'Surpass SecureClient',
    kind: 'delivery-app',
    names: { windows: ['SecureClient.exe'], macos: ['SecureClient'] },
    installedWhereUsersWrite: true,
  },
];

export const ALLOWED_KIND_WORDS: Record<AllowedKind, string> = {
  'desktop-shell': 'the desktop shell or window manager',
  'on-screen-keyboard': 'an on-screen keyboard',
  'screen-reader': 'a screen reader',
  magnifier: 'a screen magnifier',
  'input-method': 'an input method',
  'delivery-app': "the awarding body's delivery app",
  'added-by-centre': "on this seat's list (desktop.allow)",
};

/** The allowlist for one OS, with the config's additions (each its own entry). */
export function indexAllowedPrograms(
  os: ProcessOs,
  additions: readonly string[] = [],
  allowed: readonly AllowedProgram[] = ALLOWED_PROGRAMS,
): (name: string) => AllowedProgram | undefined {
  const names = new Map<string, AllowedProgram>();
  for (const entry of allowed) {
    for (const n of entry.names[os] ?? []) names.set(normalizeProcessName(n), entry);
  }
  for (const n of additions) {
    names.set(normalizeProcessName(n), { product: n, kind: 'added-by-centre', names: { [os]: [n] } });
  }
  return (n) => names.get(normalizeProcessName(n));
}
