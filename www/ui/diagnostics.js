/**
 * window.__chatgrid: a read-only window into the running client for the
 * browser tests and for debugging from the console. It measures what the user
 * hears (an AnalyserNode tap on the output), lists peer connections and can
 * walk the player with the same held-arrow path the keyboard uses. For the
 * piano: a level timeline (which pitch sounds when), a note played by the
 * synth directly, and what piano mode holds.
 */

/**
 * @param {{
 *   state: any, engine: import('../audio/engine.js').AudioEngine,
 *   peers: import('../webrtc/peers.js').PeerManager, send: (msg: any) => boolean,
 *   sfu: import('../webrtc/sfu.js').SfuManager,
 *   media: import('../session/media.js').MediaSession,
 *   itemAudio: import('../audio/item-audio.js').ItemAudio,
 *   piano: { previewNote: (voice: any, midi: number, ms: number) => void, synth: { keys: () => any },
 *            summary: () => any, defaults: Record<string, any> },
 * }} deps  (the piano's parts come from piano/, which sits above ui/; main.js passes them)
 */
export function installDiagnostics(deps) {
  const { state, engine, peers } = deps;
  const { previewNote, synth: pianoSynth, summary: pianoSummary, defaults: INSTRUMENT_DEFAULTS } = deps.piano;

  /**
   * Power at given frequencies in each ear, averaged over ms.
   * @param {{ ms?: number, freqs?: number[] }} [opts]
   */
  async function measure(opts = {}) {
    const ms = opts.ms ?? 1500;
    const freqs = opts.freqs ?? [440, 660];
    const ctx = engine.ensureContext();
    const split = ctx.createChannelSplitter(2);
    engine.master.connect(split);
    const analysers = [0, 1].map((ch) => {
      const a = ctx.createAnalyser();
      a.fftSize = 8192;
      a.smoothingTimeConstant = 0;
      split.connect(a, ch);
      return a;
    });
    const bins = analysers[0].frequencyBinCount;
    const sums = analysers.map(() => new Float64Array(bins));
    const rms = [0, 0];
    const peak = [0, 0];
    let frames = 0;
    const spec = new Float32Array(bins);
    const time = new Float32Array(analysers[0].fftSize);
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      analysers.forEach((a, i) => {
        a.getFloatFrequencyData(spec);
        for (let b = 0; b < bins; b++) sums[i][b] += Math.pow(10, spec[b] / 10);
        a.getFloatTimeDomainData(time);
        let s = 0;
        for (const v of time) s += v * v;
        const r = Math.sqrt(s / time.length);
        rms[i] += r;
        peak[i] = Math.max(peak[i], r);
      });
      frames++;
    }
    engine.master.disconnect(split);
    const hzPerBin = ctx.sampleRate / analysers[0].fftSize;
    const result = { sampleRate: ctx.sampleRate, contextState: ctx.state, frames, left: {}, right: {}, rmsLeft: rms[0] / frames, rmsRight: rms[1] / frames, peakRmsLeft: peak[0], peakRmsRight: peak[1], peakHz: [0, 0] };
    sums.forEach((sum, i) => {
      const side = i === 0 ? result.left : result.right;
      for (const f of freqs) {
        const c = Math.round(f / hzPerBin);
        let p = 0;
        for (let b = Math.max(0, c - 4); b <= Math.min(bins - 1, c + 4); b++) p += sum[b] / frames;
        side[f] = 10 * Math.log10(p + 1e-20);
      }
      let best = 1;
      for (let b = 2; b < bins - 1; b++) if (sum[b] > sum[best]) best = b;
      const a = sum[best - 1], m = sum[best], z = sum[best + 1];
      const shift = (a - z) / (2 * (a - 2 * m + z) || 1);
      result.peakHz[i] = (best + shift) * hzPerBin;
    });
    return result;
  }

  /**
   * The power at one frequency in what the user hears (both ears summed),
   * block by block, over ms without gaps: for timing (an echo's delay).
   * @param {{ ms?: number, freq: number, blockMs?: number }} opts
   * @returns {Promise<{ blockMs: number, powers: number[] }>}
   */
  async function envelope(opts) {
    const ms = opts.ms ?? 4000;
    const ctx = engine.ensureContext();
    const block = Math.max(1, Math.round(((opts.blockMs ?? 10) / 1000) * ctx.sampleRate));
    const w = (2 * Math.PI * opts.freq) / ctx.sampleRate;
    const coeff = 2 * Math.cos(w);
    const want = Math.ceil((ms / 1000) * ctx.sampleRate / block);
    /** @type {number[]} */
    const powers = [];
    let s1 = 0;
    let s2 = 0;
    let k = 0;
    const sp = ctx.createScriptProcessor(4096, 2, 1);
    await new Promise((resolve) => {
      sp.onaudioprocess = (ev) => {
        const l = ev.inputBuffer.getChannelData(0);
        const r = ev.inputBuffer.getChannelData(1);
        for (let i = 0; i < l.length && powers.length < want; i++) {
          const s0 = (l[i] + r[i]) / 2 + coeff * s1 - s2;
          s2 = s1;
          s1 = s0;
          if (++k === block) {
            powers.push((s1 * s1 + s2 * s2 - coeff * s1 * s2) / (block * block));
            s1 = 0;
            s2 = 0;
            k = 0;
          }
        }
        if (powers.length >= want) resolve(undefined);
      };
      engine.master.connect(sp);
      sp.connect(ctx.destination);
    });
    engine.master.disconnect(sp);
    sp.disconnect();
    sp.onaudioprocess = null;
    return { blockMs: (block / ctx.sampleRate) * 1000, powers };
  }

  /**
   * Levels over time: every ~40 ms the power (dB) at each frequency of the
   * output (both ears summed), for telling which pitch sounded when.
   * @param {{ ms?: number, freqs?: number[] }} [opts]
   * @returns {Promise<{ start: number, frames: Array<{ t: number, levels: Record<number, number> }> }>}
   */
  async function timeline(opts = {}) {
    const ms = opts.ms ?? 3000;
    const freqs = opts.freqs ?? [440];
    const ctx = engine.ensureContext();
    const a = ctx.createAnalyser();
    a.fftSize = 4096;
    a.smoothingTimeConstant = 0;
    engine.master.connect(a);
    const spec = new Float32Array(a.frequencyBinCount);
    const hzPerBin = ctx.sampleRate / a.fftSize;
    const start = Date.now();
    const frames = [];
    while (Date.now() - start < ms) {
      await new Promise((r) => setTimeout(r, 40));
      a.getFloatFrequencyData(spec);
      /** @type {Record<number, number>} */
      const levels = {};
      for (const f of freqs) {
        const c = Math.round(f / hzPerBin);
        let p = 0;
        for (let b = Math.max(0, c - 1); b <= Math.min(spec.length - 1, c + 1); b++) p += Math.pow(10, spec[b] / 10);
        levels[f] = 10 * Math.log10(p + 1e-20);
      }
      frames.push({ t: Date.now() - start, levels });
    }
    engine.master.disconnect(a);
    return { start, frames };
  }

  /**
   * One note of an instrument (its defaults) from the synth, here, for ms.
   * @param {string} instrument @param {number} midi @param {number} [ms]
   */
  function pianoPreview(instrument, midi, ms = 320) {
    previewNote({ instrument, ...(INSTRUMENT_DEFAULTS[instrument] || {}) }, midi, ms);
  }

  /**
   * Walk to a tile by holding arrows, as a user would; resolves on arrival.
   * @param {number} x @param {number} y @param {number} [timeoutMs]
   */
  function walkTo(x, y, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        state.pressed.delete('ArrowUp');
        state.pressed.delete('ArrowDown');
        state.pressed.delete('ArrowLeft');
        state.pressed.delete('ArrowRight');
        if (!state.running) {
          clearInterval(timer);
          reject(new Error('not running'));
          return;
        }
        if (state.x === x && state.y === y) {
          clearInterval(timer);
          resolve({ x: state.x, y: state.y });
          return;
        }
        if (Date.now() - started > timeoutMs) {
          clearInterval(timer);
          reject(new Error(`walkTo timed out at ${state.x}, ${state.y}`));
          return;
        }
        if (x > state.x) state.pressed.add('ArrowRight');
        if (x < state.x) state.pressed.add('ArrowLeft');
        if (y > state.y) state.pressed.add('ArrowUp');
        if (y < state.y) state.pressed.add('ArrowDown');
      }, 20);
    });
  }

  /**
   * WebRTC totals for the benchmark: peer connections (mesh and SFU), audio
   * streams sent (one Opus encoder each) and received, bytes so far.
   */
  async function rtcStats() {
    const pcs = [...peers.conns.values()].map((c) => c.pc).concat(deps.sfu.peerConnections());
    const out = { pcs: pcs.length, encoders: 0, bytesSent: 0, decoders: 0, bytesReceived: 0, targetBitrate: 0, codecs: /** @type {string[]} */ ([]) };
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((/** @type {any} */ r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'audio' && r.bytesSent > 0) {
          out.encoders++;
          out.bytesSent += r.bytesSent;
          out.targetBitrate += r.targetBitrate || 0;
          const codec = r.codecId ? report.get(r.codecId) : null;
          if (codec) out.codecs.push(`${codec.mimeType} ${codec.sdpFmtpLine || ''}`.trim());
        } else if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.bytesReceived > 0) {
          out.decoders++;
          out.bytesReceived += r.bytesReceived;
        }
      });
    }
    return out;
  }

  /** @type {any} */ (window).__chatgrid = {
    rtcStats,
    state,
    engine,
    itemAudio: () => deps.itemAudio.summary(),
    measure,
    envelope,
    timeline,
    pianoPreview,
    piano: () => ({ mode: pianoSummary(), voices: pianoSynth.keys() }),
    pianoSynth,
    walkTo,
    peers: () => [...peers.summary(), ...deps.sfu.summary()],
    sfu: () => deps.sfu.connections(),
    micEnabled: () => {
      const s = deps.media.stream;
      return s ? s.getAudioTracks().map((t) => t.enabled) : [];
    },
    send: deps.send,
  };
}
