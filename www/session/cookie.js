/**
 * The HttpOnly session cookie, set and cleared by the server's endpoints. The
 * token is never kept in script-readable storage.
 */

const CLIENT_HEADER = { 'X-Chgrid-Auth-Client': '1' };

/** @param {string} token @returns {Promise<boolean>} */
export async function setSessionCookie(token) {
  try {
    const r = await fetch('auth/session/set', {
      method: 'GET',
      credentials: 'include',
      cache: 'no-store',
      headers: { ...CLIENT_HEADER, Authorization: `Bearer ${token}` },
    });
    return r.ok;
  } catch {
    return false;
  }
}

/** @returns {Promise<boolean>} */
export async function clearSessionCookie() {
  try {
    const r = await fetch('auth/session/clear', {
      method: 'GET',
      credentials: 'include',
      cache: 'no-store',
      headers: CLIENT_HEADER,
    });
    return r.ok;
  } catch {
    return false;
  }
}

/** Whether the cookie holds a valid session. @returns {Promise<boolean>} */
export async function checkSessionCookie() {
  try {
    const r = await fetch('auth/session/check', {
      method: 'GET',
      credentials: 'include',
      cache: 'no-store',
      headers: CLIENT_HEADER,
    });
    return r.status === 204;
  } catch {
    return false;
  }
}
