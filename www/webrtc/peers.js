/**
 * PeerManager: one RTCPeerConnection per peer within hearing range.
 *
 * Who offers: a newcomer offers to everyone it finds in welcome; users already
 * there wait for its offer. Peers that come into range later (or again) are
 * offered to by the side with the smaller id. Glare is resolved as in "perfect
 * negotiation": the side with the larger id is polite and yields.
 *
 * Range: connected within HEARING_RADIUS + CONNECT_MARGIN, torn down beyond
 * HEARING_RADIUS + DISCONNECT_MARGIN.
 */
import { HEARING_RADIUS, CONNECT_MARGIN, DISCONNECT_MARGIN, PENDING_SIGNALS_MAX } from '../constants.js';
import { playMuted, removeMuted } from '../ui/media-elements.js';

/**
 * @typedef {{
 *   peerId: string, pc: RTCPeerConnection, polite: boolean, makingOffer: boolean,
 *   ignoreOffer: boolean, sdpSent: boolean, iceOut: RTCIceCandidateInit[],
 *   iceIn: RTCIceCandidateInit[], element: HTMLAudioElement | null, stream: MediaStream | null
 * }} Conn
 */

/** Add Opus parameters for full-band stereo speech. @param {string} sdp */
export function tuneOpus(sdp) {
  const m = /a=rtpmap:(\d+) opus\/48000/i.exec(sdp);
  if (!m) return sdp;
  const re = new RegExp(`a=fmtp:${m[1]} ([^\\r\\n]*)`);
  return sdp.replace(re, (line, params) => {
    if (/maxaveragebitrate/.test(params)) return line;
    return `${line};maxaveragebitrate=128000;stereo=1;sprop-stereo=1;useinbandfec=1;usedtx=0`;
  });
}

export class PeerManager {
  /**
   * @param {{
   *   send: (msg: any) => boolean,
   *   engine: import('../audio/engine.js').AudioEngine,
   *   selfId: () => string,
   *   listenGain: (peerId: string) => number,
   *   ensurePeer: (msg: any) => void,
   *   route?: (peerId: string) => 'mesh' | 'wait' | 'sfu-pending' | 'sfu',
   * }} deps
   */
  constructor(deps) {
    this.deps = deps;
    /** @type {Map<string, Conn>} */ this.conns = new Map();
    /** @type {any[]} */ this.queued = [];
    /** @type {Map<string, 'self'|'peer'>} who offers to whom */ this.offerer = new Map();
    /** @type {RTCIceServer[]} */ this.iceServers = [];
    this.active = false;
  }

  /** @param {string} peerId @param {'self'|'peer'} who */
  setOfferer(peerId, who) {
    this.offerer.set(peerId, who);
  }

  /** @param {string} peerId */
  offersTo(peerId) {
    const who = this.offerer.get(peerId);
    if (who) return who === 'self';
    return this.deps.selfId() < peerId;
  }

  /** How a peer's voice travels (webrtc/sfu.js); always the mesh without an SFU. @param {string} peerId */
  route(peerId) {
    return this.deps.route ? this.deps.route(peerId) : 'mesh';
  }

  /** Negotiation may start: replay what arrived early. */
  activate() {
    this.active = true;
    const queued = this.queued;
    this.queued = [];
    for (const msg of queued) this.handleSignal(msg);
  }

  /**
   * Range management and voice placement, every frame.
   * @param {number} x @param {number} y listener
   * @param {Map<string, import('../state.js').Peer>} peers
   */
  update(x, y, peers) {
    for (const [id, conn] of this.conns) {
      const p = peers.get(id);
      if (!p) {
        this.close(id);
        continue;
      }
      const d = Math.hypot(p.x - x, p.y - y);
      if (d > HEARING_RADIUS + DISCONNECT_MARGIN || this.route(id) === 'sfu') {
        this.close(id);
        this.offerer.delete(id);
        continue;
      }
      if (conn.stream) this.deps.engine.placeVoice(id, p.x - x, p.y - y, this.deps.listenGain(id));
    }
    if (!this.active) return;
    for (const p of peers.values()) {
      if (this.conns.has(p.id) || !this.offersTo(p.id) || this.route(p.id) !== 'mesh') continue;
      if (Math.hypot(p.x - x, p.y - y) <= HEARING_RADIUS + CONNECT_MARGIN) this.connect(p.id);
    }
  }

  /** @param {string} peerId @returns {Conn} */
  create(peerId) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    /** @type {Conn} */
    const conn = {
      peerId, pc, polite: this.deps.selfId() > peerId, makingOffer: false, ignoreOffer: false,
      sdpSent: false, iceOut: [], iceIn: [], element: null, stream: null,
    };
    this.conns.set(peerId, conn);
    pc.onicecandidate = (ev) => {
      if (!ev.candidate) return;
      const ice = ev.candidate.toJSON();
      // ICE that overtakes its SDP breaks the call: hold it until the SDP went out.
      if (conn.sdpSent) this.deps.send({ type: 'signal', targetId: peerId, ice });
      else conn.iceOut.push(ice);
    };
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] || new MediaStream([ev.track]);
      if (conn.stream === stream) return;
      removeMuted(conn.element);
      conn.stream = stream;
      conn.element = playMuted(stream);
      this.deps.engine.attachVoice(peerId, stream);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && this.conns.get(peerId) === conn) {
        // The range loop offers again if it is our turn; otherwise the peer will.
        this.close(peerId);
      }
    };
    return conn;
  }

  /** @param {Conn} conn @param {RTCSessionDescriptionInit} desc */
  sendSdp(conn, desc) {
    this.deps.send({ type: 'signal', targetId: conn.peerId, sdp: { type: desc.type, sdp: desc.sdp } });
    conn.sdpSent = true;
    for (const ice of conn.iceOut) this.deps.send({ type: 'signal', targetId: conn.peerId, ice });
    conn.iceOut = [];
  }

  /** Offer to a peer. @param {string} peerId */
  async connect(peerId) {
    if (this.conns.has(peerId)) return;
    const conn = this.create(peerId);
    const { pc } = conn;
    const track = this.deps.engine.outboundTrack();
    if (track) pc.addTrack(track, new MediaStream([track]));
    else pc.addTransceiver('audio', { direction: 'sendrecv' });
    try {
      conn.makingOffer = true;
      const offer = await pc.createOffer();
      if (pc.signalingState !== 'stable') return;
      await pc.setLocalDescription({ type: 'offer', sdp: tuneOpus(offer.sdp || '') });
      this.sendSdp(conn, pc.localDescription);
    } catch (err) {
      console.warn('chatgrid: offer failed', err);
    } finally {
      conn.makingOffer = false;
    }
  }

  /** @param {any} msg an incoming signal */
  async handleSignal(msg) {
    if (!this.active || this.route(String(msg.senderId)) === 'wait') {
      this.queued.push(msg);
      if (this.queued.length > PENDING_SIGNALS_MAX) this.queued.shift();
      return;
    }
    const peerId = String(msg.senderId);
    this.deps.ensurePeer(msg);
    if (this.route(peerId) === 'sfu') return; // heard through the SFU
    let conn = this.conns.get(peerId);
    const sdp = msg.sdp && typeof msg.sdp === 'object' ? msg.sdp : null;
    if (sdp && sdp.type === 'offer' && conn && (conn.pc.connectionState === 'failed' || conn.pc.connectionState === 'closed')) {
      this.close(peerId);
      conn = undefined;
    }
    if (!conn) {
      if (!sdp || sdp.type !== 'offer') return; // ICE or answer for a connection we no longer have
      conn = this.create(peerId);
    }
    const { pc } = conn;
    try {
      if (sdp) {
        const collision = sdp.type === 'offer' && (conn.makingOffer || pc.signalingState !== 'stable');
        conn.ignoreOffer = !conn.polite && collision;
        if (conn.ignoreOffer) return;
        await pc.setRemoteDescription(sdp); // rolls back our own offer when polite
        for (const ice of conn.iceIn) await pc.addIceCandidate(ice).catch(() => {});
        conn.iceIn = [];
        if (sdp.type === 'offer') {
          this.attachOutbound(pc);
          const answer = await pc.createAnswer();
          await pc.setLocalDescription({ type: 'answer', sdp: tuneOpus(answer.sdp || '') });
          this.sendSdp(conn, pc.localDescription);
        }
      } else if (msg.ice && typeof msg.ice === 'object') {
        if (!pc.remoteDescription) conn.iceIn.push(msg.ice);
        else await pc.addIceCandidate(msg.ice).catch((err) => {
          if (!conn.ignoreOffer) console.warn('chatgrid: ICE candidate refused', err);
        });
      }
    } catch (err) {
      console.warn('chatgrid: signal failed', err);
    }
  }

  /** Answerer: send our voice on the transceiver the offer created. @param {RTCPeerConnection} pc */
  attachOutbound(pc) {
    const track = this.deps.engine.outboundTrack();
    if (!track) return;
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind !== 'audio') continue;
      if (!t.sender.track) t.sender.replaceTrack(track).catch(() => {});
      if (t.direction === 'recvonly') t.direction = 'sendrecv';
      return;
    }
  }

  /** @param {string} peerId */
  close(peerId) {
    const conn = this.conns.get(peerId);
    if (!conn) return;
    this.conns.delete(peerId);
    conn.pc.onicecandidate = conn.pc.ontrack = conn.pc.onconnectionstatechange = null;
    conn.pc.close();
    removeMuted(conn.element);
    this.deps.engine.detachVoice(peerId);
  }

  /** Disconnect cleanup: every connection, queued signal and role. */
  reset() {
    for (const id of [...this.conns.keys()]) this.close(id);
    this.queued = [];
    this.offerer.clear();
    this.active = false;
  }

  /** For diagnostics and tests. */
  summary() {
    return [...this.conns.values()].map((c) => ({
      peerId: c.peerId, state: c.pc.connectionState, hasStream: !!c.stream,
    }));
  }
}
