/**
 * The WebSocket to the server: opening with a time limit, JSON in and out,
 * and a close that is either expected (ours) or not (the server's or the
 * network's). Handlers are dropped on an expected close, so a closed socket
 * never speaks again.
 */
import { SOCKET_OPEN_TIMEOUT_MS } from '../constants.js';
import { parseIncoming } from './protocol.js';

export class SignalingClient {
  /**
   * @param {string} url
   * @param {{ onMessage: (msg: any) => void, onUnexpectedClose: (code: number) => void }} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    /** @type {WebSocket | null} */ this.ws = null;
  }

  /** @returns {Promise<void>} resolves when open; rejects on error or timeout */
  open() {
    return new Promise((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(this.url);
      this.ws = ws;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.close();
        reject(new Error('Connection timed out.'));
      }, SOCKET_OPEN_TIMEOUT_MS);
      ws.onopen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      };
      ws.onerror = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.close();
        reject(new Error('Connection failed.'));
      };
      ws.onmessage = (ev) => {
        if (this.ws !== ws) return;
        const msg = parseIncoming(typeof ev.data === 'string' ? ev.data : '');
        if (msg) this.handlers.onMessage(msg);
      };
      ws.onclose = (ev) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(new Error('Connection closed.'));
          return;
        }
        if (this.ws !== ws) return;
        this.ws = null;
        this.handlers.onUnexpectedClose(ev.code);
      };
    });
  }

  isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** @param {Record<string, any>} msg @returns {boolean} sent */
  send(msg) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** Close on purpose: no handler runs afterwards. */
  close() {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    try {
      ws.close(1000);
    } catch {
      /* already closing */
    }
  }
}

/** The page's own /ws: wss when the page is https. @param {Location} loc */
export function socketUrl(loc) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}
