// "Tell me when an image is done while this tab is in the background": a
// setting, off by default and remembered. When on, a finished run in a
// hidden tab shows a notification (if the user allowed them) or else plays
// a short chime.

const KEY = 'webglide.notify';

export function setupNotify({ checkbox, title }) {
  checkbox.checked = localStorage.getItem(KEY) === '1';
  checkbox.addEventListener('change', async () => {
    localStorage.setItem(KEY, checkbox.checked ? '1' : '0');
    if (checkbox.checked && 'Notification' in window && Notification.permission === 'default') {
      try {
        await Notification.requestPermission();
      } catch {
        // Refused or unsupported: the chime is the fallback.
      }
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) document.title = title;
  });

  return {
    // done tells the user, if they asked and are not looking.
    done(text) {
      if (!checkbox.checked || !document.hidden) return;
      if ('Notification' in window && Notification.permission === 'granted') {
        new Notification('WebGLIDE: your image is ready', { body: text });
        return;
      }
      chime();
    },
  };
}

// chime plays two short soft tones.
function chime() {
  try {
    const ctx = new AudioContext();
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    for (const [i, f] of [660, 880].entries()) {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      const t = ctx.currentTime + i * 0.18;
      gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.16);
      o.start(t);
      o.stop(t + 0.17);
    }
    setTimeout(() => ctx.close(), 600);
  } catch {
    // No audio: nothing more to do.
  }
}
