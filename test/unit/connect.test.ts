import { describe, expect, it } from 'vitest';
import { createAccountProfile, createDeviceProfile, newAccountSeed, readProfileUser } from '../../src/mesh/profile.ts';
import {
  acceptDevice, buildConnectionRequest, checkAcknowledgement, connectUri, checkPin, completeConnection, newPin, parseConnectUri, pinMessage, readSpools, respondConnection,
  makeId, RESPONSE_ID_TYPE, type PendingConnection,
} from '../../src/mesh/connect.ts';
import { storeKeys, type DeviceState } from '../../src/mesh/device.ts';
import { connectionWitness, ENVELOPE_ID_TYPE } from '../../src/mesh/protocol/fingerprints.ts';
import { readProfile, toEnvelopeJson } from '../../src/mesh/protocol/objects.ts';
import { createEnvelope } from '../../src/mesh/dare/envelope.ts';
import { randomBytes, toBase64Url, utf8 } from '../../src/mesh/bytes.ts';
import { MemorySyncLocal, StoreReplica, queueEdit, syncStores } from '../../src/mesh/sync.ts';
import { buildStoreHeaderFrame } from '../../src/mesh/catalog/frame.ts';
import { FakeService } from './sync-fake.ts';

const ADDRESS = 'alice@example.com';

async function account() {
  const seed = newAccountSeed();
  const { envelope, udf } = await createAccountProfile(seed, ADDRESS);
  return { ctx: { accountSeed: seed, profileUser: envelope }, udf };
}

/** Plays the service's part of Connect: the acknowledgement with a witness. */
async function acknowledge(requestEnv: unknown, accountProfile: unknown, deviceProfile: unknown, clientNonce: Uint8Array) {
  const serverNonce = randomBytes(16);
  const acc = readProfile(accountProfile, 'ProfileUser');
  const dev = readProfile(deviceProfile, 'ProfileDevice');
  const witness = connectionWitness(acc.udfBytes, serverNonce, dev.udfBytes, clientNonce);
  const ack = { AcknowledgeConnection: { EnvelopedRequestConnection: requestEnv, ServerNonce: toBase64Url(serverNonce), Witness: witness, MessageId: witness } };
  return toEnvelopeJson(await createEnvelope(utf8(JSON.stringify(ack)), { digest: true, header: { EnvelopeId: makeId(witness, ENVELOPE_ID_TYPE) } }));
}

describe('connect', () => {
  it('accepts a device by PIN: proof checked, keys combined, grants usable for sync', async () => {
    const { ctx, udf } = await account();
    const device = await createDeviceProfile({ description: 'laptop' });
    const pin = newPin();
    expect(pin).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}-[A-Z2-7]{2}$/);
    expect(parseConnectUri(`mcd://${ADDRESS}/${pin}`)).toEqual({ account: ADDRESS, pin });
    expect(parseConnectUri(connectUri(ADDRESS, pin, udf))).toEqual({ account: ADDRESS, pin, accountUdf: udf });
    expect(parseConnectUri('https://example.com/x')).toBeUndefined();
    const { envelope: pinEnv } = await pinMessage(ctx, ADDRESS, pin, { expires: new Date(Date.now() + 3600_000), roles: ['web'] });
    const req = await buildConnectionRequest(device.envelope, ADDRESS, pin);
    const ack = await acknowledge(req.envelope, ctx.profileUser, device.envelope, req.clientNonce);
    const pending: PendingConnection = checkAcknowledgement(ack, ctx.profileUser, req, readProfile(device.envelope).udfBytes, ADDRESS);
    expect(pending.accountUdf).toBe(udf);
    // Administrator: sees the request, validates the PIN, accepts with the PIN's roles.
    const spools = await readSpools(ctx, [ack], [pinEnv]);
    expect(spools.requests).toHaveLength(1);
    expect(spools.requests[0].witness).toBe(pending.witness);
    const check = checkPin(spools.requests[0], spools.pins, ADDRESS);
    expect(check.result).toBe('ok');
    expect(checkPin(spools.requests[0], spools.pins, ADDRESS, new Date(Date.now() + 2 * 3600_000)).result).toBe('Expired');
    const closed = new Map([...spools.pins].map(([k, v]) => [k, { ...v, closed: true }]));
    expect(checkPin(spools.requests[0], closed, ADDRESS).result).toBe('PinInvalid');
    // A wrong PIN fails the proof.
    const wrong = await buildConnectionRequest(device.envelope, ADDRESS, newPin());
    const wrongAck = await acknowledge(wrong.envelope, ctx.profileUser, device.envelope, wrong.clientNonce);
    const ws = await readSpools(ctx, [wrongAck], [pinEnv]);
    expect(checkPin(ws.requests[0], ws.pins, ADDRESS).result).toBe('PinInvalid');

    const accepted = await acceptDevice(ctx, device.envelope, ['web']);
    const respond = await respondConnection(device.envelope, pending.responseId, 'Accept', accepted.catalogedDevice);
    const binding = await completeConnection({ seed: device.seed, profile: device.envelope }, pending, respond);
    if ('pending' in binding) throw new Error('pending');
    expect(binding.accountUdf).toBe(udf);
    expect(binding.keys.authentication.combined).toBe(true);
    expect(binding.keys.authentication.kid).toBe(accepted.capabilityId);
    expect(Object.keys(binding.keys.stores).sort()).toEqual(['Application', 'Bookmark', 'Contact', 'Credential', 'Network', 'Publication', 'Task']);
    expect(binding.keys.adminSignature.private).toBeUndefined();
    expect(binding.roles).toEqual(['web']);

    // The granted keys write frames another device (the admin, from the seed) reads.
    const state: DeviceState = { version: 1, device: { seed: device.seed, profile: device.envelope, udf: device.udf }, account: { ...binding, address: ADDRESS } };
    const service = new FakeService();
    service.createStore('Credential', buildStoreHeaderFrame('NAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA', {}));
    const keys = storeKeys(state, 'Credential');
    const local = new MemorySyncLocal();
    const replica = await StoreReplica.open(local, 'Credential', keys.read);
    await queueEdit(local, replica, { event: 'New', fields: { Service: 'example.com', Username: 'u', Password: 'p' } });
    await syncStores({ transport: service.transport(), local, replicas: [replica], keys: { Credential: keys } });
    expect(replica.catalog.live()).toHaveLength(1);
    expect(readProfileUser(binding.profileUser).udf).toBe(udf);
  });

  it('refuses a response for another account or a rejected request', async () => {
    const { ctx } = await account();
    const other = await account();
    const device = await createDeviceProfile();
    const req = await buildConnectionRequest(device.envelope, ADDRESS);
    const ack = await acknowledge(req.envelope, ctx.profileUser, device.envelope, req.clientNonce);
    const pending = checkAcknowledgement(ack, ctx.profileUser, req, readProfile(device.envelope).udfBytes, ADDRESS);
    const rejected = await respondConnection(device.envelope, pending.responseId, 'Reject');
    await expect(completeConnection({ seed: device.seed, profile: device.envelope }, pending, rejected)).rejects.toThrow(/rejected/);
    // A hostile service's account "accepts" the device: the account UDF differs from the pinned one.
    const forged = await acceptDevice(other.ctx, device.envelope, ['web']);
    const respond = await respondConnection(device.envelope, pending.responseId, 'Accept', forged.catalogedDevice);
    await expect(completeConnection({ seed: device.seed, profile: device.envelope }, pending, respond)).rejects.toThrow(/not the one confirmed/);
    // A witness that does not match the nonces is refused on the device.
    const badAck = await acknowledge(req.envelope, other.ctx.profileUser, device.envelope, randomBytes(16));
    expect(() => checkAcknowledgement(badAck, other.ctx.profileUser, req, readProfile(device.envelope).udfBytes, ADDRESS)).toThrow(/verification code/);
    expect(makeId(pending.witness, RESPONSE_ID_TYPE)).toBe(pending.responseId);
  });
});
