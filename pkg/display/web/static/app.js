// do86's page: draws a session's screen on a canvas from the frames of
// PROTOCOL.md, and sends the keyboard, the mouse and COM1 text back.
// Plain JavaScript, no build step; works in current Chromium and Firefox.
'use strict';

(function () {
  const cfg = JSON.parse(document.getElementById('config').textContent);
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const canvas = $('screen'), stage = $('stage'), overlay = $('overlay');
  const statusEl = $('status'), statsEl = $('stats'), serialEl = $('serial');
  const ctx = canvas.getContext('2d', { alpha: false });

  // Message types (PROTOCOL.md).
  const MSG_FRAME = 1, MSG_SERIAL = 2;
  const IN_KEY = 1, IN_MOUSE = 2, IN_SERIAL = 3, IN_ACK = 4, IN_REFRESH = 5, IN_CAD = 6, IN_POINTER = 7, IN_PASTE = 8;
  const MAX_PASTE = 16384; // bytes of one paste message (protocol.go MaxPaste)
  const FLAG_DEFLATE = 2, FLAG_REVERSE = 4;
  const TILE = 16;

  // What tests and curious users can look at.
  const pub = window.do86 = { connected: false, frames: 0, keyframes: 0, state: '', reason: '', width: 0, height: 0, errors: [] };

  let ws = null, inflater = null, chain = Promise.resolve();
  let img = null;          // the whole screen, as the browser has it
  let retry = 0, ended = false;

  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = 'status' + (cls ? ' ' + cls : '');
  }
  function showOverlay(text, info) {
    overlay.textContent = text;
    overlay.className = info ? 'info' : '';
    overlay.hidden = !text;
  }

  // ---- connection -------------------------------------------------------

  const canInflate = typeof DecompressionStream === 'function' && params.get('deflate') !== '0';

  // An access token in the page's address goes on to the page's own
  // requests (the server also keeps it in a cookie).
  const token = params.get('token');
  function withToken(u) {
    if (token) u.searchParams.set('token', token);
    return u;
  }

  function connect() {
    const u = withToken(new URL(cfg.WS, location.href));
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (!canInflate) u.searchParams.set('deflate', '0');
    setStatus(retry ? 'reconnecting…' : 'connecting…');
    const sock = new WebSocket(u);
    sock.binaryType = 'arraybuffer';
    inflater = canInflate ? new Inflater() : null;
    chain = Promise.resolve();
    ws = sock;
    sock.onopen = () => { retry = 0; pub.connected = true; setStatus('connected', 'ok'); };
    sock.onmessage = (ev) => {
      if (sock !== ws) return;
      chain = chain.then(() => handle(ev.data)).catch((err) => {
        pub.errors.push(String(err));
        console.error('do86:', err);
        sock.close(4000, 'client could not decode a message');
      });
    };
    sock.onclose = (ev) => {
      if (sock !== ws) return;
      pub.connected = false;
      if (ev.reason) pub.closeReason = ev.reason;
      if (ended) {
        setStatus('disconnected: ' + (ev.reason || 'the session ended'), 'bad');
        return;
      }
      const wait = Math.min(10, 1 + retry++) * 1000;
      setStatus('disconnected' + (ev.reason ? ' (' + ev.reason + ')' : '') + ': retrying in ' + wait / 1000 + ' s', 'bad');
      setTimeout(connect, wait);
    };
  }

  function send(bytes) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(bytes);
  }

  // Inflater is the connection's one raw deflate stream: each frame body is
  // the stream's next piece, ending in a sync flush, so all of it can be
  // read out before the next piece arrives.
  function Inflater() {
    const ds = new DecompressionStream('deflate-raw');
    this.writer = ds.writable.getWriter();
    this.reader = ds.readable.getReader();
  }
  Inflater.prototype.inflate = async function (chunk, n) {
    this.writer.write(chunk).catch(() => {});
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const r = await this.reader.read();
      if (r.done) throw new Error('the deflate stream ended');
      if (off + r.value.length > n) throw new Error('a frame body longer than announced');
      out.set(r.value, off);
      off += r.value.length;
    }
    return out;
  };

  async function handle(data) {
    if (typeof data === 'string') {
      handleJSON(JSON.parse(data));
      return;
    }
    const b = new Uint8Array(data);
    if (b[0] === MSG_SERIAL) {
      appendSerial(b.subarray(1));
      return;
    }
    if (b[0] !== MSG_FRAME) throw new Error('unknown message type ' + b[0]);
    const dv = new DataView(data);
    const flags = b[1], seq = dv.getUint32(2, true), n = dv.getUint32(6, true);
    let body = b.subarray(10);
    if (flags & FLAG_DEFLATE) {
      if (!inflater) throw new Error('a deflated frame without deflate');
      body = await inflater.inflate(body, n);
    } else if (body.length !== n) {
      throw new Error('frame body of ' + body.length + ' bytes, ' + n + ' announced');
    }
    drawFrame(body, flags);
    pub.frames++;
    if (flags & 1) pub.keyframes++;
    pub.seq = seq;
    const ack = new Uint8Array(5);
    ack[0] = IN_ACK;
    new DataView(ack.buffer).setUint32(1, seq, true);
    send(ack);
  }

  function handleJSON(m) {
    switch (m.type) {
      case 'hello':
        pub.viewer = m.viewer;
        break;
      case 'state':
        pub.state = m.state;
        pub.reason = m.reason || '';
        switch (m.state) {
          case 'booting': setStatus('booting…'); showOverlay('booting ' + cfg.Image + '…', true); break;
          case 'running': setStatus('running', 'ok'); showOverlay(''); break;
          case 'hibernated': setStatus('hibernated'); showOverlay('resuming ' + cfg.Image + '…', true); break;
          case 'crashed': ended = false; setStatus('crashed', 'bad'); showOverlay('crashed: ' + m.reason); break;
          case 'failed': ended = true; setStatus('failed', 'bad'); showOverlay('failed to boot: ' + m.reason); break;
          case 'stopped': ended = true; setStatus('stopped', 'bad'); showOverlay('stopped: ' + m.reason); break;
        }
        break;
      case 'mode':
        pub.mode = m;
        resize(m.width, m.height);
        break;
      case 'stats':
        statsEl.textContent = Math.round(m.fps) + ' fps · ' + kb(m.bytesPerSec) + '/s · ' +
          Math.round(m.mips) + ' MIPS · ' + m.viewers + (m.viewers === 1 ? ' viewer' : ' viewers') +
          (m.absolute ? ' · tablet' : '');
        setAbsolute(!!m.absolute);
        break;
    }
  }

  function kb(n) {
    return n >= 1e6 ? (n / 1e6).toFixed(1) + ' MB' : (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + ' kB';
  }

  // ---- drawing ----------------------------------------------------------

  function resize(w, h) {
    if (img && img.width === w && img.height === h) return;
    canvas.width = w;
    canvas.height = h;
    img = ctx.createImageData(w, h);
    const px = img.data;
    for (let i = 3; i < px.length; i += 4) px[i] = 255;
    pub.width = w;
    pub.height = h;
    fit();
  }

  // drawFrame applies a frame body: the changed tiles go into img, and the
  // rectangle around them onto the canvas.
  function drawFrame(b, flags) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const w = dv.getUint16(0, true), h = dv.getUint16(2, true), count = dv.getUint32(4, true);
    resize(w, h);
    const px = img.data, cols = Math.ceil(w / TILE);
    const step = flags & FLAG_REVERSE ? -1 : 1;
    let p = 8, index = step > 0 ? -1 : cols * Math.ceil(h / TILE);
    let x0 = w, y0 = h, x1 = 0, y1 = 0;
    const pal = new Uint8Array(127 * 3);
    for (let t = 0; t < count; t++) {
      let skip = 0, mul = 1, c;
      do { c = b[p++]; skip += (c & 127) * mul; mul *= 128; } while (c & 128);
      index += step * (skip + 1);
      const x = (index % cols) * TILE, y = Math.floor(index / cols) * TILE;
      if (index < 0 || y >= h) throw new Error('tile ' + index + ' outside the screen');
      const tw = Math.min(TILE, w - x), th = Math.min(TILE, h - y);
      const enc = b[p++];
      if (enc === 0) { // solid
        const r = b[p], g = b[p + 1], bl = b[p + 2];
        p += 3;
        for (let j = 0; j < th; j++) {
          let o = ((y + j) * w + x) * 4;
          for (let i = 0; i < tw; i++, o += 4) { px[o] = r; px[o + 1] = g; px[o + 2] = bl; }
        }
      } else if (enc === 1) { // raw
        for (let j = 0; j < th; j++) {
          let o = ((y + j) * w + x) * 4;
          for (let i = 0; i < tw; i++, o += 4, p += 3) { px[o] = b[p]; px[o + 1] = b[p + 1]; px[o + 2] = b[p + 2]; }
        }
      } else if (enc === 2 || enc === 3) { // palette: packed or runs
        const n = b[p++];
        for (let k = 0; k < n * 3; k++) pal[k] = b[p + k];
        p += n * 3;
        if (enc === 2) {
          const bpp = n <= 2 ? 1 : n <= 4 ? 2 : 4, mask = (1 << bpp) - 1, rowBytes = (tw * bpp + 7) >> 3;
          for (let j = 0; j < th; j++) {
            let o = ((y + j) * w + x) * 4;
            for (let i = 0; i < tw; i++, o += 4) {
              const bit = i * bpp;
              const ci = ((b[p + (bit >> 3)] >> (8 - bpp - (bit & 7))) & mask) * 3;
              px[o] = pal[ci]; px[o + 1] = pal[ci + 1]; px[o + 2] = pal[ci + 2];
            }
            p += rowBytes;
          }
        } else {
          const np = tw * th;
          for (let k = 0; k < np;) {
            const c0 = b[p++];
            let run = 1;
            if (c0 & 128) {
              let v = 0, m2 = 1, c2;
              do { c2 = b[p++]; v += (c2 & 127) * m2; m2 *= 128; } while (c2 & 128);
              run = v + 2;
            }
            const ci = (c0 & 127) * 3;
            if (k + run > np) throw new Error('a run past the tile');
            for (let e = k + run; k < e; k++) {
              const o = ((y + Math.floor(k / tw)) * w + x + (k % tw)) * 4;
              px[o] = pal[ci]; px[o + 1] = pal[ci + 1]; px[o + 2] = pal[ci + 2];
            }
          }
        }
      } else if (enc === 4) { // copy of a tile the page has
        let v = 0, m3 = 1, c3;
        do { c3 = b[p++]; v += (c3 & 127) * m3; m3 *= 128; } while (c3 & 128);
        const src = index + (v % 2 ? -(v + 1) / 2 : v / 2); // zigzag
        const sx = (src % cols) * TILE, sy = Math.floor(src / cols) * TILE;
        if (src < 0 || src === index || sy >= h || Math.min(TILE, w - sx) !== tw || Math.min(TILE, h - sy) !== th) {
          throw new Error('bad copy source ' + src + ' for tile ' + index);
        }
        for (let j = 0; j < th; j++) {
          const so = ((sy + j) * w + sx) * 4;
          px.copyWithin(((y + j) * w + x) * 4, so, so + tw * 4);
        }
      } else {
        throw new Error('unknown tile encoding ' + enc);
      }
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x + tw > x1) x1 = x + tw;
      if (y + th > y1) y1 = y + th;
    }
    if (p > b.length) throw new Error('a frame body shorter than its tiles');
    if (x1 > x0) ctx.putImageData(img, 0, 0, x0, y0, x1 - x0, y1 - y0);
  }

  // fit scales the canvas to the stage, keeping the guest's aspect.
  function fit() {
    const r = stage.getBoundingClientRect();
    if (!canvas.width || !r.width || !r.height) return;
    const s = Math.min(r.width / canvas.width, r.height / canvas.height);
    canvas.style.width = Math.floor(canvas.width * s) + 'px';
    canvas.style.height = Math.floor(canvas.height * s) + 'px';
    // Whole-number enlargements stay crisp; others are smoothed.
    canvas.style.imageRendering = s >= 1 && Math.abs(s - Math.round(s)) < 0.01 ? 'pixelated' : 'auto';
  }
  if (typeof ResizeObserver === 'function') new ResizeObserver(fit).observe(stage);
  window.addEventListener('resize', fit);

  // ---- keyboard ---------------------------------------------------------

  const held = new Set();
  const te = new TextEncoder();
  function sendKey(code, down) {
    if (!/^[A-Za-z0-9]{1,32}$/.test(code)) return; // the server refuses anything else
    const b = new Uint8Array(2 + code.length);
    b[0] = IN_KEY;
    b[1] = down ? 1 : 0;
    b.set(te.encode(code), 2);
    send(b);
    if (down) held.add(code); else held.delete(code);
  }
  // While the screen has the focus every key is the guest's: Tab, F-keys,
  // Ctrl combinations and the like do not reach the browser (as far as it
  // lets a page keep them).
  canvas.addEventListener('keydown', (e) => {
    // Ctrl+Shift+V is the page's paste (the browser then fires 'paste').
    if (e.ctrlKey && e.shiftKey && e.code === 'KeyV') return;
    e.preventDefault();
    e.stopPropagation();
    if (e.code) sendKey(e.code, true);
  });
  canvas.addEventListener('keyup', (e) => {
    e.preventDefault();
    e.stopPropagation();
    if (e.code) sendKey(e.code, false);
  });
  // Keys still held when the focus goes would stay down in the guest.
  function releaseAll() {
    for (const code of Array.from(held)) sendKey(code, false);
  }
  canvas.addEventListener('blur', releaseAll);
  window.addEventListener('blur', releaseAll);
  // What the user pastes (Ctrl+V, the context menu) is typed into the
  // guest, as keystrokes of a US keyboard.
  document.addEventListener('paste', (e) => {
    const text = e.clipboardData && e.clipboardData.getData('text');
    if (!text) return;
    e.preventDefault();
    releaseAll();
    const b = te.encode(text.replace(/\r\n/g, '\n'));
    let i = 0;
    while (i < b.length) {
      let end = Math.min(b.length, i + MAX_PASTE);
      while (end < b.length && (b[end] & 0xC0) === 0x80) end--; // whole characters
      const m = new Uint8Array(1 + end - i);
      m[0] = IN_PASTE;
      m.set(b.subarray(i, end), 1);
      send(m);
      i = end;
    }
  });

  // ---- mouse ------------------------------------------------------------

  // While the guest drives an absolute pointer (a USB tablet: the stats say
  // so) the page sends where the mouse is on the screen and leaves the
  // pointer free: the guest's arrow lands under it. Otherwise a click
  // captures the pointer (Pointer Lock) and the page sends relative motion,
  // as a PS/2 mouse reports it; where the lock is refused (or with
  // ?pointer=abs) it sends positions, which the machine turns into motion.
  const lockAllowed = params.get('pointer') !== 'abs' && typeof canvas.requestPointerLock === 'function';
  let absolute = false, locked = false, buttons = 0, pos = null, wheel = 0;

  function sendMouse(dx, dy, dz) {
    const b = new Uint8Array(7);
    const dv = new DataView(b.buffer);
    b[0] = IN_MOUSE;
    dv.setInt16(1, Math.max(-32768, Math.min(32767, dx)), true);
    dv.setInt16(3, Math.max(-32768, Math.min(32767, dy)), true);
    dv.setInt8(5, Math.max(-128, Math.min(127, dz)));
    b[6] = buttons & 7;
    send(b);
  }
  function sendPointer(dz) {
    if (!pos || !canvas.width || !canvas.height) return;
    const b = new Uint8Array(11);
    const dv = new DataView(b.buffer);
    b[0] = IN_POINTER;
    dv.setUint16(1, pos[0], true);
    dv.setUint16(3, pos[1], true);
    dv.setUint16(5, canvas.width, true);
    dv.setUint16(7, canvas.height, true);
    dv.setInt8(9, Math.max(-128, Math.min(127, dz)));
    b[10] = buttons & 7;
    send(b);
  }
  // guestPos is the screen pixel under the mouse, inside the picture.
  function guestPos(e) {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor((e.clientX - r.left) * canvas.width / r.width);
    const y = Math.floor((e.clientY - r.top) * canvas.height / r.height);
    return [Math.max(0, Math.min(canvas.width - 1, x)), Math.max(0, Math.min(canvas.height - 1, y))];
  }
  function setAbsolute(a) {
    if (a === absolute) return;
    absolute = pub.absolute = a;
    // The guest draws its own arrow where the mouse is: one is enough.
    canvas.style.cursor = a ? 'none' : '';
    if (a && locked && document.exitPointerLock) document.exitPointerLock();
  }
  pub.absolute = false;
  document.addEventListener('pointerlockchange', () => {
    locked = document.pointerLockElement === canvas;
  });
  canvas.addEventListener('mousedown', (e) => {
    e.preventDefault();
    canvas.focus();
    buttons = e.buttons & 7;
    if (!absolute && lockAllowed && !locked) {
      try {
        const p = canvas.requestPointerLock();
        if (p && p.catch) p.catch(() => {});
      } catch (err) { /* refused: positions instead */ }
    }
    if (locked) sendMouse(0, 0, 0);
    else { pos = guestPos(e); sendPointer(0); }
  });
  canvas.addEventListener('mouseup', (e) => {
    e.preventDefault();
    buttons = e.buttons & 7;
    if (locked) sendMouse(0, 0, 0);
    else { pos = guestPos(e); sendPointer(0); }
  });
  canvas.addEventListener('mousemove', (e) => {
    if (locked) {
      if (e.movementX || e.movementY) sendMouse(e.movementX, e.movementY, 0);
      return;
    }
    const p = guestPos(e);
    if (pos && p[0] === pos[0] && p[1] === pos[1]) return;
    pos = p;
    sendPointer(0);
  });
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    // One wheel notch is about 100 pixels (or 3 lines) in browsers.
    wheel += e.deltaMode === 1 ? e.deltaY / 3 : e.deltaMode === 2 ? e.deltaY : e.deltaY / 100;
    const dz = Math.trunc(wheel);
    if (!dz) return;
    wheel -= dz;
    if (locked) sendMouse(0, 0, dz);
    else { pos = guestPos(e); sendPointer(dz); }
  }, { passive: false });

  // ---- buttons ----------------------------------------------------------

  $('cad').addEventListener('click', () => { send(new Uint8Array([IN_CAD])); canvas.focus(); });
  $('full').addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (stage.requestFullscreen) stage.requestFullscreen().then(() => canvas.focus()).catch(() => {});
  });
  document.addEventListener('fullscreenchange', fit);
  $('shot').addEventListener('click', () => {
    canvas.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = (cfg.ID || 'do86') + '-' + new Date().toISOString().replace(/[:.]/g, '-') + '.png';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, 'image/png');
  });
  pub.refresh = () => send(new Uint8Array([IN_REFRESH]));

  // ---- serial console ---------------------------------------------------

  const td = new TextDecoder('utf-8');
  let serialText = '';
  function appendSerial(bytes) {
    // Terminal control sequences mean nothing here: drop them.
    const s = td.decode(bytes, { stream: true }).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    serialText = (serialText + s).slice(-200000);
    const atEnd = serialEl.scrollTop + serialEl.clientHeight >= serialEl.scrollHeight - 4;
    serialEl.textContent = serialText;
    if (atEnd) serialEl.scrollTop = serialEl.scrollHeight;
    pub.serial = serialText;
  }
  $('serial-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('serial-input');
    const bytes = te.encode(input.value + '\r');
    for (let i = 0; i < bytes.length; i += 4096) {
      const b = new Uint8Array(1 + Math.min(4096, bytes.length - i));
      b[0] = IN_SERIAL;
      b.set(bytes.subarray(i, i + 4096), 1);
      send(b);
    }
    input.value = '';
  });

  // ---- starting ---------------------------------------------------------

  // A session that does not exist yet is booted by a POST from this page
  // (a GET never starts a machine): at once when the user came from this
  // server or typed the address (cfg.AutoStart), else on a click on Boot.
  const startBox = $('start');
  async function start() {
    startBox.hidden = true;
    setStatus('starting…');
    showOverlay('starting ' + cfg.Image + '…', true);
    try {
      const resp = await fetch(withToken(new URL(cfg.Start, location.href)), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Accept': 'application/json' },
        body: new URLSearchParams({ id: cfg.ID, image: cfg.Image }),
      });
      if (!resp.ok) {
        const why = (await resp.text()).trim();
        pub.errors.push('start: ' + resp.status + ' ' + why);
        setStatus('not started', 'bad');
        showOverlay('could not boot ' + cfg.Image + ': ' + why);
        return;
      }
    } catch (err) {
      pub.errors.push('start: ' + err);
      setStatus('not started', 'bad');
      showOverlay('could not boot ' + cfg.Image + ': ' + err);
      return;
    }
    pub.started = true;
    connect();
    canvas.focus();
  }
  $('boot').addEventListener('click', start);

  if (!cfg.Start) {
    connect();
  } else if (cfg.AutoStart) {
    start();
  } else {
    $('start-text').textContent = 'Session ' + cfg.ID + ' is not running. Boot ' + cfg.Image + ' in it?';
    startBox.hidden = false;
    setStatus('not started');
    pub.state = 'not started';
  }
  canvas.focus();
})();
