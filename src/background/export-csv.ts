// Plain CSV export in the Chrome column layout (name,url,username,password,note), which every importer
// reads. Cells that a spreadsheet would run as formulas are prefixed with a quote.
import type { CredentialView } from '../shared/messages.ts';

function cell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(items: Pick<CredentialView, 'title' | 'url' | 'username' | 'password' | 'notes'>[]): string {
  const rows = [['name', 'url', 'username', 'password', 'note'].join(',')];
  for (const i of items) rows.push([i.title, i.url, i.username, i.password, i.notes].map(cell).join(','));
  return rows.join('\r\n') + '\r\n';
}
