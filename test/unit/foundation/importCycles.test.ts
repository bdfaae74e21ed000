import { ESLint } from 'eslint';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM rule module without types, loaded as eslint.config.mjs loads it.
import localRules from '../../../eslint/noImportCycle.mjs';

const root = path.join(__dirname, '..', '..', '..');
const RULE = 'local/no-import-cycle';

/** The cycle messages lint gives a file, with the repository's own config. */
async function cyclesInRepo(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

const fixtures: string[] = [];
/** A throwaway project whose src/ holds the given files. */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cycles-'));
  fixtures.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'src', name)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', name), text);
  }
  return dir;
}

async function lintProject(dir: string): Promise<Record<string, string[]>> {
  const eslint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { local: localRules }, rules: { [RULE]: ['error', { root: 'src' }] } }]
  });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  return Object.fromEntries(results.map((r) => [path.relative(path.join(dir, 'src'), r.filePath), r.messages.filter((m) => m.ruleId === RULE).map((m) => m.message)]));
}

afterAll(() => {
  for (const dir of fixtures) fs.rmSync(dir, { recursive: true, force: true });
});

describe('no import cycle under src/, enforced by lint', () => {
  it('fails both files of a pair that import each other, and leaves a file outside the cycle alone', async () => {
    const dir = project({
      'hub/a.ts': "import { b } from '../bridge/b';\nexport const a = () => b;\n",
      'bridge/b.ts': "import type { a } from '../hub/a';\nexport const b = 1;\nexport type A = typeof a;\n",
      'c.ts': "import { a } from './hub/a';\nexport const c = a;\n"
    });
    const byFile = await lintProject(dir);
    expect(byFile['hub/a.ts']).toEqual([expect.stringContaining('Import cycle: hub/a.ts -> bridge/b.ts -> hub/a.ts')]);
    expect(byFile['bridge/b.ts']).toEqual([expect.stringContaining('Import cycle: bridge/b.ts -> hub/a.ts -> bridge/b.ts')]);
    expect(byFile['c.ts']).toEqual([]);
  });

  it('finds a longer cycle through an index file', async () => {
    const dir = project({
      'x/index.ts': "export * from './one';\n",
      'x/one.ts': "import { two } from '../y/two';\nexport const one = two;\n",
      'y/two.ts': "import { one } from '../x';\nexport const two = 2;\nexport const again = () => one;\n"
    });
    const byFile = await lintProject(dir);
    expect(byFile['y/two.ts']?.[0]).toContain('y/two.ts -> x/index.ts -> x/one.ts -> y/two.ts');
  });

  it('is on in the repository config: a domain module importing createCore back fails', async () => {
    const text = fs.readFileSync(path.join(root, 'src/main/core/coreContext.ts'), 'utf8');
    expect(await cyclesInRepo('src/main/core/coreContext.ts', text)).toEqual([]);
    const cyclic = `${text}\nexport type { Core } from './createCore';\n`;
    expect((await cyclesInRepo('src/main/core/coreContext.ts', cyclic))[0]).toContain('coreContext.ts -> main/core/createCore.ts -> main/core/coreContext.ts');
  });
});
