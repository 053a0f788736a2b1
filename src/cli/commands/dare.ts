// `mesh dare …`: DARE envelopes from the command line.
//
// KEYFILE format (written by `mesh dare keygen`): UTF-8 JSON
//   {"kid": "<key fingerprint, udf.md §6>", "crv": "X448"|"Ed448"|"X25519"|"Ed25519",
//    "Public": "<base64url, Mesh form>", "Private": "<base64url, JSON Private form>"}
// "Private" is absent in the public half (`--public FILE`), which is enough to encrypt to or to
// verify with. X448/X25519 keys encrypt, Ed448/Ed25519 keys sign.
import { readFile, writeFile } from 'node:fs/promises';
import { CliError, option, requirePositional, type Command, type ParsedArgs } from '../framework.ts';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../../mesh/bytes.ts';
import { generateKeyPair, isCurve, keyId, privateKey, publicKeyOf, validatePublicKey, type Curve } from '../../mesh/keys.ts';
import {
  createEnvelope, decodeEnvelope, decryptionKey, encodeEnvelopeJson, encodeEnvelopeJsonb, keysByKid, openEnvelope, signer,
  verifyEnvelopeSignatures, type SignatureResult, type VerificationKey,
} from '../../mesh/dare/index.ts';

export interface KeyFile {
  kid: string;
  crv: Curve;
  public: Uint8Array;
  private?: Uint8Array;
}

export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function writeBytes(file: string, data: Uint8Array): Promise<void> {
  try {
    await writeFile(file, data, { mode: 0o600 });
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Reads and checks a KEYFILE (see the format above). */
export async function readKeyFile(file: string): Promise<KeyFile> {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(fromUtf8(await readBytes(file)));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file} is not a key file (JSON expected)`);
  }
  if (!v || typeof v !== 'object' || !isCurve(v.crv) || (typeof v.Public !== 'string' && typeof v.Private !== 'string')) {
    throw new CliError(`${file} is not a key file: need "crv" and "Public" or "Private"`);
  }
  const crv = v.crv;
  const priv = typeof v.Private === 'string' ? privateKey(crv, fromBase64Url(v.Private)) : undefined;
  const pub = priv ? publicKeyOf(priv) : fromBase64Url(v.Public as string);
  validatePublicKey(crv, pub);
  if (priv && typeof v.Public === 'string' && toBase64Url(pub) !== v.Public) throw new CliError(`${file}: Public does not match Private`);
  const kid = keyId(crv, pub);
  if (typeof v.kid === 'string' && v.kid !== kid) throw new CliError(`${file}: kid does not match the key`);
  return { kid, crv, public: pub, private: priv?.secret };
}

const keyFileJson = (k: KeyFile, withPrivate: boolean) =>
  JSON.stringify({ kid: k.kid, crv: k.crv, Public: toBase64Url(k.public), ...(withPrivate && k.private ? { Private: toBase64Url(k.private) } : {}) }, null, 2) + '\n';

const isSigning = (crv: Curve) => crv === 'Ed448' || crv === 'Ed25519';

function list(args: ParsedArgs, name: string): string[] {
  const v = option(args, name);
  return v === undefined ? [] : v.split(',').filter(Boolean);
}

function describeSignatures(sigs: SignatureResult[]): string[] {
  return sigs.map((s) => `signature ${s.kid ?? '(no kid)'} ${s.alg ?? ''}: ${s.valid === true ? 'valid' : s.valid === false ? 'INVALID' : 'not checked (unknown key)'}`);
}

export const commands: Command[] = [
  {
    path: ['dare', 'keygen'],
    usage: 'mesh dare keygen --out KEYFILE [--curve X448|Ed448|X25519|Ed25519] [--public PUBFILE]',
    summary: 'make a key file: X448 (default) to encrypt to, Ed448 to sign with',
    valueOptions: ['out', 'curve', 'public'],
    async run(args) {
      const out = option(args, 'out');
      if (!out) throw new CliError('option --out is required');
      const crv = option(args, 'curve') ?? 'X448';
      if (!isCurve(crv)) throw new CliError(`unknown curve ${crv} (X448, Ed448, X25519, Ed25519)`);
      const pair = generateKeyPair(crv);
      const k: KeyFile = { kid: keyId(crv, pair.publicKey), crv, public: pair.publicKey, private: pair.privateKey.secret };
      await writeBytes(out, utf8(keyFileJson(k, true)));
      const pub = option(args, 'public');
      if (pub) await writeBytes(pub, utf8(keyFileJson(k, false)));
      return { kid: k.kid, crv, out, ...(pub ? { public: pub } : {}) };
    },
    human: (r) => `${(r as { crv: string }).crv} key ${(r as { kid: string }).kid} written to ${(r as { out: string }).out}`,
  },
  {
    path: ['dare', 'encode'],
    usage: 'mesh dare encode FILE --out OUT [--encrypt KEYFILE[,KEYFILE…]] [--sign KEYFILE] [--jsonb] [--cty TYPE]',
    summary: 'wrap a file in a DARE envelope, optionally encrypted to keys and signed',
    valueOptions: ['out', 'encrypt', 'sign', 'cty'],
    async run(args) {
      const file = requirePositional(args, 0, 'FILE');
      const out = option(args, 'out');
      if (!out) throw new CliError('option --out is required');
      const payload = await readBytes(file);
      const recipients = [];
      for (const f of list(args, 'encrypt')) {
        const k = await readKeyFile(f);
        recipients.push({ kid: k.kid, crv: k.crv, public: k.public });
      }
      const signers = [];
      for (const f of list(args, 'sign')) {
        const k = await readKeyFile(f);
        if (!k.private) throw new CliError(`${f} has no private key to sign with`);
        if (!isSigning(k.crv)) throw new CliError(`${f} holds a ${k.crv} key, which cannot sign (use Ed448)`);
        signers.push(signer(k.crv as 'Ed448' | 'Ed25519', k.private, k.kid));
      }
      const cty = option(args, 'cty');
      const env = await createEnvelope(payload, { recipients, signers, digest: true, bindHeader: true, ...(cty ? { contentMeta: { cty } } : {}) });
      const bytes = args.options.jsonb ? encodeEnvelopeJsonb(env) : encodeEnvelopeJson(env);
      await writeBytes(out, bytes);
      return { out, bytes: bytes.length, encrypted: recipients.length > 0, recipients: recipients.map((r) => r.kid), signers: signers.map((s) => s.kid) };
    },
    human: (r) => {
      const x = r as { out: string; bytes: number; encrypted: boolean; signers: string[] };
      return `wrote ${x.out} (${x.bytes} octets${x.encrypted ? ', encrypted' : ''}${x.signers.length ? ', signed' : ''})`;
    },
  },
  {
    path: ['dare', 'decode'],
    usage: 'mesh dare decode FILE [--out OUT] [--key KEYFILE[,KEYFILE…]]',
    summary: 'check and open a DARE envelope; decrypts with the keys given; payload to OUT or stdout',
    valueOptions: ['out', 'key'],
    async run(args) {
      const file = requirePositional(args, 0, 'FILE');
      const env = decodeEnvelope(await readBytes(file));
      const keys = await Promise.all(list(args, 'key').map(readKeyFile));
      const verifying: Array<VerificationKey & { kid: string }> = keys.filter((k) => isSigning(k.crv)).map((k) => ({ kid: k.kid, crv: k.crv, public: k.public }));
      const decrypting = keys.filter((k) => k.private && !isSigning(k.crv)).map((k) => decryptionKey(k.crv, k.private!, k.kid));
      const opened = await openEnvelope(env, { keys: decrypting, verifyKeys: keysByKid(verifying) });
      const out = option(args, 'out');
      if (out) await writeBytes(out, opened.payload);
      return {
        ...(out ? { out } : { payload: toBase64Url(opened.payload) }),
        bytes: opened.payload.length,
        encrypted: opened.encrypted,
        signatures: opened.signatures,
        ...(opened.contentMeta ? { contentMeta: opened.contentMeta } : {}),
        annotations: opened.annotations.length,
      };
    },
    human: (r) => {
      const x = r as { out?: string; payload?: string; bytes: number; signatures: SignatureResult[] };
      if (x.out) return [`wrote ${x.out} (${x.bytes} octets)`, ...describeSignatures(x.signatures)].join('\n');
      return fromUtf8Loose(fromBase64Url(x.payload!));
    },
  },
  {
    path: ['dare', 'verify'],
    usage: 'mesh dare verify FILE [--key KEYFILE[,KEYFILE…]]',
    summary: 'check an envelope\'s payload digest and signatures (keys by file, or the envelope\'s own SignatureKey)',
    valueOptions: ['key'],
    async run(args) {
      const file = requirePositional(args, 0, 'FILE');
      const env = decodeEnvelope(await readBytes(file));
      const keys = (await Promise.all(list(args, 'key').map(readKeyFile))).filter((k) => isSigning(k.crv));
      // Without --key, a signature can only be checked against the key it carries itself (self-signed objects).
      const embedded = keys.length === 0;
      const sigs = verifyEnvelopeSignatures(env, keysByKid(keys.map((k) => ({ kid: k.kid, crv: k.crv, public: k.public }))), embedded);
      const bad = sigs.filter((s) => s.valid === false);
      if (bad.length) throw new CliError(`${file}: signature by ${bad[0].kid ?? 'an unnamed key'} does not verify`);
      if (sigs.length === 0) throw new CliError(`${file}: the envelope is not signed (payload digest ${env.trailer?.PayloadDigest || env.header.PayloadDigest ? 'matches' : 'absent'})`);
      if (!sigs.some((s) => s.valid)) throw new CliError(`${file}: no signature could be checked; give the signer's key with --key`);
      return { file, valid: true, signatures: sigs, keys: embedded ? 'embedded in the envelope (self-signed only)' : 'given' };
    },
    human: (r) => [`${(r as { file: string }).file}: valid`, ...describeSignatures((r as { signatures: SignatureResult[] }).signatures)].join('\n'),
  },
];

function fromUtf8Loose(b: Uint8Array): string {
  try {
    return fromUtf8(b);
  } catch {
    throw new CliError('the payload is not text; use --out FILE');
  }
}
