// Conflicts: the same entry changed on two devices. Per entry the user keeps one version or picks
// field by field; the choice syncs to every device.
import { useEffect, useState } from 'preact/hooks';
import type { ConflictChoice, ConflictView } from '../shared/messages.ts';
import type { PopupEnv } from './App.tsx';
import { errorText } from './App.tsx';
import { t } from './i18n.ts';

const HIDDEN = new Set(['Password']);

export function Conflicts({ env, onChange }: { env: PopupEnv; onChange: () => void }) {
  const [list, setList] = useState<ConflictView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async () => setList(await env.api.call('conflicts', {}));
  useEffect(() => void load(), [env]);
  if (!list) return <p class="muted">{t('loading')}</p>;
  if (!list.length) return <p class="muted">{t('noConflicts')}</p>;
  return (
    <section aria-label={t('conflictsTitle')}>
      <p role="alert" class="error">{error}</p>
      {list.map((c) => (
        <ConflictCard
          key={`${c.store}:${c.id}`}
          c={c}
          onResolve={async (choice) => {
            try {
              await env.api.call('conflict-resolve', { id: c.id, store: c.store, choice });
              await load();
              onChange();
            } catch (e) {
              setError(errorText(e));
            }
          }}
        />
      ))}
    </section>
  );
}

function ConflictCard({ c, onResolve }: { c: ConflictView; onResolve: (choice: ConflictChoice) => void }) {
  const names = [...new Set([...Object.keys(c.mine ?? {}), ...Object.keys(c.theirs ?? {})])].filter((k) => (c.mine ?? {})[k] !== (c.theirs ?? {})[k]);
  const [pick, setPick] = useState<Record<string, 'mine' | 'theirs'>>(Object.fromEntries(names.map((k) => [k, 'mine'])));
  const [reveal, setReveal] = useState(false);
  const show = (k: string, v: string | undefined) => (v === undefined ? '—' : HIDDEN.has(k) && !reveal ? '••••••' : v);
  const title = c.mine?.LocalName ?? c.theirs?.LocalName ?? c.mine?.Service ?? c.theirs?.Service ?? c.mine?.Title ?? c.id;
  return (
    <fieldset class="card conflict">
      <legend>{title} ({c.store})</legend>
      {!c.mine && <p>{t('conflictMineDeleted')}</p>}
      {!c.theirs && <p>{t('conflictTheirsDeleted')}</p>}
      <table>
        <thead><tr><th scope="col">{t('field')}</th><th scope="col">{t('thisDevice')}</th><th scope="col">{t('otherDevice')}</th></tr></thead>
        <tbody>
          {names.map((k) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              {(['mine', 'theirs'] as const).map((side) => (
                <td key={side}>
                  <label>
                    <input type="radio" name={`${c.id}-${k}`} checked={pick[k] === side} onChange={() => setPick({ ...pick, [k]: side })} /> {show(k, (side === 'mine' ? c.mine : c.theirs)?.[k])}
                  </label>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <label class="check"><input type="checkbox" checked={reveal} onChange={(e) => setReveal(e.currentTarget.checked)} /> {t('showPassword')}</label>
      <div class="buttons">
        <button onClick={() => onResolve({ keep: 'mine' })}>{t('keepMine')}</button>
        <button onClick={() => onResolve({ keep: 'theirs' })}>{t('keepTheirs')}</button>
        {c.mine && c.theirs && <button class="primary" onClick={() => onResolve({ fields: pick })}>{t('keepPicked')}</button>}
      </div>
    </fieldset>
  );
}
