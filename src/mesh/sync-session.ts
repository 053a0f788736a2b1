// A connected device's working session: the protocol client, one replica per synced store and the
// catalog operations the CLI and the extension share (add/find/delete credentials, bookmarks).
import { MeshError } from './errors.ts';
import type { MeshClient, MeshClientOptions } from './client.ts';
import { deviceClient, storeKeys, syncedStores, type DeviceState } from './device.ts';
import { queueEdit, queueEdits, StoreReplica, syncStores, type SyncOptions, type SyncReport, type SyncStoreKeys } from './sync.ts';
import type { PendingEdit, SyncLocal } from './sync-local.ts';
import { bookmarkFields, bookmarkView, credentialFields, credentialView, parseSite, type BookmarkInput, type CredentialInput, type CredentialView } from './catalog/credential.ts';
import type { CatalogRecord } from './catalog/index.ts';
import { baseDomainOfHost } from './match.ts';
import { reinstallDevice } from './connect.ts';

export interface SessionOptions {
  client?: MeshClient;
  clientOptions?: Partial<MeshClientOptions>;
  stores?: string[];
  sync?: Partial<Pick<SyncOptions, 'pageSize' | 'checkpointEvery' | 'batchSize' | 'maxRounds'>>;
  /** Called when the session changed the device state (persist it). */
  onStateChange?: (state: DeviceState) => void | Promise<void>;
}

export class MeshSession {
  readonly replicas = new Map<string, StoreReplica>();
  readonly keys: Record<string, SyncStoreKeys> = {};

  private constructor(
    readonly state: DeviceState,
    readonly local: SyncLocal,
    readonly client: MeshClient,
    private readonly opts: SessionOptions,
  ) {}

  static async open(state: DeviceState, local: SyncLocal, opts: SessionOptions = {}): Promise<MeshSession> {
    const s = new MeshSession(state, local, opts.client ?? deviceClient(state, opts.clientOptions), opts);
    for (const store of opts.stores ?? syncedStores(state)) {
      s.keys[store] = storeKeys(state, store);
      s.replicas.set(store, await StoreReplica.open(local, store, s.keys[store].read));
    }
    return s;
  }

  replica(store: string): StoreReplica {
    const r = this.replicas.get(store);
    if (!r) throw new MeshError('not-found', `this device does not sync store ${store}`);
    return r;
  }

  /** Two-way sync of every store (or the given ones). */
  async sync(stores?: string[]): Promise<SyncReport> {
    const replicas = stores ? stores.map((s) => this.replica(s)) : [...this.replicas.values()];
    const a = this.state.account!;
    const device = { deviceUdf: this.state.device.udf, catalogedDeviceDigest: a.catalogedDeviceDigest };
    const report = await syncStores({ transport: this.client, local: this.local, replicas, keys: this.keys, device, ...this.opts.sync });
    if (report.catalogedDeviceDigest && report.catalogedDeviceDigest !== a.catalogedDeviceDigest) {
      if (report.envelopedCatalogedDevice) {
        // Re-configured (or the first Status after connecting): install the verified record.
        const next = await reinstallDevice(this.state.device, a, report.envelopedCatalogedDevice);
        this.state.account = { ...next, catalogedDeviceDigest: report.catalogedDeviceDigest };
      } else a.catalogedDeviceDigest = report.catalogedDeviceDigest;
      await this.opts.onStateChange?.(this.state);
    }
    return report;
  }

  // -------------------------------------------------------------- credentials

  async addCredential(input: CredentialInput): Promise<PendingEdit> {
    return queueEdit(this.local, this.replica('Credential'), { event: 'New', fields: credentialFields(input) });
  }

  /** Queues many credentials; the next sync sends them in batches under one key exchange each. */
  async addCredentials(inputs: CredentialInput[]): Promise<PendingEdit[]> {
    return queueEdits(this.local, this.replica('Credential'), inputs.map((i) => ({ event: 'New' as const, fields: credentialFields(i) })));
  }

  async updateCredential(uniqueId: string, changes: Partial<CredentialInput>): Promise<PendingEdit> {
    const r = this.replica('Credential');
    const cur = r.current(uniqueId);
    if (!cur?.fields) throw new MeshError('not-found', `no credential ${uniqueId}`);
    const merged = { ...credentialView(uniqueId, cur.fields), ...changes };
    const fields = { ...cur.fields, ...credentialFields(merged), Uid: cur.fields.Uid ?? uniqueId };
    return queueEdit(this.local, r, { uniqueId, event: 'Update', fields });
  }

  async deleteEntry(store: string, uniqueId: string): Promise<PendingEdit> {
    return queueEdit(this.local, this.replica(store), { uniqueId, event: 'Delete' });
  }

  credentials(): CredentialView[] {
    return this.replica('Credential')
      .view()
      .filter((r): r is CatalogRecord & { fields: NonNullable<CatalogRecord['fields']> } => !!r.fields)
      .map((r) => credentialView(r.uniqueId, r.fields, r.modified))
      .sort((a, b) => a.host.localeCompare(b.host) || a.username.localeCompare(b.username));
  }

  /** Credentials for a site, matched on the device by base domain (decision 6). */
  findCredentials(site: string): CredentialView[] {
    const host = parseSite(site).host.replace(/:\d+$/, '');
    const want = baseDomainOfHost(host) ?? host;
    return this.credentials().filter((c) => {
      const h = c.host.replace(/:\d+$/, '');
      return h === host || (baseDomainOfHost(h) ?? h) === want;
    });
  }

  // -------------------------------------------------------------- bookmarks

  async addBookmark(b: BookmarkInput): Promise<PendingEdit> {
    return queueEdit(this.local, this.replica('Bookmark'), { event: 'New', fields: bookmarkFields(b) });
  }

  bookmarks(): (BookmarkInput & { uniqueId: string })[] {
    return this.replica('Bookmark')
      .view()
      .filter((r) => r.fields)
      .map((r) => bookmarkView(r.uniqueId, r.fields!));
  }
}
