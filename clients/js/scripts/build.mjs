// Builds the library (dist/) and the web app into server/static (committed, so the server runs without Node).
import { build } from 'esbuild';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const staticDir = join(root, '..', '..', 'server', 'static');
const LANGUAGES = ['ca', 'es', 'pt', 'pl', 'en'];

// The library: one ES module for other front ends (socket.io-client stays a dependency, not bundled).
await build({
  entryPoints: [join(root, 'src/lib/index.js')],
  outfile: join(root, 'dist/oncommun.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  external: ['socket.io-client'],
  sourcemap: true,
  logLevel: 'warning',
});

// The web app: one minified bundle with its stylesheet.
await mkdir(staticDir, { recursive: true });
const result = await build({
  entryPoints: { app: join(root, 'src/app/main.js') },
  outdir: staticDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
await build({
  entryPoints: { app: join(root, 'src/app/styles.css') },
  outdir: staticDir,
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
await cp(join(root, 'src/app/index.html'), join(staticDir, 'index.html'));

// Catalogs: every language must have every English key.
const english = JSON.parse(await readFile(join(root, 'locales/en.json'), 'utf8'));
await mkdir(join(staticDir, 'locales'), { recursive: true });
for (const lang of LANGUAGES) {
  const catalog = JSON.parse(await readFile(join(root, `locales/${lang}.json`), 'utf8'));
  const missing = Object.keys(english).filter((key) => !(key in catalog));
  if (missing.length) throw new Error(`locales/${lang}.json lacks: ${missing.join(', ')}`);
  await writeFile(join(staticDir, 'locales', `${lang}.json`), JSON.stringify(catalog));
}
for (const file of await readdir(join(root, 'locales'))) {
  if (!LANGUAGES.includes(file.replace('.json', ''))) throw new Error(`unexpected catalog ${file}`);
}
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`web app: ${(bytes / 1024).toFixed(1)} KiB of JavaScript in server/static/app.js`);
