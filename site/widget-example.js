// The event log of the <glide-image> example page (embed-example.html):
// every glide-progress, glide-done and glide-error, from either element,
// one line each (as text). Consecutive download and step events of one
// element update their line instead of adding one per shard or step.
const log = document.getElementById('log');
let last = null; // {key, li} of the line updated in place

function line(key, text) {
  if (last && last.key === key) {
    last.li.textContent = text;
    return;
  }
  const li = document.createElement('li');
  li.textContent = text;
  log.append(li);
  last = { key, li };
}

const name = (el) => `#${[...document.querySelectorAll('glide-image')].indexOf(el) + 1}`;

document.addEventListener('glide-progress', (e) => {
  const d = e.detail;
  const who = name(e.target);
  if (d.stage === 'download') {
    line(`${who} download ${d.bundle}`, `${who} glide-progress: ${d.fromStore ? 'reading' : 'downloading'} ${d.bundle} weights, ` +
      `${(d.bytes / 1e6).toFixed(1)} of ${(d.bytesTotal / 1e6).toFixed(1)} MB`);
  } else {
    line(`${who} ${d.stage}`, `${who} glide-progress: ${d.stage} step ${d.step} of ${d.total}`);
  }
});
document.addEventListener('glide-done', (e) => {
  const d = e.detail;
  line(null, `${name(e.target)} glide-done: ${d.width}×${d.height} PNG of ${d.blob.size} bytes, seed ${d.seed}, "${d.prompt}"`);
});
document.addEventListener('glide-error', (e) => {
  line(null, `${name(e.target)} glide-error: ${e.detail.kind}: ${e.detail.message}`);
});
