import { describe, expect, it } from 'vitest';
import { ed448 } from '@noble/curves/ed448.js';
import { randomBytes } from '../../src/mesh/bytes.ts';
import { MeshError } from '../../src/mesh/errors.ts';
import { publicFromPrivate } from '../../src/mesh/dare/curves.ts';
import { decryptionKey } from '../../src/mesh/dare/recipients.ts';
import { keysByKid, signer } from '../../src/mesh/dare/signature.ts';
import { keyId } from '../../src/mesh/keys.ts';
import { contentMeta, envelopeFromJson } from '../../src/mesh/dare/model.ts';
import { buildEntryFrame, decodeEntry, frameInfo, frameSignedBy, newSharedExchange, SeedCache } from '../../src/mesh/catalog/frame.ts';
import { credentialFields, credentialView, bookmarkFields, bookmarkView, parseSite } from '../../src/mesh/catalog/credential.ts';
import { Catalog } from '../../src/mesh/catalog/index.ts';
import { mergeFields, rebaseEdit } from '../../src/mesh/sync-merge.ts';

function keys() {
  const sp = randomBytes(56);
  const spub = publicFromPrivate('X448', sp);
  const skid = keyId('X448', spub);
  const gp = randomBytes(57);
  const gpub = ed448.getPublicKey(gp);
  const gkid = keyId('Ed448', gpub);
  return {
    write: { recipient: { kid: skid, crv: 'X448' as const, public: spub }, signer: signer('Ed448', gp, gkid) },
    read: { decrypt: [decryptionKey('X448', sp, skid)], signers: keysByKid([{ kid: gkid, crv: 'Ed448', public: gpub }]) },
  };
}

const UID = 'NBXQ-2K7M-QD4R-ZW6T-HJ5E-PA3C-LY7U';
const base = { store: 'Credential', uniqueId: UID, previous: 0, modified: '2025-03-02T09:14:05Z', frameId: 'NDC4-7RTE-WQ2M-KX5H-B3JA-ZP6L-VU4Q', indexHint: 5 };

describe('catalog frames (catalogs.md §7.5)', () => {
  it('builds an encrypted, signed entry frame whose header reveals no user data', async () => {
    const k = keys();
    const fields = { ...credentialFields({ site: 'https://accounts.example.net/signin', username: 'alice.w', password: 'correct horse' }), Uid: UID };
    const json = await buildEntryFrame({ ...base, event: 'New', fields }, k.write);
    const text = JSON.stringify(json);
    for (const s of ['accounts.example.net', 'alice.w', 'correct horse']) expect(text).not.toContain(s);
    const env = envelopeFromJson(json);
    expect(env.header.EnvelopeId).toBe(base.frameId);
    expect(contentMeta(env.header)).toEqual({ UniqueId: UID, Event: 'New', Modified: base.modified });
    expect(env.header.recipients![0].kid).toBe(k.write.recipient.kid);
    const info = frameInfo(json);
    expect(frameSignedBy(info.envelope, k.read.signers)).toBe(true);
    const d = await decodeEntry('Credential', info, k.read);
    expect(credentialView(UID, d.fields!)).toMatchObject({ host: 'accounts.example.net', username: 'alice.w', password: 'correct horse', site: 'https://accounts.example.net/signin' });
    // Another store's key cannot read it; another signer is not accepted.
    await expect(decodeEntry('Credential', info, keys().read)).rejects.toMatchObject({ code: 'decrypt' });
    expect(frameSignedBy(info.envelope, keys().read.signers)).toBe(false);
  });

  it('writes signed tombstones for deletes and carries Previous', async () => {
    const k = keys();
    const json = await buildEntryFrame({ ...base, event: 'Delete', previous: 7 }, k.write);
    const info = frameInfo(json);
    expect(info.previous).toBe(7);
    expect(frameSignedBy(info.envelope, k.read.signers)).toBe(true);
    expect((await decodeEntry('Credential', info, k.read)).fields).toBeNull();
  });

  it('refuses an entry whose key differs from its UniqueId', async () => {
    const k = keys();
    await expect(buildEntryFrame({ ...base, event: 'New', fields: { Uid: 'NOTHER', Service: 'x' } }, k.write)).rejects.toThrow(MeshError);
  });

  it('frames of a batch share one key exchange', async () => {
    const k = keys();
    const shared = await newSharedExchange(k.write.recipient);
    const f1 = frameInfo(await buildEntryFrame({ ...base, event: 'New', fields: { Uid: UID, Service: 'a' } }, k.write, shared));
    const f2 = frameInfo(await buildEntryFrame({ ...base, uniqueId: 'N2', frameId: 'N3', event: 'New', fields: { Uid: 'N2', Service: 'b' } }, k.write, shared));
    expect(f1.envelope.header.recipients).toEqual(f2.envelope.header.recipients);
    expect(f1.envelope.header.Salt).not.toBe(f2.envelope.header.Salt);
    const seeds = new SeedCache();
    await decodeEntry('Credential', f1, k.read, { seeds });
    const viaCache = await decodeEntry('Credential', f2, { ...k.read, decrypt: [] }, { seeds });
    expect(viaCache.fields!.Service).toBe('b');
  });

  it('bookmarks round-trip', () => {
    const f = bookmarkFields({ uri: 'https://x.org/', title: 'X', folder: 'Bar/Work' });
    expect(bookmarkView('U', { ...f, Uid: 'U' })).toEqual({ uniqueId: 'U', uri: 'https://x.org/', title: 'X', folder: 'Bar/Work', comments: undefined });
    expect(parseSite('Example.COM/path')).toEqual({ host: 'example.com' });
  });
});

describe('catalog index and merge', () => {
  it('replays latest-wins by index and indexes hosts', () => {
    const c = new Catalog('Credential');
    c.apply({ uniqueId: 'a', index: 3, event: 'New', fields: { Service: 'Example.com' } });
    c.apply({ uniqueId: 'b', index: 4, event: 'New', fields: { Service: 'other.org' } });
    expect(c.byHost('example.com').map((r) => r.uniqueId)).toEqual(['a']);
    c.apply({ uniqueId: 'a', index: 2, event: 'Update', fields: { Service: 'stale.com' } });
    expect(c.get('a')!.fields!.Service).toBe('Example.com');
    c.apply({ uniqueId: 'a', index: 5, event: 'Delete', fields: null });
    expect(c.live().map((r) => r.uniqueId)).toEqual(['b']);
    expect(c.byHost('example.com')).toEqual([]);
  });

  it('merges disjoint changes, flags same-field ones, unions lists', () => {
    const b = { Username: 'u', Password: 'p', Comments: ['x'] };
    expect(mergeFields(b, { ...b, Username: 'u2' }, { ...b, Password: 'p2' })).toEqual({ merged: { Username: 'u2', Password: 'p2', Comments: ['x'] } });
    expect(mergeFields(b, { ...b, Password: 'A' }, { ...b, Password: 'B' })).toEqual({ conflicts: ['Password'] });
    expect(mergeFields(b, { ...b, Comments: ['x', 'y'] }, { ...b, Comments: ['x', 'z'] })).toEqual({ merged: { ...b, Comments: ['x', 'y', 'z'] } });
    expect(mergeFields(null, { Password: 'A' }, { Password: 'B' })).toEqual({ conflicts: ['Password'] });
    expect(rebaseEdit('Update', { ...b, Password: 'p2' }, b, 'Update', { ...b, Password: 'p2' })).toEqual({ kind: 'drop' });
    expect(rebaseEdit('Delete', null, b, 'Delete', null).kind).toBe('drop');
  });
});

describe('unsigned header fields', () => {
  it('a frame whose Event was rewritten to Delete is refused', async () => {
    const k = keys();
    const json = await buildEntryFrame({ ...base, event: 'Update', previous: 3, fields: { Uid: UID, Service: 'a' } }, k.write);
    const h = json[0] as Record<string, unknown>;
    h.ContentMetaData = Buffer.from(JSON.stringify({ UniqueId: UID, Event: 'Delete' })).toString('base64url');
    await expect(decodeEntry('Credential', frameInfo(json), k.read)).rejects.toThrow(/does not match its payload/);
  });
});
