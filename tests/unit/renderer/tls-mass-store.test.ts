// The mass-scan store's "compare with a JSON export": a file that is not an export, or larger than
// massExportMaxBytes, is refused with a sentence naming it, and the comparison already loaded stays.
import { beforeEach, describe, expect, it } from 'vitest';
import { TLS_DEFAULTS } from '../../../src/shared/contract';
import { useTlsMassStore } from '../../../src/renderer/stores/tls-mass';
import { fakeApi, storeApp } from './fake-api';

let use: <T>(fn: () => T) => T;

beforeEach(() => {
  const fake = fakeApi();
  ({ use } = storeApp(fake));
});

describe('tls mass store: loading a previous scan', () => {
  it('takes an empty export, and refuses a non-export and an oversized file by name', async () => {
    const mass = use(() => useTlsMassStore());
    await mass.loadPrevious('empty.json', new Blob(['[]']));
    expect(mass.previous).toEqual({ label: 'empty.json', rows: [] });
    await expect(mass.loadPrevious('notes.json', new Blob(['{"not": "rows"']))).rejects.toThrow(
      'notes.json is not a Wirelab mass-scan JSON export',
    );
    const huge = new Blob(['[]', ' '.repeat(TLS_DEFAULTS.massExportMaxBytes - 1)]);
    await expect(mass.loadPrevious('huge.json', huge)).rejects.toThrow('huge.json is larger than 16 MiB');
    expect(mass.previous?.label).toBe('empty.json');
  });
});
