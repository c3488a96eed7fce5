export const ERRORS_TS: string;
export const ERRORS_DOC: string;
export function parseErrorsTs(text: string): { code: string; group: string; sentence: string }[];
export function whereRaised(root: string, codes: { code: string }[]): Map<string, Set<string>>;
export function renderErrorsDoc(root: string): string;
