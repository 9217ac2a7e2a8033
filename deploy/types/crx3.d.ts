/** The parts of the `crx3` package (CommonJS, no types of its own) that packaging uses. */
declare module 'crx3' {
  import type { Readable } from 'node:stream';

  interface Crx3Options {
    /** PEM private key; used as is when the file exists. */
    keyPath?: string;
    crxPath?: string;
    zipPath?: string;
    xmlPath?: string;
    crxURL?: string;
  }

  /** Writes a CRX3 file from a list of files or from a readable stream of ZIP data. */
  function crx3(files: string[] | Readable, options: Crx3Options): Promise<{ appId?: string }>;
  export default crx3;
}
