// Which URLs may leave the app for the system browser: only http(s) with a host, and nothing with
// credentials in it. Pure, so it is unit-tested and shared by the Electron shell and the app service.
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (!url.hostname) return false;
  if (url.username || url.password) return false;
  return true;
}
