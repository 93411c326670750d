// Builds dist/: tsc emits the page code and its declarations, then electron-trpc's renderer link is
// vendored in. Why vendored: electron-trpc declares `electron` as a peer dependency, so depending on
// it would make every launcher that installs the kit download Electron (npm installs peers); its
// renderer build is one self-contained MIT-licensed file that imports nothing.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const kit = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(kit, 'dist');
const require = createRequire(import.meta.url);

await rm(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(kit, 'tsconfig.json')], {
  stdio: 'inherit',
});

const rendererPath = fileURLToPath(import.meta.resolve('electron-trpc/renderer'));
const pkgRoot = path.resolve(path.dirname(rendererPath), '..');
const { version } = JSON.parse(await readFile(path.join(pkgRoot, 'package.json'), 'utf8'));
const license = (await readFile(path.join(pkgRoot, 'LICENSE'), 'utf8')).trim();
await mkdir(path.join(dist, 'vendor'), { recursive: true });
await writeFile(
  path.join(dist, 'vendor', 'electron-trpc-renderer.js'),
  `/* electron-trpc ${version} (dist/renderer.mjs), vendored by @aether/launcher-kit.\n${license}\n*/\n${await readFile(rendererPath, 'utf8')}`,
);

const clientPath = path.join(dist, 'native-client.js');
const client = await readFile(clientPath, 'utf8');
const rewritten = client.replace(/from ['"]electron-trpc\/renderer['"]/g, "from './vendor/electron-trpc-renderer.js'");
if (rewritten === client)
  throw new Error(
    'launcher-kit build: dist/native-client.js no longer imports electron-trpc/renderer; update scripts/build.mjs',
  );
await writeFile(clientPath, rewritten);
console.log('launcher-kit: built dist/ (electron-trpc renderer vendored)');
