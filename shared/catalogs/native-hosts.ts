/**
 * Password managers' native-messaging hosts: the connector a password-manager app registers with
 * the browser so that its extension can fill passwords from the app. A registered connector means
 * the app is installed and can be reached from the browser, so the agent reports it
 * (`password-manager-host`). The seat's config can add names (`catalog.nativeHosts`).
 * Only names taken from the products' own published manifests are listed (a guessed name would
 * only give false comfort); add others through the config as they are confirmed.
 */
export interface KnownNativeHost {
  product: string;
  names: readonly string[];
}

export const PASSWORD_MANAGER_NATIVE_HOSTS: readonly KnownNativeHost[] = [
  { product: '1Password', names: ['com.1password.1password', 'com.1password.browser_support'] },
  { product: 'Bitwarden', names: ['com.8bit.bitwarden'] },
  { product: 'KeePassXC', names: ['org.keepassxc.keepassxc_browser'] },
  { product: 'LastPass', names: ['com.lastpass.nplastpass'] },
];

/** The product for a native-messaging host name (case-insensitive), or null. */
export function passwordManagerNativeHost(name: string, extra: readonly string[] = []): string | null {
  const n = name.toLowerCase();
  for (const entry of PASSWORD_MANAGER_NATIVE_HOSTS) {
    if (entry.names.some((h) => h.toLowerCase() === n)) return entry.product;
  }
  return extra.some((h) => h.toLowerCase() === n) ? name : null;
}
