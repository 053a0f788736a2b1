// Between import records and the Credential catalog's browser-side view (src/mesh/catalog/credential.ts).
import { credentialFields, credentialView, type CredentialInput, type CredentialView } from '../mesh/catalog/credential.ts';
import type { EntryFields } from '../mesh/catalog/entries.ts';
import type { EditInput } from '../mesh/sync.ts';
import type { ExistingCredential, ImportPlan } from './plan.ts';
import type { ImportRecord } from './types.ts';

/** What credentialFields() needs to store an imported record: the first URL is the site, the rest ride along. */
export function toCredentialInput(r: ImportRecord): CredentialInput {
  const input: CredentialInput = { site: r.urls[0] ?? '', username: r.username, password: r.password };
  if (r.title) input.title = r.title;
  if (r.notes) input.notes = r.notes;
  if (r.totp) input.totp = r.totp;
  if (r.folder) input.folder = r.folder;
  if (r.urls.length > 1) input.urls = r.urls.slice(1);
  return input;
}

export function existingFromView(v: CredentialView): ExistingCredential {
  const urls = [v.site, ...(v.urls ?? [])].filter((u) => u !== '');
  return { id: v.uniqueId, urls, username: v.username, title: v.title };
}

/** A live catalog credential (its UniqueId and CatalogedCredential fields), as planImport matches it. */
export function existingFromCatalog(uniqueId: string, fields: EntryFields): ExistingCredential {
  return existingFromView(credentialView(uniqueId, fields));
}

const REPLACED_FIELDS = ['Protocol', 'Service', 'Username', 'Password', 'LocalName', 'Path', 'Description'];

/**
 * The catalog edits of a plan, to queue in ONE call (src/mesh/sync.ts queueEdits) so the import is
 * one commit. A replaced entry takes every field of the imported record (an empty note clears the
 * old one); what the import cannot know (its Uid, match mode, key lists) is kept.
 */
export function editsForPlan(plan: ImportPlan, current: (uniqueId: string) => EntryFields | undefined): EditInput[] {
  const edits: EditInput[] = plan.adds.map((r) => ({ event: 'New', fields: credentialFields(toCredentialInput(r)) }));
  for (const { id, record } of plan.updates) {
    const cur = current(id);
    if (!cur) {
      edits.push({ event: 'New', fields: credentialFields(toCredentialInput(record)) });
      continue;
    }
    const view = credentialView(id, cur);
    const next = credentialFields({ ...view, ...toCredentialInput(record), title: record.title, notes: record.notes, totp: record.totp, folder: record.folder, urls: record.urls.slice(1) });
    const fields: EntryFields = { ...cur };
    for (const k of REPLACED_FIELDS) delete fields[k];
    edits.push({ uniqueId: id, event: 'Update', fields: { ...fields, ...next, Uid: cur.Uid ?? id } });
  }
  return edits;
}
