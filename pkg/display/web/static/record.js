// The record button: POST <session>/record/start, then /record/stop, then
// the browser downloads <session>/record.png, an animated PNG of the screen.
(() => {
  'use strict';
  const button = document.getElementById('record');
  if (!button) return;
  const cfg = JSON.parse(document.getElementById('config').textContent);
  const base = cfg.WS.replace(/\/ws$/, '');
  let recording = false;
  const show = (on, note) => {
    recording = on;
    button.textContent = on ? '■ Stop' : 'Record';
    button.classList.toggle('recording', on);
    button.title = note || (on ? 'Stop recording and download the animated PNG' :
      'Record the screen; press again to stop and download an animated PNG');
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const r = await fetch(base + '/record/' + (recording ? 'stop' : 'start'), {method: 'POST'});
      const body = await r.json();
      if (!r.ok) throw new Error(body.error || r.statusText);
      if (recording) {
        show(false, 'Recorded ' + body.frames + ' frames over ' + Math.round(body.seconds) + ' s');
        const a = document.createElement('a');
        a.href = base + '/record.png';
        a.download = '';
        document.body.appendChild(a);
        a.click();
        a.remove();
      } else {
        show(true);
      }
    } catch (e) {
      button.title = 'Recording failed: ' + e.message;
      show(false, button.title);
    } finally {
      button.disabled = false;
    }
  });
})();
