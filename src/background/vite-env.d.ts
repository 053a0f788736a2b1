// import.meta.env as Vite replaces it at build time (MODE is 'test' only in `vite build --mode test`
// and under vitest).
interface ImportMetaEnv {
  readonly MODE: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
