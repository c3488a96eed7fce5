// Desktop notifications for chat messages, through the page's Notification API (Electron shows them as
// system notifications; its permission handler allows them for the app's own pages only). By default
// shown only when the app is in the background or unfocused; `whenFocused` also for a focused app (a
// message in a conversation that is not the one on screen).

/** Notification text is plain text by definition: nothing here is interpreted as markup. */
export function desktopNotify(title: string, body: string, tag: string, whenFocused = false): boolean {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return false;
  if (!whenFocused && !document.hidden && document.hasFocus()) return false;
  new Notification(title, { body: body.slice(0, 200), tag });
  return true;
}
