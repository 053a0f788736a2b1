// Sample browser bench entry (used by bench/webcrypto.bench.ts): SHA-512 throughput of WebCrypto.
// Runs unchanged in a page, in the extension service worker and in node.
export async function sha512Throughput(mebibytes: number): Promise<number> {
  const data = new Uint8Array(mebibytes * 1024 * 1024).fill(7);
  await crypto.subtle.digest('SHA-512', data); // warm-up
  const rounds = 5;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await crypto.subtle.digest('SHA-512', data);
  const seconds = (performance.now() - started) / 1000;
  return (rounds * mebibytes * 1.048576) / seconds; // MB/s
}
