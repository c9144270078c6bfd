// The import rules between folders that the code can break silently: tx/ and wire/ do not
// import each other both ways (the byte reader/writer live in codec/, below both), codec/ uses
// only util/, and protocol constants shared by several files are defined once.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(process.cwd(), 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Top-level src folders a file imports from (relative imports only). */
function importedFolders(file: string): Set<string> {
  const out = new Set<string>();
  for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
    const target = relative(SRC, join(file, '..', m[1]!));
    out.add(target.split('/')[0]!);
  }
  return out;
}

const folderOf = (f: string): string => relative(SRC, f).split('/')[0]!;

test('tx/ does not import wire/, codec/ imports only util/', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const own = folderOf(f);
    const used = importedFolders(f);
    if (own === 'tx' && used.has('wire')) bad.push(`${relative(SRC, f)} imports wire/`);
    if (own === 'codec') for (const u of used) if (u !== 'codec' && u !== 'util') bad.push(`${relative(SRC, f)} imports ${u}/`);
  }
  expect(bad).toEqual([]);
});

test('inventory types, MAX_LOCATOR_SZ and MAX_HEADERS_RESULTS are defined once', () => {
  const defs = (re: RegExp): string[] => files(SRC).filter((f) => re.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
  expect(defs(/0x40000002|MSG_\w+\s*=\s*\d/)).toEqual(['wire/inventory.ts']);
  expect(defs(/MAX_LOCATOR_SZ\s*=/)).toEqual(['wire/messages/getheaders.ts']);
  expect(defs(/(MAX_HEADERS_RESULTS|MAX_HEADERS_PER_MSG)\s*=/)).toEqual(['wire/messages/headers.ts']);
});
