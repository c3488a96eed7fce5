// The layer allow-lists run through the project's real ESLint config (eslint.config.js); these cases prove
// the rule is wired for each layer. The lists themselves are tested in tests/unit/lint/layers.test.ts.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function violations(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

describe('layer boundaries', () => {
  it.each([
    ['src/main/engines/tcp/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    [
      'src/shared/x.ts',
      "import { TcpServer } from '../main/engines/tcp/server';\nexport const t = TcpServer;\n",
    ],
    [
      'src/renderer/x.ts',
      "import { createServices } from '../main/services';\nexport const c = createServices;\n",
    ],
    ['src/renderer/x.ts', "import { connect } from 'node:net';\nexport const c = connect;\n"],
    [
      'src/preload/x.ts',
      "import { TcpServer } from '../main/engines/tcp/server';\nexport const t = TcpServer;\n",
    ],
  ])('%s may not import that', async (path, code) => {
    expect(await violations(path, code)).toHaveLength(1);
  });

  it.each([
    ['src/main/index.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/main/engines/tcp/x.ts', "import { connect } from 'node:net';\nexport const c = connect;\n"],
    ['src/renderer/x.ts', "import { contract } from '../shared/contract';\nexport const c = contract;\n"],
  ])('%s may import that', async (path, code) => {
    expect(await violations(path, code)).toHaveLength(0);
  });
});

describe('layer boundaries: exact builtin names', () => {
  it('a renderer module named like a builtin is not mistaken for it', async () => {
    expect(
      await violations(
        'src/renderer/x.ts',
        "import { useTlsStore } from './stores/tls';\nexport const u = useTlsStore;\n",
      ),
    ).toHaveLength(0);
    expect(
      await violations('src/renderer/x.ts', "import { connect } from 'tls';\nexport const c = connect;\n"),
    ).toHaveLength(1);
  });
});
