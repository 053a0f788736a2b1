// Import (a full page: file pickers close the Firefox popup). Pick a file → detected format and counts →
// duplicates against the vault (skip, replace or keep both) → one batch. Parsing runs here with E's
// importers; the worker only receives the entries to add.
import { useMemo, useState } from 'preact/hooks';
import { importFile, planImport, toCredentialInput, type DuplicatePolicy, type ImportRecord, type ImportReport } from '../import/index.ts';
import type { ImportExisting } from '../shared/messages.ts';
import type { PageApi } from './api.ts';
import { errorText } from './App.tsx';
import { t } from './i18n.ts';

interface Loaded {
  name: string;
  records: ImportRecord[];
  report: ImportReport;
  existing: ImportExisting[];
}

export function ImportPage({ api }: { api: PageApi }) {
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [policy, setPolicy] = useState<DuplicatePolicy>('skip');
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const pick = async (file: File | undefined) => {
    if (!file) return;
    setError('');
    setDone('');
    // The vault's entries (for duplicates) are fetched while the file is parsed.
    const existing = api.call('import-existing', {});
    existing.catch(() => undefined);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const outcome = importFile({ bytes, name: file.name });
      if (outcome.kind === 'needs-mapping') {
        const again = importFile({ bytes, name: file.name }, { mapping: outcome.suggested });
        if (again.kind !== 'records') throw new Error(t('importNeedsMapping'));
        setLoaded({ name: file.name, records: again.records, report: again.report, existing: await existing });
      } else setLoaded({ name: file.name, records: outcome.records, report: outcome.report, existing: await existing });
    } catch (e) {
      setLoaded(undefined);
      setError(errorText(e));
    }
  };

  const plan = useMemo(() => (loaded ? planImport(loaded.records, loaded.existing, policy) : undefined), [loaded, policy]);
  const run = async () => {
    if (!plan) return;
    setBusy(true);
    try {
      const r = await api.call('import-batch', {
        adds: plan.adds.map(toCredentialInput),
        updates: plan.updates.map((u) => ({ id: u.id, input: toCredentialInput(u.record) })),
      });
      setDone(t('importDone', r.added, r.updated));
      setLoaded(undefined);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const skipped = loaded ? Object.values(loaded.report.counts.skipped).reduce((a, b) => a + b, 0) : 0;
  return (
    <main>
      <h1>{t('importTitle')}</h1>
      <p class="muted">{t('importHelp')}</p>
      <label for="file">{t('importPick')}</label>
      <input id="file" type="file" accept=".csv,.json,.xml,.zip,.1pux,.txt" onChange={(e) => void pick(e.currentTarget.files?.[0])} />
      <p role="alert" class="error">{error}</p>
      <p role="status" class="notice" data-testid="import-done">{done}</p>
      {loaded && plan && (
        <section class="settings" aria-labelledby="preview">
          <h2 id="preview">{t('importPreview', loaded.name)}</h2>
          <p data-testid="import-format">{t('importFormat', loaded.report.formatLabel)}</p>
          <p>{t('importCounts', loaded.records.length, skipped, loaded.report.counts.errors)}</p>
          {loaded.report.warnings.length > 0 && (
            <ul class="muted">{loaded.report.warnings.slice(0, 20).map((w, i) => <li key={i}>{w}</li>)}</ul>
          )}
          <p>{t('importDuplicates', plan.duplicates.length)}</p>
          {plan.duplicates.length > 0 && (
            <fieldset>
              <legend>{t('importDuplicatePolicy')}</legend>
              {(['skip', 'replace', 'keep-both'] as const).map((p) => (
                <label class="check" key={p}>
                  <input type="radio" name="policy" checked={policy === p} onChange={() => setPolicy(p)} /> {t(`importPolicy_${p.replace('-', '_')}`)}
                </label>
              ))}
            </fieldset>
          )}
          <button class="primary" disabled={busy || plan.adds.length + plan.updates.length === 0} onClick={run}>
            {t('importRun', plan.adds.length, plan.updates.length)}
          </button>
        </section>
      )}
    </main>
  );
}
