/** A window event: rows the inbox holds may show what is gone (a customer was erased); reload them. */
export const CONVERSATIONS_STALE = "hydra:conversations-stale";
