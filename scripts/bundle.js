// Builds dist/spv.js, the `spv` executable: src/cli/main.ts with yargs and its dependencies inlined
// (one file to load instead of ~30 modules). Run after tsc (`npm run build` does both).
// - The project's own modules are not bundled: main's relative imports are re-pointed at tsc's
//   output under dist/, so every module still loads once, lazily where it was lazy, and
//   import.meta.url-relative paths (seeds/, worker files) keep working.
// - Every `string-width` import goes to scripts/lazy-string-width.js, which loads yargs' copy
//   (one copy instead of three) only when a string is not printable ASCII.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lazyStringWidth = join(root, 'scripts', 'lazy-string-width.js');
const inNodeModules = (file) => file.includes(`${sep}node_modules${sep}`);

/** @type {import('esbuild').Plugin} */
const spvPlugin = {
  name: 'spv',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point' || inNodeModules(args.importer)) return undefined;
      const rel = relative(root, resolve(args.resolveDir, args.path)); // src/cli/x.js
      if (!existsSync(join(root, 'dist', rel))) return { errors: [{ text: `dist/${rel} is missing: run tsc first` }] };
      return { path: `./${rel.split(sep).join('/')}`, external: true };
    });
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      if (args.importer !== lazyStringWidth) return { path: lazyStringWidth };
      const yargsDir = join(root, 'node_modules', 'yargs');
      const real = await b.resolve('string-width', { kind: 'require-call', resolveDir: yargsDir, pluginData: 'real' });
      if (real.errors.length === 0 && typeof (await import(pathToFileURL(real.path).href)).default !== 'function') {
        return { errors: [{ text: `${real.path} has no default export function` }] };
      }
      return real;
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/spv.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  define: { __SPV_VERSION__: JSON.stringify(version) }, // yargs finds no package.json from a bundle
  plugins: [spvPlugin],
  logLevel: 'warning',
});
