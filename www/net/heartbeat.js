/**
 * The heartbeat: a ping with a negative clientSentAt every interval; a pong
 * that has not come back by the next one means the connection is stale.
 */
import { HEARTBEAT_INTERVAL_MS } from '../constants.js';

let nextId = -1;

export class Heartbeat {
  /**
   * @param {(msg: any) => boolean} send
   * @param {() => void} onStale
   */
  constructor(send, onStale) {
    this.send = send;
    this.onStale = onStale;
    this.timer = 0;
    this.awaiting = false;
  }

  start() {
    this.stop();
    this.beat();
    this.timer = window.setInterval(() => {
      if (this.awaiting) {
        this.stop();
        this.onStale();
        return;
      }
      this.beat();
    }, HEARTBEAT_INTERVAL_MS);
  }

  beat() {
    this.awaiting = true;
    this.send({ type: 'ping', clientSentAt: nextId-- });
  }

  /** A pong with a negative clientSentAt arrived. */
  pong() {
    this.awaiting = false;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = 0;
    this.awaiting = false;
  }
}
