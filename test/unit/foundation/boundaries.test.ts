import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

/** Lints a snippet as if it lived at `file` and returns the restricted-import messages. */
async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

describe('architecture boundaries enforced by lint', () => {
  it('fails when src/shared imports electron or node built-ins', async () => {
    const msgs = await violations('src/shared/x.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toContain('src/shared must not import electron.');
    expect(await violations('src/shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
  });

  it('fails when the core imports electron or the DOM', async () => {
    const msgs = await violations('src/main/core/hub/x.ts', "import { BrowserWindow } from 'electron';\nexport const w = BrowserWindow;\n");
    expect(msgs[0]).toContain('Electron-free');
    expect(await violations('src/main/core/log/x.ts', 'export const t = document.title;\n')).toHaveLength(1);
  });

  it('fails when the renderer imports main', async () => {
    const msgs = await violations(
      'src/renderer/src/x.ts',
      "import { createCore } from '../../main/core/createCore';\nexport const c = createCore;\n"
    );
    expect(msgs[0]).toContain('only through src/renderer/src/lib/api');
  });

  it('allows the Electron entry to import electron', async () => {
    expect(await violations('src/main/window/x.ts', "import { BrowserWindow } from 'electron';\nexport const w = BrowserWindow;\n")).toEqual([]);
  });
});
