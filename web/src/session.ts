import { useSyncExternalStore } from "react";

const STORAGE_KEY = "hydra.sessionToken";
const CHANGE_EVENT = "hydra:session";

/** The signed-in teammate's session token, or null when signed out. */
export function getSessionToken(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY) || null;
  } catch {
    return null;
  }
}

/** Stores (or with null, forgets) the session token and re-renders everything that reads it. */
export function setSessionToken(token: string | null): void {
  try {
    if (token) window.localStorage.setItem(STORAGE_KEY, token);
    else window.localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage may be unavailable (private mode, quota); the session then lasts until reload.
  }
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

/** Forgets `token` unless another session has replaced it meanwhile. */
export function endSession(token: string): void {
  if (getSessionToken() === token) setSessionToken(null);
}

function subscribe(onChange: () => void): () => void {
  // `storage` fires when another tab signs in or out.
  const onStorage = (event: StorageEvent) => {
    if (event.key === STORAGE_KEY || event.key === null) onChange();
  };
  window.addEventListener(CHANGE_EVENT, onChange);
  window.addEventListener("storage", onStorage);
  return () => {
    window.removeEventListener(CHANGE_EVENT, onChange);
    window.removeEventListener("storage", onStorage);
  };
}

export function useSessionToken(): string | null {
  return useSyncExternalStore(subscribe, getSessionToken, getSessionToken);
}
