// NordPass: name,url,additional_urls,username,password,note,cardholdername,cardnumber,cvc,
// expirydate,zipcode,folder,full_name,phone_number,email,address1,address2,city,country,state,type
// One file holds every item type; `type` says which (folders are rows of their own).
import { splitUrls, type CsvFormat } from '../csv-format.ts';

export const nordpassCsv: CsvFormat = {
  id: 'nordpass',
  label: 'NordPass CSV',
  signature: ['name', 'url', 'username', 'password', 'note', 'cardholdername', 'cardnumber', 'folder'],
  columns: { title: ['name'], username: ['username'], password: ['password'], notes: ['note'], folder: ['folder'] },
  row(input, get) {
    const type = get('type').trim().toLowerCase();
    if (type === 'folder') return null;
    if (type === 'credit_card' || (!type && get('cardnumber'))) return 'cards';
    if (type === 'identity' || (!type && (get('full_name') || get('address1')))) return 'identities';
    if (type === 'note') return 'notes';
    if (type && type !== 'password') return 'other';
    return { ...input, urls: [get('url'), ...additionalUrls(get('additional_urls'))] };
  },
};

function additionalUrls(cell: string): string[] {
  const t = cell.trim();
  if (t.startsWith('[')) {
    try {
      const list: unknown = JSON.parse(t);
      if (Array.isArray(list)) return list.filter((u): u is string => typeof u === 'string');
    } catch {
      // not JSON: read it as a plain list
    }
  }
  return splitUrls(t);
}
