// The WebGPU device's command encoder (wasm/webgpu): Go records a step's
// work as a flat Uint32Array and calls this once per flush, instead of
// making one syscall/js call per GPU command.
//
// Evaluated once (it is an expression yielding a function); the worker
// bootstrap may instead define globalThis.webglideEncode with this same
// function, so that no code is ever evaluated from a string (CSP without
// 'unsafe-eval'): make wasm copies this file to build/webgpu-encode.js,
// which site/worker.js loads with importScripts() (as a classic script the
// assignment below defines the global; as an expression it yields the
// function).
//
// Arguments:
//   device   GPUDevice
//   table    Array of GPU objects; commands refer to them by index
//   cmds     Uint32Array of commands, ncmd words used:
//              1 pipeline bindGroup uniformOffset x y z   dispatch
//              2 src srcOffset dst dstOffset size          copyBufferToBuffer
//   uniBuf   GPUBuffer (uniform arena) and uni (Uint8Array) with uniLen bytes to write at 0
//   upBuf    GPUBuffer (upload arena) and up (Uint8Array) with upLen bytes to write at 0
//   label    label of the command encoder and passes
//   qs       null, or a timestamp GPUQuerySet: then every dispatch gets its
//            own pass writing timestamps 2k and 2k+1 (k: the dispatch's
//            number in this call), resolved into resolveBuf at the end
globalThis.webglideEncode = function webglideEncode(device, table, cmds, ncmd, uniBuf, uni, uniLen, upBuf, up, upLen, label, qs, resolveBuf) {
  const q = device.queue;
  if (uniLen > 0) q.writeBuffer(uniBuf, 0, uni, 0, uniLen);
  if (upLen > 0) q.writeBuffer(upBuf, 0, up, 0, upLen);
  const enc = device.createCommandEncoder({ label });
  let pass = null;
  let pipe = -1; // the pass's current pipeline: consecutive dispatches of one kernel set it once
  let timed = 0; // dispatches timed so far (qs only)
  for (let i = 0; i < ncmd;) {
    switch (cmds[i]) {
      case 1:
        if (qs) {
          if (pass !== null) pass.end();
          pass = enc.beginComputePass({
            label,
            timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * timed, endOfPassWriteIndex: 2 * timed + 1 },
          });
          pipe = -1;
          timed++;
        } else if (pass === null) { pass = enc.beginComputePass({ label }); pipe = -1; }
        if (cmds[i + 1] !== pipe) { pipe = cmds[i + 1]; pass.setPipeline(table[pipe]); }
        // The dynamic offset straight from cmds (the Uint32Array overload):
        // no array to build or convert per dispatch.
        pass.setBindGroup(0, table[cmds[i + 2]], cmds, i + 3, 1);
        pass.dispatchWorkgroups(cmds[i + 4], cmds[i + 5], cmds[i + 6]);
        i += 7;
        break;
      case 2:
        if (pass !== null) { pass.end(); pass = null; }
        enc.copyBufferToBuffer(table[cmds[i + 1]], cmds[i + 2], table[cmds[i + 3]], cmds[i + 4], cmds[i + 5]);
        i += 6;
        break;
      default:
        throw new Error('webglideEncode: bad command ' + cmds[i] + ' at ' + i);
    }
  }
  if (pass !== null) pass.end();
  if (qs && timed > 0) enc.resolveQuerySet(qs, 0, 2 * timed, resolveBuf, 0);
  q.submit([enc.finish({ label })]);
}
