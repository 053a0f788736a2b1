// Copies to the clipboard; a secret is cleared after `clearSeconds` if it is still there and this page
// is still open (the popup may close earlier; browsers give extensions no later hook without extra
// permissions).
export async function copyWithClear(text: string, clearSeconds: number): Promise<void> {
  await navigator.clipboard.writeText(text);
  if (clearSeconds <= 0) return;
  setTimeout(() => {
    void navigator.clipboard
      .readText()
      .then((now) => (now === text ? navigator.clipboard.writeText('') : undefined))
      .catch(() => navigator.clipboard.writeText('').catch(() => undefined));
  }, clearSeconds * 1000);
}
