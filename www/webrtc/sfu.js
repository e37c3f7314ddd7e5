/**
 * SfuManager: voice through the server's SFU (Janus), as chatgridd directs.
 *
 * With worldConfig.voiceMode "sfu" or "auto" the client says voice_join and
 * then follows the server's plan (voice_sfu): which peers are heard through
 * the SFU (the others stay on the mesh, see PeerManager's route), which
 * feeds to publish (one RTCPeerConnection each, our one Opus stream; one
 * feed in a single-area world) and which subscriptions to hold (one
 * RTCPeerConnection each, every voice in range on it as one track).
 * chatgridd relays the SDP to and from Janus and says which track is whose;
 * each track is played through the same AudioEngine graph as a mesh peer,
 * under the name "sfu:<peer id>", so the modes sound the same.
 */
import { tuneOpus } from './peers.js';
import { playMuted, removeMuted } from '../ui/media-elements.js';

/**
 * @typedef {{ key: string, pc: RTCPeerConnection, sdpSent: boolean, iceOut: (RTCIceCandidateInit | null)[] }} Pub
 * @typedef {{ key: string, pc: RTCPeerConnection, sdpSent: boolean, iceOut: (RTCIceCandidateInit | null)[],
 *             mids: Map<string, string>, chain: Promise<void> }} Sub
 * @typedef {{ key: string, track: MediaStreamTrack, element: HTMLAudioElement }} Voice
 */

export class SfuManager {
  /**
   * @param {{
   *   send: (msg: any) => boolean,
   *   engine: import('../audio/engine.js').AudioEngine,
   *   listenGain: (peerId: string) => number,
   *   closeMesh: (peerId: string) => void,
   *   planned: () => void,
   *   say: (text: string, cue?: string) => void,
   * }} deps
   */
  constructor(deps) {
    this.deps = deps;
    /** 'mesh' | 'sfu' | 'auto', from welcome */
    this.mode = 'mesh';
    /** The first plan came (until then no mesh connection is made). */
    this.planned = false;
    /** '' (none yet), 'up' or 'down' */
    this.state = '';
    /** @type {Set<string>} peers heard through the SFU */ this.sfuPeers = new Set();
    /** @type {Map<string, Pub>} */ this.pubs = new Map();
    /** @type {Map<string, Sub>} */ this.subs = new Map();
    /** @type {Map<string, Voice>} peer id → its voice */ this.voices = new Map();
    /** @type {RTCIceServer[]} */ this.iceServers = [];
  }

  /** After welcome. @param {unknown} mode worldConfig.voiceMode */
  start(mode) {
    this.reset();
    this.mode = mode === 'sfu' || mode === 'auto' ? mode : 'mesh';
    if (this.mode !== 'mesh') this.deps.send({ type: 'voice_join' });
  }

  /**
   * How the mesh treats a peer: 'mesh' as usual; 'wait' (no plan yet) and
   * 'sfu-pending' (heard through the SFU soon) make no new connection;
   * 'sfu' (the SFU carries the voice) closes the mesh one.
   * @param {string} peerId
   */
  route(peerId) {
    if (this.mode === 'mesh') return 'mesh';
    if (!this.planned) return 'wait';
    if (!this.sfuPeers.has(peerId)) return 'mesh';
    return this.voices.has(peerId) ? 'sfu' : 'sfu-pending';
  }

  /** @param {any} msg @returns {boolean} whether it was a voice message */
  handle(msg) {
    switch (msg.type) {
      case 'voice_sfu':
        this.plan(msg);
        return true;
      case 'voice_offer':
        this.offered(msg);
        return true;
      case 'voice_answer':
        this.answered(msg);
        return true;
      case 'error':
        if (msg.code !== 'voice') return false;
        console.info(`chatgrid: voice server: ${msg.message}`);
        return true;
      default:
        return false;
    }
  }

  /** @param {any} msg voice_sfu */
  plan(msg) {
    if (this.mode === 'mesh') return;
    const state = msg.state === 'down' ? 'down' : 'up';
    if (state === 'down' && this.state !== 'down') {
      this.deps.say('Voice server unavailable. Voices come back by themselves when it returns.', 'cancel');
    } else if (state === 'up' && this.state === 'down') {
      this.deps.say('Voice server back.', 'confirm');
    }
    this.state = state;
    const strings = (/** @type {any} */ v) => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);
    this.sfuPeers = new Set(strings(msg.peers));
    const publish = new Set(strings(msg.publish));
    const subscribe = new Set(strings(msg.subscribe));
    for (const key of [...this.pubs.keys()]) if (!publish.has(key)) this.closePub(key);
    for (const key of [...this.subs.keys()]) if (!subscribe.has(key)) this.closeSub(key);
    for (const key of publish) if (!this.pubs.has(key)) this.publish(key);
    // Voices of peers no longer heard through the SFU go; the mesh takes them over.
    for (const id of [...this.voices.keys()]) if (!this.sfuPeers.has(id)) this.dropVoice(id);
    if (!this.planned) {
      this.planned = true;
      this.deps.planned();
    }
  }

  /**
   * @param {RTCPeerConnection} pc
   * @param {{ key: string, sdpSent: boolean, iceOut: (RTCIceCandidateInit | null)[] }} conn
   */
  wireIce(pc, conn) {
    pc.onicecandidate = (ev) => {
      const ice = ev.candidate ? ev.candidate.toJSON() : null;
      if (conn.sdpSent) this.deps.send({ type: 'voice_ice', key: conn.key, ice });
      else conn.iceOut.push(ice);
    };
  }

  /** @param {{ key: string, sdpSent: boolean, iceOut: (RTCIceCandidateInit | null)[] }} conn */
  flushIce(conn) {
    conn.sdpSent = true;
    for (const ice of conn.iceOut) this.deps.send({ type: 'voice_ice', key: conn.key, ice });
    conn.iceOut = [];
  }

  /** Our one Opus stream as a feed. @param {string} key */
  async publish(key) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    /** @type {Pub} */
    const pub = { key, pc, sdpSent: false, iceOut: [] };
    this.pubs.set(key, pub);
    this.wireIce(pc, pub);
    const track = this.deps.engine.outboundTrack();
    if (track) pc.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])] });
    else pc.addTransceiver('audio', { direction: 'sendonly' });
    try {
      const offer = await pc.createOffer();
      if (this.pubs.get(key) !== pub) return;
      await pc.setLocalDescription({ type: 'offer', sdp: tuneOpus(offer.sdp || '') });
      this.deps.send({ type: 'voice_offer', key, sdp: { type: 'offer', sdp: pc.localDescription.sdp } });
      this.flushIce(pub);
    } catch (err) {
      console.warn('chatgrid: voice feed offer failed', err);
    }
  }

  /** The voice server's answer to our feed. @param {any} msg */
  async answered(msg) {
    const pub = this.pubs.get(String(msg.key));
    if (!pub || !msg.sdp || typeof msg.sdp.sdp !== 'string') return;
    try {
      // Our stream goes out at the mesh's Opus settings.
      await pub.pc.setRemoteDescription({ type: 'answer', sdp: tuneOpus(msg.sdp.sdp) });
    } catch (err) {
      console.warn('chatgrid: voice feed answer refused', err);
    }
  }

  /** An offer for a subscription (new, or changed as people come and go). @param {any} msg */
  offered(msg) {
    const key = String(msg.key);
    if (!msg.sdp || typeof msg.sdp.sdp !== 'string') return;
    let sub = this.subs.get(key);
    if (!sub) {
      const pc = new RTCPeerConnection({ iceServers: this.iceServers });
      sub = { key, pc, sdpSent: false, iceOut: [], mids: new Map(), chain: Promise.resolve() };
      this.subs.set(key, sub);
      this.wireIce(pc, sub);
    }
    const conn = sub;
    /** @type {Map<string, string>} */
    const mids = new Map();
    for (const s of Array.isArray(msg.streams) ? msg.streams : []) {
      if (s && typeof s.mid === 'string' && typeof s.peerId === 'string') mids.set(s.mid, s.peerId);
    }
    // Offers on one connection are answered in the order they came.
    conn.chain = conn.chain.then(async () => {
      if (this.subs.get(key) !== conn) return;
      try {
        await conn.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp.sdp });
        const answer = await conn.pc.createAnswer();
        await conn.pc.setLocalDescription({ type: 'answer', sdp: tuneOpus(answer.sdp || '') });
        if (this.subs.get(key) !== conn) return;
        this.deps.send({ type: 'voice_answer', key, sdp: { type: 'answer', sdp: conn.pc.localDescription.sdp } });
        if (!conn.sdpSent) this.flushIce(conn);
        conn.mids = mids;
        this.refresh(conn);
      } catch (err) {
        console.warn('chatgrid: voice subscription offer failed', err);
      }
    });
  }

  /** Match a subscription's receiving tracks to peers after a negotiation. @param {Sub} sub */
  refresh(sub) {
    const heard = new Set();
    for (const t of sub.pc.getTransceivers()) {
      const peerId = t.mid !== null ? sub.mids.get(t.mid) : undefined;
      if (!peerId || t.currentDirection === 'inactive' || t.currentDirection === 'stopped') continue;
      heard.add(peerId);
      const v = this.voices.get(peerId);
      if (v && v.track === t.receiver.track) continue;
      this.attach(peerId, sub.key, t.receiver.track);
    }
    for (const [id, v] of [...this.voices]) if (v.key === sub.key && !heard.has(id)) this.dropVoice(id);
  }

  /** @param {string} peerId @param {string} key @param {MediaStreamTrack} track */
  attach(peerId, key, track) {
    this.dropVoice(peerId);
    const stream = new MediaStream([track]);
    // Chromium feeds Web Audio only while the stream also plays in an element.
    const element = playMuted(stream);
    this.deps.engine.attachVoice(`sfu:${peerId}`, stream);
    this.voices.set(peerId, { key, track, element });
    // Heard through the SFU now: the mesh connection, if any, is not needed.
    this.deps.closeMesh(peerId);
  }

  /** @param {string} peerId */
  dropVoice(peerId) {
    const v = this.voices.get(peerId);
    if (!v) return;
    this.voices.delete(peerId);
    removeMuted(v.element);
    this.deps.engine.detachVoice(`sfu:${peerId}`);
  }

  /** @param {string} key */
  closePub(key) {
    const pub = this.pubs.get(key);
    if (!pub) return;
    this.pubs.delete(key);
    pub.pc.onicecandidate = null;
    pub.pc.close();
  }

  /** @param {string} key */
  closeSub(key) {
    const sub = this.subs.get(key);
    if (!sub) return;
    this.subs.delete(key);
    sub.pc.onicecandidate = null;
    sub.pc.close();
    for (const [id, v] of [...this.voices]) if (v.key === key) this.dropVoice(id);
  }

  /**
   * Place every voice heard through the SFU, as the mesh does, every tick.
   * @param {number} x @param {number} y listener
   * @param {Map<string, import('../state.js').Peer>} peers
   */
  update(x, y, peers) {
    for (const id of this.voices.keys()) {
      const p = peers.get(id);
      if (!p) {
        this.dropVoice(id);
        continue;
      }
      this.deps.engine.placeVoice(`sfu:${id}`, p.x - x, p.y - y, this.deps.listenGain(id));
    }
  }

  /** Disconnect cleanup. */
  reset() {
    for (const key of [...this.pubs.keys()]) this.closePub(key);
    for (const key of [...this.subs.keys()]) this.closeSub(key);
    this.sfuPeers.clear();
    this.planned = false;
    this.state = '';
  }

  /** For diagnostics and tests: one entry per voice heard through the SFU. */
  summary() {
    return [...this.voices].map(([peerId, v]) => {
      const sub = this.subs.get(v.key);
      return { peerId, state: sub ? sub.pc.connectionState : 'closed', hasStream: true, via: 'sfu' };
    });
  }

  /** Every connection to the voice server, for statistics. @returns {RTCPeerConnection[]} */
  peerConnections() {
    return [...this.pubs.values()].map((p) => p.pc).concat([...this.subs.values()].map((s) => s.pc));
  }

  /** For tests: our feeds and subscriptions with their connection states. */
  connections() {
    return {
      publish: [...this.pubs.values()].map((p) => ({ key: p.key, state: p.pc.connectionState })),
      subscribe: [...this.subs.values()].map((s) => ({ key: s.key, state: s.pc.connectionState, tracks: s.mids.size })),
      state: this.state,
      peers: [...this.sfuPeers],
    };
  }
}
