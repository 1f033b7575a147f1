/**
 * Secrets never leave the process in anything we print: API keys (from the environment),
 * credentials in URLs (`https://user:pass@host`), and secret-looking query parameters. Every
 * line and JSON document the CLI writes passes through `redact`/`redactDeep`, so a message
 * built anywhere (an SDK's error text, a URL in a warning, the resolved config) cannot leak one.
 */

/** Shown in place of a secret. */
export const REDACTED = '***';

/** Values shorter than this are not treated as secrets (they would blank ordinary words). */
const MIN_SECRET_LENGTH = 6;

/** Environment variables whose values are secrets even when no setting names them. */
const SECRET_ENV_NAME = /(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$/i;

/** `scheme://user:pass@` or `scheme://token@`: the userinfo part of a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]+)@/gi;

/** Query parameters that carry credentials (`?api_key=…`, `&token=…`, `sig=…`). */
const SECRET_QUERY = /([?&](?:api[_-]?key|key|token|access[_-]?token|secret|password|sig|signature|auth)=)([^&#\s"']+)/gi;

const secrets = new Set<string>();

/** Registers a value that must never be printed (an API key read from the environment, a URL password). */
export function addSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) {
    secrets.add(value);
    // The percent-encoded form is what appears inside a URL.
    const encoded = encodeURIComponent(value);
    if (encoded !== value) secrets.add(encoded);
  }
}

/** Registers the values of every environment variable named like a secret, and of `names`. */
export function addSecretsFromEnv(env: NodeJS.ProcessEnv, names: Iterable<string> = []): void {
  for (const name of names) addSecret(env[name]);
  for (const [name, value] of Object.entries(env)) if (SECRET_ENV_NAME.test(name)) addSecret(value);
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  secrets.clear();
}

/** The text with every known secret, URL credential and secret query value replaced. */
export function redact(text: string): string {
  let out = text.replace(URL_USERINFO, `$1${REDACTED}@`).replace(SECRET_QUERY, `$1${REDACTED}`);
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** A copy of a JSON-able value with every string redacted (keys included). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v)])) as T;
  }
  return value;
}

/** A URL for display: no userinfo, secret query values masked. Unparseable input is redacted as text. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return redact(u.href).replace(/\/+$/, '');
  } catch {
    return redact(url);
  }
}

/**
 * Whether a URL carries userinfo (a key pasted as `https://key@host` or `user:pass@`): fetch
 * refuses such a URL, and a key in a URL ends up in logs and shell history. Each configured URL is
 * refused on it, with the key the user should set instead.
 */
export function hasCredentials(url: string): boolean {
  const u = new URL(url);
  return u.username !== '' || u.password !== '';
}
