// "Typing" notices while the user writes, LAN chat and messenger alike: at most one "typing" every 3 s,
// and "stopped" after 4 s without keys, so a fast typist does not send a frame per key.
export type TypingSignal = (typing: boolean) => Promise<unknown>;

export function useTypingNotice(): {
  input(signal: TypingSignal): void;
  sent(signal: TypingSignal): void;
  dispose(): void;
} {
  let sentAt = 0;
  let off: ReturnType<typeof setTimeout> | undefined;
  return {
    /** A key in the message box. */
    input(signal) {
      if (Date.now() - sentAt > 3000) {
        sentAt = Date.now();
        void signal(true).catch(() => undefined);
      }
      clearTimeout(off);
      off = setTimeout(() => {
        sentAt = 0;
        void signal(false).catch(() => undefined);
      }, 4000);
    },
    /** The message went out: typing stopped with it. */
    sent(signal) {
      clearTimeout(off);
      sentAt = 0;
      void signal(false).catch(() => undefined);
    },
    /** The view goes away: no late "stopped". */
    dispose() {
      clearTimeout(off);
    },
  };
}
