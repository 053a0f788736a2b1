// The password generator (D's generator: uniform over the chosen classes, no modulo bias).
import { useState } from 'preact/hooks';
import { DEFAULT_GENERATOR, generatePassword, type GeneratorOptions } from '../mesh/generator.ts';
import type { PopupEnv } from './App.tsx';
import { t } from './i18n.ts';

export function GeneratorView({ env }: { env: PopupEnv }) {
  const [opts, setOpts] = useState<GeneratorOptions>(DEFAULT_GENERATOR);
  const [value, setValue] = useState(() => generatePassword(DEFAULT_GENERATOR));
  const [notice, setNotice] = useState('');
  const update = (o: GeneratorOptions) => {
    setOpts(o);
    if (o.lower || o.upper || o.digits || o.symbols) setValue(generatePassword(o));
  };
  const toggle = (k: 'lower' | 'upper' | 'digits' | 'symbols' | 'avoidAmbiguous') => (
    <label class="check" key={k}>
      <input type="checkbox" checked={opts[k]} onChange={(e) => update({ ...opts, [k]: e.currentTarget.checked })} /> {t(`gen_${k}`)}
    </label>
  );
  return (
    <section class="card" aria-label={t('view_generator')}>
      <output class="code" aria-live="polite" data-testid="generated" data-volatile>{value}</output>
      <label for="g-len">{t('gen_length', opts.length)}</label>
      <input id="g-len" type="range" min={8} max={64} value={opts.length} onInput={(e) => update({ ...opts, length: Number(e.currentTarget.value) })} />
      {toggle('lower')}
      {toggle('upper')}
      {toggle('digits')}
      {toggle('symbols')}
      {toggle('avoidAmbiguous')}
      <div class="buttons">
        <button onClick={() => setValue(generatePassword(opts))}>{t('regenerate')}</button>
        <button class="primary" onClick={() => void env.copy(value, true).then(() => setNotice(t('copiedPassword')))}>{t('copy')}</button>
      </div>
      <p role="status" class="notice">{notice}</p>
    </section>
  );
}
