// Saves text as a file through the browser's download (works in both shells; no filesystem access).
export function saveText(text: string, fileName: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function severityClass(severity: string): string {
  return severity === 'critical' || severity === 'high' ? 'err' : severity === 'medium' ? 'warn' : '';
}
