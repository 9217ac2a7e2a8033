/**
 * Password-manager browser extensions, by store id (Chrome Web Store and Edge Add-ons).
 * A seat with one of these enabled is not ready: it could fill in stored answers or an
 * invigilator's credentials. The agent's config can add ids (`catalog.passwordManagerExtensions`).
 */
export interface KnownExtension {
  /** The product, as people know it. */
  product: string;
  ids: readonly string[];
}

export const PASSWORD_MANAGER_EXTENSIONS: readonly KnownExtension[] = [
  {
    product: '1Password',
    ids: [
      'aeblfdkhhhdcdjpifhhbdiojplfjncoa',
      'khgocmkkpikpnmmkgmdnfckapcdkgfaf',
      'dppgmdbiimibapkepcbdbmkaabgiofem',
    ],
  },
  { product: 'Bitwarden', ids: ['nngceckbapebfimnlniiiahkandclblb', 'jbkfoedolllekgbhcbcoahefnbanhhlh'] },
  { product: 'LastPass', ids: ['hdokiejnpimakedhajhdlcegeplioahd', 'bbcinlkgjjkejfdpemiealijmmooekmp'] },
  { product: 'Dashlane', ids: ['fdjamakpfbbddfjaooikfcpapjohcfmg', 'gehmmocbbkpblljhkekmfhjpfbkclbph'] },
  { product: 'Keeper', ids: ['bfogiafebfohielmmehodmfbbebbbpei', 'lfochlioelphaglamdcakfjemolpichk'] },
  { product: 'NordPass', ids: ['fooolghllnmhmmndgjiamiiodkpenpbb'] },
  { product: 'RoboForm', ids: ['pnlccmojcmeohlpggmfnbbiapkmbliob', 'ljfpcifpgbbchoddpjefaipoiigpdmag'] },
  { product: 'Enpass', ids: ['kmcfomidfpdkfieipokbalgegidffkal'] },
  {
    product: 'KeePassXC-Browser',
    ids: ['oboonakemofpalcgghocfoadofidjkkk', 'pdffhmdngciaglkoonimfcmckehcpafo'],
  },
  { product: 'Proton Pass', ids: ['ghmbeldphafepmbegfdlkpapadhbakde'] },
  { product: 'Kee (KeePass)', ids: ['mmhlniccooihdimnnjhamobppdhaolme'] },
  { product: 'Zoho Vault', ids: ['igkpcodhieompeloncfnbekccinhapdb'] },
  { product: 'Norton Password Manager', ids: ['admmjipmmciaobhojoghlmleefbicajg'] },
  { product: 'Avira Password Manager', ids: ['caljgklbbfbcjjanaijlacgncafpegll'] },
  { product: 'McAfee True Key', ids: ['cpaibbcbodhimfnjnakiidgbpiehfgci'] },
  { product: 'Passbolt', ids: ['didegimhafipceonhjepacocaffmoppf'] },
  { product: 'Psono', ids: ['eljmjmgjkbmpmfljlmklcfineebidmlo'] },
];

/** The product name for a known password-manager extension id, or null. */
export function passwordManagerExtension(id: string, extra: readonly KnownExtension[] = []): string | null {
  for (const entry of [...PASSWORD_MANAGER_EXTENSIONS, ...extra]) {
    if (entry.ids.includes(id)) return entry.product;
  }
  return null;
}
