export {};
declare global {
  interface Window {
    oncommun: { app: import('./main.js').App; client: import('../lib/client.js').OncommunClient; live?: import('../lib/live.js').LiveSession };
  }
}
