// The API key lives in sessionStorage: it survives reloads of this tab, and closing the tab signs out. It is
// never put in a URL or in localStorage, which every tab and every later visit would share.
const KEY = 'shaman.apiKey';

type Listener = (signedIn: boolean) => void;
const listeners = new Set<Listener>();

export const session = {
  apiKey: (): string | null => sessionStorage.getItem(KEY),
  signIn: (apiKey: string): void => {
    sessionStorage.setItem(KEY, apiKey);
    for (const l of listeners) l(true);
  },
  signOut: (): void => {
    sessionStorage.removeItem(KEY);
    for (const l of listeners) l(false);
  },
  onChange: (listener: Listener): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
