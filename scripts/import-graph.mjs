// Prints the import graph between the top-level folders of the production code, with a count per
// arrow: `npm run graph`. Tests, benchmarks and scripts are left out; apps/ counts per app.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const files = execFileSync('git', ['ls-files', '*.ts', '*.svelte'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => file && !/^(tests|bench|scripts|examples)\//.test(file));
const folderOf = (file) => {
  const [first, second] = file.split('/');
  return first === 'apps' ? `apps/${second}` : first;
};
const counts = new Map();
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
    const from = folderOf(file);
    const to = folderOf(path.normalize(path.join(path.dirname(file), match[1])));
    if (from !== to) counts.set(`${from} -> ${to}`, (counts.get(`${from} -> ${to}`) ?? 0) + 1);
  }
}
for (const [arrow, count] of [...counts].sort()) console.log(`${String(count).padStart(4)}  ${arrow}`);
