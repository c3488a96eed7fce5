export function resolveElectron(options?: { needDisplay?: boolean }): { path?: string; why?: string };
