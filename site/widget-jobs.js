// The <glide-image> widget's side of the compute worker. One WorkerClient
// (site/client.js, the page's client class: the protocol is handled there
// and in wasm/cmd/worker/main_js.go, not here) per copy of widget.js, so
// per origin and path it is loaded from, shared by every <glide-image> on
// the page: one worker, one copy of the weights on the GPU, and the
// worker's queue (it runs jobs one at a time, in the order they arrive).
//
//   const job = submit(req, (msg) => …);  // msg: the worker's messages for
//                                         // this job, or a synthesized
//                                         // {type: 'error', kind, message}
//                                         // or {type: 'queued', ahead}
//   job.cancel();                         // no further messages
//
// The worker starts on the first job, not when the module loads (heavy
// work only once an element is used).
import { WorkerClient, workerURL } from './client.js';

// The embedding page's ?backend=cpu reaches this worker too (site/client.js).
const client = new WorkerClient(workerURL());
const jobs = new Map(); // request id → job, in the order sent
let ready = null; // Promise of the worker's 'ready', null before the first job and after a failure
let device = null; // the worker's last 'device' message

client.on('*', (msg) => {
  // Acknowledge every progress message, even of a canceled job: the
  // worker waits for the answer before its next step.
  if (msg.type === 'progress' && msg.seq !== undefined) client.post({ type: 'ack', seq: msg.seq });
  if (msg.type === 'device') device = msg;
  if (typeof msg.id === 'number') jobs.get(msg.id)?.onMessage(msg);
  if (msg.type === 'store-wait') jobs.values().next().value?.onMessage(msg); // the running job's
  if (msg.type === 'done' || msg.type === 'error') finished(msg.id);
});

// finished drops job id and tells the jobs that were behind it how many
// are before them now.
function finished(id) {
  const at = [...jobs.keys()].indexOf(id);
  if (at < 0) return;
  jobs.delete(id);
  [...jobs.values()].forEach((job, ahead) => { if (ahead >= at) job.onMessage({ type: 'queued', id: job.id, ahead }); });
}

// fail ends every job with an error of kind and restarts the worker on
// the next job.
function fail(kind, message) {
  ready = null;
  const all = [...jobs.values()];
  jobs.clear();
  for (const job of all) job.onMessage({ type: 'error', id: job.id, kind, message });
}

function start() {
  if (ready) return ready;
  ready = new Promise((resolve, reject) => {
    const offs = [
      client.on('ready', () => { offs.forEach((off) => off()); resolve(); }),
      client.on('fatal', ({ kind, message }) => { offs.forEach((off) => off()); reject(Object.assign(new Error(message), { kind })); }),
      client.on('crash', ({ message }) => { offs.forEach((off) => off()); reject(Object.assign(new Error(`The compute worker failed to load: ${message}`), { kind: 'worker' })); }),
    ];
    try {
      client.start();
    } catch (err) {
      offs.forEach((off) => off());
      reject(Object.assign(new Error(`The compute worker could not start (${err.message}); ` +
        'the page\'s Content-Security-Policy must allow worker-src blob:'), { kind: 'worker' }));
    }
  });
  ready.catch((err) => fail(err.kind || 'unknown', err.message));
  return ready;
}

// A worker that dies fails its jobs; the next job starts a new one.
client.on('crash', ({ message }) => fail('worker', `The compute worker failed: ${message}`));
client.on('fatal', ({ kind, message }) => fail(kind || 'unknown', message));

// submit queues req (a generate request) and routes the worker's
// messages about it to onMessage.
export function submit(req, onMessage) {
  const job = { id: 0, canceled: false, onMessage };
  start().then(() => {
    if (job.canceled) return;
    const ahead = jobs.size;
    job.id = client.request(req);
    jobs.set(job.id, job);
    onMessage({ type: 'queued', id: job.id, ahead }); // synthesized: the jobs before it in the worker
  }, (err) => {
    if (!job.canceled) onMessage({ type: 'error', id: 0, kind: err.kind || 'unknown', message: err.message });
  });
  return {
    cancel() {
      if (job.canceled) return;
      job.canceled = true;
      if (job.id) {
        client.post({ type: 'cancel', id: job.id });
        finished(job.id);
      }
    },
  };
}

// slowDevice says whether the worker runs on the CPU (no usable WebGPU).
export const slowDevice = () => !!device?.slow;
