/**
 * Password-manager browser extensions, by store id (Chrome Web Store and Edge Add-ons) and by name.
 * A seat with one of these enabled is not ready: it could fill in stored answers or an
 * invigilator's credentials. The agent's config can add ids (`catalog.passwordManagerExtensions`).
 *
 * Why names too: a store id only identifies the store build. The same product loaded unpacked, a
 * self-hosted or enterprise build, a fork or a store we do not list has another id, and an id cannot
 * be reproduced without the vendor's signing key. So an extension is also flagged when its name
 * contains the product's name as whole words, or calls itself a password manager or vault.
 */
export interface KnownExtension {
  /** The product, as people know it. */
  product: string;
  ids: readonly string[];
  /** Phrases that identify the product in an extension's name (lower case, whole words). */
  names?: readonly string[];
}

export const PASSWORD_MANAGER_EXTENSIONS: readonly KnownExtension[] = [
  {
    product: '1Password',
    ids: [
      'aeblfdkhhhdcdjpifhhbdiojplfjncoa',
      'khgocmkkpikpnmmkgmdnfckapcdkgfaf',
      'dppgmdbiimibapkepcbdbmkaabgiofem',
    ],
    names: ['1password'],
  },
  {
    product: 'Bitwarden',
    ids: ['nngceckbapebfimnlniiiahkandclblb', 'jbkfoedolllekgbhcbcoahefnbanhhlh'],
    names: ['bitwarden'],
  },
  {
    product: 'LastPass',
    ids: ['hdokiejnpimakedhajhdlcegeplioahd', 'bbcinlkgjjkejfdpemiealijmmooekmp'],
    names: ['lastpass'],
  },
  {
    product: 'Dashlane',
    ids: ['fdjamakpfbbddfjaooikfcpapjohcfmg', 'gehmmocbbkpblljhkekmfhjpfbkclbph'],
    names: ['dashlane'],
  },
  {
    product: 'Keeper',
    ids: ['bfogiafebfohielmmehodmfbbebbbpei', 'lfochlioelphaglamdcakfjemolpichk'],
    names: ['keeper password manager', 'keeper security'],
  },
  { product: 'NordPass', ids: ['fooolghllnmhmmndgjiamiiodkpenpbb'], names: ['nordpass'] },
  {
    product: 'RoboForm',
    ids: ['pnlccmojcmeohlpggmfnbbiapkmbliob', 'ljfpcifpgbbchoddpjefaipoiigpdmag'],
    names: ['roboform'],
  },
  { product: 'Enpass', ids: ['kmcfomidfpdkfieipokbalgegidffkal'], names: ['enpass'] },
  {
    product: 'KeePassXC-Browser',
    ids: ['oboonakemofpalcgghocfoadofidjkkk', 'pdffhmdngciaglkoonimfcmckehcpafo'],
    names: ['keepassxc'],
  },
  { product: 'Proton Pass', ids: ['ghmbeldphafepmbegfdlkpapadhbakde'], names: ['proton pass'] },
  {
    product: 'Kee (KeePass)',
    ids: ['mmhlniccooihdimnnjhamobppdhaolme'],
    names: ['keepass', 'kee password manager'],
  },
  { product: 'Zoho Vault', ids: ['igkpcodhieompeloncfnbekccinhapdb'], names: ['zoho vault'] },
  {
    product: 'Norton Password Manager',
    ids: ['admmjipmmciaobhojoghlmleefbicajg'],
    names: ['norton password manager'],
  },
  {
    product: 'Avira Password Manager',
    ids: ['caljgklbbfbcjjanaijlacgncafpegll'],
    names: ['avira password manager'],
  },
  { product: 'McAfee True Key', ids: ['cpaibbcbodhimfnjnakiidgbpiehfgci'], names: ['true key'] },
  { product: 'Passbolt', ids: ['didegimhafipceonhjepacocaffmoppf'], names: ['passbolt'] },
  { product: 'Psono', ids: ['eljmjmgjkbmpmfljlmklcfineebidmlo'], names: ['psono'] },
];

/** The product name for a known password-manager extension id, or null. */
export function passwordManagerExtension(id: string, extra: readonly KnownExtension[] = []): string | null {
  for (const entry of [...PASSWORD_MANAGER_EXTENSIONS, ...extra]) {
    if (entry.ids.includes(id)) return entry.product;
  }
  return null;
}

/** An extension that calls itself a password manager (or vault, keeper, safe, wallet) is treated as one. */
const GENERIC_NAME = /(^|[^a-z0-9])passwords? (manager|vault|keeper|safe|wallet)([^a-z0-9]|$)/;

export interface PasswordManagerMatch {
  /** The catalog's product name, or a generic label when only the name says "password manager". */
  product: string;
  /** How it was recognised: by its store id (certain) or by its name (strong hint). */
  by: 'id' | 'name';
}

/** Recognises a password-manager extension by its store id, then by its name. */
export function identifyPasswordManager(
  extension: { id: string; name: string },
  extra: readonly KnownExtension[] = [],
): PasswordManagerMatch | null {
  const byId = passwordManagerExtension(extension.id, extra);
  if (byId !== null) return { product: byId, by: 'id' };
  const name = normaliseName(extension.name);
  for (const entry of [...PASSWORD_MANAGER_EXTENSIONS, ...extra]) {
    if (entry.names?.some((phrase) => containsWords(name, phrase)))
      return { product: entry.product, by: 'name' };
  }
  if (GENERIC_NAME.test(name)) return { product: 'Password manager (by its name)', by: 'name' };
  return null;
}

function normaliseName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[\u00ae\u2122\u00a9]/g, ' ')
    .replace(/[\s_]+/g, ' ')
    .trim();
}

function containsWords(haystack: string, phrase: string): boolean {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(phrase, from);
    if (at < 0) return false;
    const before = haystack[at - 1];
    const after = haystack[at + phrase.length];
    if (!isWordChar(before) && !isWordChar(after)) return true;
    from = at + 1;
  }
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[a-z0-9]/.test(c);
}
