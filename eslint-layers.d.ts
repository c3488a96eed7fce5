import type { ESLint } from 'eslint';

export const NODE: 'NODE';
export interface Layer {
  name: string;
  files: string[];
  allow: string[];
}
export const layers: Layer[];
export const layersPlugin: ESLint.Plugin;
export const exceptions: Record<string, string[]>;
export function layerAllows(file: string, spec: string, cwd?: string): boolean;
