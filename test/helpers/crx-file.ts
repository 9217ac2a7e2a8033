/**
 * Reads a CRX3 file for tests, independently of the library that wrote it: "Cr24", version 3, the
 * CrxFileHeader protobuf (components/crx_file/crx3.proto), then the ZIP. `verifyCrx3` checks what
 * Chromium's verifier checks for a self-hosted extension: the signed data names the crx id, the id
 * is the SHA-256 prefix of one of the RSA keys, and that key's SHA-256/RSA signature covers
 * "CRX3 SignedData\0" + length + signed header data + the ZIP.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';

export interface Crx3 {
  proofs: { publicKey: Buffer; signature: Buffer }[];
  signedHeaderData: Buffer;
  crxId: Buffer;
  zip: Buffer;
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && shift < 49; i++) {
    const b = buf[i] as number;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, i + 1];
    shift += 7;
  }
  throw new Error('bad varint');
}

/** Length-delimited fields of a protobuf message (the only wire type these messages use). */
function fields(buf: Buffer): { field: number; data: Buffer }[] {
  const out: { field: number; data: Buffer }[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    const wire = tag % 8;
    if (wire !== 2) throw new Error(`unexpected protobuf wire type ${wire}`);
    const [len, p2] = readVarint(buf, p1);
    if (p2 + len > buf.length) throw new Error('protobuf field runs past its message');
    out.push({ field: Math.floor(tag / 8), data: buf.subarray(p2, p2 + len) });
    pos = p2 + len;
  }
  return out;
}

export function readCrx3(file: Buffer): Crx3 {
  if (file.subarray(0, 4).toString('latin1') !== 'Cr24') throw new Error('not a CRX file (no Cr24 magic)');
  if (file.readUInt32LE(4) !== 3) throw new Error(`CRX version ${file.readUInt32LE(4)}, not 3`);
  const headerSize = file.readUInt32LE(8);
  const header = file.subarray(12, 12 + headerSize);
  const zip = file.subarray(12 + headerSize);
  const proofs: Crx3['proofs'] = [];
  let signedHeaderData: Buffer = Buffer.alloc(0);
  for (const f of fields(header)) {
    if (f.field === 2) {
      const proof: { publicKey: Buffer; signature: Buffer } = {
        publicKey: Buffer.alloc(0),
        signature: Buffer.alloc(0),
      };
      for (const p of fields(f.data)) {
        if (p.field === 1) proof.publicKey = p.data;
        if (p.field === 2) proof.signature = p.data;
      }
      proofs.push(proof);
    } else if (f.field === 10000) {
      signedHeaderData = f.data;
    }
  }
  const crxId = fields(signedHeaderData).find((f) => f.field === 1)?.data ?? Buffer.alloc(0);
  return { proofs, signedHeaderData, crxId, zip };
}

/** The extension id the CRX installs as, after checking its signature; throws when it does not verify. */
export function verifyCrx3(crx: Crx3): string {
  if (crx.crxId.length !== 16) throw new Error('the signed header has no 16-byte crx id');
  const prefix = Buffer.from('CRX3 SignedData\x00', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(crx.signedHeaderData.length);
  const signed = Buffer.concat([prefix, len, crx.signedHeaderData, crx.zip]);
  const developer = crx.proofs.find((p) =>
    createHash('sha256').update(p.publicKey).digest().subarray(0, 16).equals(crx.crxId),
  );
  if (!developer) throw new Error('no RSA proof whose key matches the crx id');
  const key = createPublicKey({ key: developer.publicKey, format: 'der', type: 'spki' });
  if (!verify('sha256', signed, key, developer.signature))
    throw new Error('the RSA signature does not verify');
  return [...crx.crxId.toString('hex')].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}
