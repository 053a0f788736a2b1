// 1Password 8 CSV: Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes
import type { CsvFormat } from '../csv-format.ts';

export const onePasswordCsv: CsvFormat = {
  id: '1password-csv',
  label: '1Password CSV',
  signature: ['Title', 'Url', 'Username', 'Password', 'Notes', ['Archived', 'Favorite', 'Tags']],
  columns: { title: ['Title'], url: ['Url'], username: ['Username'], password: ['Password'], notes: ['Notes'], totp: ['OTPAuth'] },
};
