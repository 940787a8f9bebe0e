// The image stage: one square in which the live x0 preview (64×64, drawn
// crisply scaled up) grows in place into the final image, or a grid of the
// batch's images, each with its "Download PNG" link. The square's size
// never depends on what it shows, so nothing moves while a run goes on.

// pixels wraps a worker image's bytes as ImageData.
const pixels = ({ width, height, data }) =>
  new ImageData(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height);

// toPNG draws RGBA pixels on a canvas and returns a PNG blob.
function toPNG(img) {
  const c = document.createElement('canvas');
  c.width = img.width;
  c.height = img.height;
  c.getContext('2d').putImageData(pixels(img), 0, 0);
  return new Promise((resolve, reject) =>
    c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

export function createStage({ stage, empty, preview, results }) {
  let urls = [];
  let previews = 0;
  const show = (state) => {
    stage.dataset.state = state;
    empty.hidden = state !== 'idle';
    preview.hidden = state !== 'preview';
    results.hidden = state !== 'results';
  };

  return {
    // running dims the last result until the first preview replaces it.
    running() { stage.classList.add('busy'); },
    idle() { stage.classList.remove('busy'); },
    preview(img) {
      preview.width = img.width;
      preview.height = img.height;
      preview.getContext('2d').putImageData(pixels(img), 0, 0);
      preview.dataset.previews = String(++previews);
      show('preview');
    },
    // results replaces the stage with the images; seed names the files.
    async results(images, { prompt, seed }) {
      const made = [];
      const items = await Promise.all(images.map(async (img, i) => {
        // The worker's PNG (with its text chunks, as glide generate writes
        // them) where there is one; else drawn here.
        const url = URL.createObjectURL(img.png ? new Blob([img.png], { type: 'image/png' }) : await toPNG(img));
        made.push(url);
        const li = document.createElement('li');
        const fig = document.createElement('figure');
        const im = document.createElement('img');
        im.src = url;
        im.width = img.width;
        im.height = img.height;
        im.alt = `Generated image ${i + 1}: ${prompt || '(no prompt)'}`;
        const a = document.createElement('a');
        a.className = 'download';
        a.href = url;
        a.download = `webglide-${seed}-${i + 1}.png`;
        if (images.length > 1) {
          a.textContent = `PNG ${i + 1}`;
          a.setAttribute('aria-label', `Download PNG ${i + 1}`);
        } else {
          a.textContent = 'Download PNG';
        }
        fig.append(im, a);
        li.append(fig);
        return li;
      }));
      for (const u of urls) URL.revokeObjectURL(u);
      urls = made;
      results.style.setProperty('--cols', String(Math.ceil(Math.sqrt(images.length))));
      results.replaceChildren(...items);
      stage.classList.remove('busy');
      show('results');
    },
  };
}
