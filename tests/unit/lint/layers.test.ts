// The layer allow-lists (eslint-layers.js) on small sources: what each layer may and may not import.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { exceptions, layerAllows, layersPlugin } from '../../../eslint-layers.js';

const root = join(__dirname, '..', '..', '..');
const linter = new Linter({ cwd: root });
const config = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { layers: layersPlugin },
    rules: { 'layers/imports': 'error' as const },
  },
];

/** The specifiers refused in `file` among `imports`. */
function refused(file: string, imports: string[]): string[] {
  const code = imports.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
  return linter
    .verify(code, config, { filename: join(root, file) })
    .map((m) => /not '([^']+)'/.exec(m.message)?.[1] ?? m.message);
}

describe('layer allow-lists', () => {
  it('an engine imports its own files, engines/common, shared, Node builtins and its declared packages only', () => {
    expect(
      refused('src/main/engines/udp/x.ts', [
        './socket',
        '../common/errors',
        '../../../shared/contract/udp',
        'node:dgram',
        'dgram',
        'zod',
        '../tcp/client',
        '../../storage/json-file',
        'electron',
        'yaml',
      ]),
    ).toEqual(['../tcp/client', '../../storage/json-file', 'electron', 'yaml']);
    expect(refused('src/main/engines/http-client/x.ts', ['yaml', 'undici', '../http-server/mime'])).toEqual([
      '../http-server/mime',
    ]);
  });

  it('shared imports only zod and itself; the preload only electron and shared', () => {
    expect(
      refused('src/shared/contract/x.ts', ['zod', './common', 'node:fs', '../../main/services']),
    ).toEqual(['node:fs', '../../main/services']);
    expect(refused('src/preload/index.ts', ['electron', '../shared/contract', 'node:path'])).toEqual([
      'node:path',
    ]);
  });

  it('the renderer imports only itself, shared and its UI packages', () => {
    expect(
      refused('src/renderer/stores/x.ts', [
        'vue',
        'pinia',
        '@codemirror/view',
        '../../shared/errors',
        '../../main/services',
        'node:fs',
        'ws',
      ]),
    ).toEqual(['../../main/services', 'node:fs', 'ws']);
  });

  it('a file in an engine directory nobody declared is refused everything', () => {
    expect(refused('src/main/engines/newthing/x.ts', ['../common/errors'])).toEqual(['../common/errors']);
  });

  it('every listed exception is an import the file really has and its layer would refuse (the list only shrinks)', () => {
    for (const [file, specs] of Object.entries(exceptions)) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const spec of specs) {
        expect(text, `${file} no longer imports ${spec}: remove it from the exceptions`).toContain(
          `'${spec}'`,
        );
        expect(layerAllows(file, spec, root), `${file} may import ${spec} anyway: remove the exception`).toBe(
          false,
        );
      }
    }
  });
});
