// Safari / macOS Passwords: Title,URL,Username,Password,Notes,OTPAuth
import type { CsvFormat } from '../csv-format.ts';

export const safariCsv: CsvFormat = {
  id: 'safari',
  label: 'Safari CSV',
  signature: ['Title', 'URL', 'Username', 'Password', 'OTPAuth'],
  columns: { title: ['Title'], url: ['URL'], username: ['Username'], password: ['Password'], notes: ['Notes'], totp: ['OTPAuth'] },
};
