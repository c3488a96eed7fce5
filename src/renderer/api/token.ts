// The browser shell's access token on the page side. It arrives in the URL once; the page keeps it for
// the tab (sessionStorage survives reloads, not the tab) and removes it from the address bar, so it
// does not land in the history, in bookmarks or on a shared screen. Pure (structural types), so it is
// unit-tested without a browser.
export const TOKEN_STORAGE_KEY = 'wirelab.token';

interface UrlParts {
  search: string;
  pathname: string;
  hash: string;
}
interface HistoryLike {
  state: unknown;
  replaceState(data: unknown, unused: string, url?: string | null): void;
}
interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Takes the token from the URL (then removes it from the address bar) or from this tab's storage. */
export function takeToken(
  location: UrlParts,
  history: HistoryLike,
  storage: StorageLike | undefined,
): string {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    try {
      storage?.setItem(TOKEN_STORAGE_KEY, fromUrl);
    } catch {
      // Storage disabled: the token still works for this page load.
    }
    params.delete('token');
    const search = params.toString();
    history.replaceState(
      history.state,
      '',
      `${location.pathname}${search ? `?${search}` : ''}${location.hash}`,
    );
    return fromUrl;
  }
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}
