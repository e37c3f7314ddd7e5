/**
 * Where a sound reference from the server is fetched from. Site-relative and
 * same-origin references load directly; an http(s) URL elsewhere goes
 * through the daemon's own /media proxy (docs/protocol.md §6), so Web Audio
 * may process it and the page never talks to a third party itself. Anything
 * else (other schemes, nonsense) plays nothing.
 */

/** @param {unknown} ref @returns {string} an URL to fetch, or '' for none */
export function soundUrl(ref) {
  const s = typeof ref === 'string' ? ref.trim() : '';
  if (!s || /^(none|off)$/i.test(s)) return '';
  if (/^(data|blob):/i.test(s)) return s;
  let u;
  try {
    u = new URL(s, window.location.href);
  } catch {
    return '';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
  if (u.origin === window.location.origin) return u.href;
  return `${window.location.origin}/media?url=${encodeURIComponent(u.href)}`;
}
