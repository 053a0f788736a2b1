import { describe, expect, it } from 'vitest';
import {
  accountKeysFromSeed, createAccountProfile, createDeviceProfile, deviceKeysFromSeed, keyData, newAccountSeed, readKeyRecord, readProfileDevice, readProfileUser,
  storeKeyFromSeed,
} from '../../src/mesh/profile.ts';
import { accountUdfOfSeed, escrowAccountSeed, recoverAccountSeed } from '../../src/mesh/recovery.ts';
import { parseDeviceState, serializeDeviceState, DEVICE_STATE_VERSION } from '../../src/mesh/device.ts';
import { MeshError } from '../../src/mesh/errors.ts';

describe('profiles', () => {
  it('a device profile is self-signed by its root key and carries its base keys', async () => {
    const d = await createDeviceProfile({ description: 'phone' });
    const v = readProfileDevice(d.envelope);
    expect(v.udf).toBe(d.udf);
    expect(v.udf).toMatch(/^M[A-Z2-7]{3}(-[A-Z2-7]{4}){6}$/);
    expect(v.encryption.public).toBe(d.keys.encrypt.public);
    expect(v.description).toBe('phone');
    // Same seed, same keys and UDF.
    const again = await createDeviceProfile({ seed: d.seed, description: 'phone' });
    expect(again.udf).toBe(d.udf);
    expect(deviceKeysFromSeed(d.seed).authenticate.kid).toBe(d.keys.authenticate.kid);
  });

  it('rejects a profile whose body was altered', async () => {
    const d = await createDeviceProfile();
    const env = structuredClone(d.envelope);
    env[1] = env[1].slice(0, 10) + (env[1][10] === 'A' ? 'B' : 'A') + env[1].slice(11);
    expect(() => readProfileDevice(env)).toThrow(MeshError);
  });

  it('an account profile names the account keys the seed derives', async () => {
    const seed = newAccountSeed();
    const { envelope, udf } = await createAccountProfile(seed, 'bob@example.com');
    const v = readProfileUser(envelope);
    const k = accountKeysFromSeed(seed);
    expect(v.udf).toBe(udf);
    expect(v.address).toBe('bob@example.com');
    expect(v.adminSignature.public).toBe(k.adminSign.public);
    expect(v.commonSignature.kid).toBe(k.sign.kid);
    expect(v.commonEncryption.private).toBeUndefined();
    expect(accountUdfOfSeed(seed)).toBe(udf);
    expect(storeKeyFromSeed(seed, 'Credential').kid).not.toBe(storeKeyFromSeed(seed, 'Bookmark').kid);
  });

  it('KeyData round-trips with private parameters, which must match the public key', () => {
    const k = storeKeyFromSeed(newAccountSeed(), 'Credential');
    expect(readKeyRecord(keyData(k, true))).toEqual(k);
    const other = storeKeyFromSeed(newAccountSeed(), 'Credential');
    const mixed = { ...keyData(k), PrivateParameters: (keyData(other, true) as { PrivateParameters: unknown }).PrivateParameters };
    expect(() => readKeyRecord(mixed)).toThrow(/does not match/);
  });

  it('escrow shares restore the account seed from any quorum, not fewer', () => {
    const seed = newAccountSeed();
    const e = escrowAccountSeed(seed, 5, 3);
    expect(e.shares).toHaveLength(5);
    expect(recoverAccountSeed([e.shares[4], e.shares[1], e.shares[2]])).toBe(seed);
    expect(recoverAccountSeed([e.shares[0], e.shares[3], e.shares[2]])).toBe(seed);
    let fewer: string | undefined;
    try {
      fewer = recoverAccountSeed([e.shares[0], e.shares[1]]);
    } catch (err) {
      expect(err).toBeInstanceOf(MeshError);
    }
    expect(fewer).not.toBe(seed);
  });

  it('device state serialises and refuses foreign files', async () => {
    const d = await createDeviceProfile();
    const s = { version: DEVICE_STATE_VERSION, device: { seed: d.seed, profile: d.envelope, udf: d.udf } };
    expect(parseDeviceState(serializeDeviceState(s))).toEqual(s);
    expect(() => parseDeviceState('{"version":99}')).toThrow(MeshError);
    expect(() => parseDeviceState('not json')).toThrow(MeshError);
  });
});
