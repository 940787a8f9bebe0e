#!/usr/bin/env python3
"""`make bench-vs-pytorch`: times OpenAI's glide-text2im code on the CPU with
PyTorch, the same ops `glide bench` times, and prints one tab-separated line
per op: `op <TAB> best seconds <TAB> mean seconds`. With --glide it also runs
`glide bench` in the same run (per model: ours, then the reference) and
prints both side by side with the ratio, and the reference notebook's
generation (100 guided base steps, 27 upsampler steps) extrapolated from
one measured step per stage.

    python3 scripts/bench_pytorch.py --ref DIR [--glide build/glide]
                                     [--model base|upsample|all]
                                     [--repeat N] [--threads N]

DIR is a checkout of github.com/openai/glide-text2im (the folder holding
the glide_text2im package). Nothing of it is copied into this project; it
is imported from DIR at run time. The models are built as the reference
notebook builds them on a machine without CUDA (fp32, eval mode) with
PyTorch's default initialisation: the values do not change the work done.

Ops (the names match glide bench's rows):
  base text        text transformer + projection, batch 2
  base forward     UNet forward at batch 2, 64x64, text cached
  base step        one step of the notebook's guided sampling loop
                   (model_fn over the batch of 2 + p_sample; the notebook
                   does not cache the text, so this includes the text side)
  up text          upsampler text side, batch 1
  up forward       upsampler UNet forward, batch 1, 256x256, text cached
  up step          one step of the notebook's upsampling loop (batch 1)
"""

import argparse
import os
import re
import subprocess
import sys
import time


def best_and_mean(fn, repeat):
    fn()  # warm-up: first-call allocations and kernel selection
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), sum(times) / len(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", required=True, help="glide-text2im checkout")
    ap.add_argument("--model", default="all", choices=["base", "upsample", "all"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0 = all CPUs")
    ap.add_argument("--glide", help="also time our CPU device with this glide binary")
    args = ap.parse_args()

    sys.path.insert(0, args.ref)
    import torch as th
    from glide_text2im.model_creation import (
        create_model_and_diffusion,
        model_and_diffusion_defaults,
        model_and_diffusion_defaults_upsampler,
    )

    threads = args.threads or os.cpu_count()
    th.set_num_threads(threads)
    print(f"# pytorch {th.__version__}, {th.get_num_threads()} threads, "
          f"{th.__config__.parallel_info().splitlines()[-1].strip()}", flush=True)
    th.manual_seed(0)
    prompt = "an oil painting of a corgi"

    ref = {}  # op -> best seconds

    def out(op, fn):
        best, mean = best_and_mean(fn, args.repeat)
        ref[op] = best
        print(f"{op}\t{best:.3f}\t{mean:.3f}", flush=True)

    ours = {}
    kinds = ["base", "upsample"] if args.model == "all" else [args.model]
    for kind in kinds:
        if args.glide:
            ours.update(glide_bench(args.glide, kind, args.repeat, threads))
        up = kind == "upsample"
        options = model_and_diffusion_defaults_upsampler() if up else model_and_diffusion_defaults()
        options["use_fp16"] = False  # the notebook: use_fp16 = has_cuda
        options["timestep_respacing"] = "fast27" if up else "100"
        model, diffusion = create_model_and_diffusion(**options)
        model.eval()
        tok = model.tokenizer
        tokens = tok.encode(prompt)
        tokens, mask = tok.padded_tokens_and_mask(tokens, options["text_ctx"])
        batch = 1 if up else 2
        if up:
            kw = dict(tokens=th.tensor([tokens]), mask=th.tensor([mask], dtype=th.bool),
                      low_res=th.randn(1, 3, 64, 64))
        else:
            empty, empty_mask = tok.padded_tokens_and_mask([], options["text_ctx"])
            kw = dict(tokens=th.tensor([tokens, empty]),
                      mask=th.tensor([mask, empty_mask], dtype=th.bool))
        size = options["image_size"]
        x = th.randn(batch, 3, size, size)
        t = th.tensor([diffusion.timestep_map[len(diffusion.timestep_map) // 2]] * batch)
        short = "up" if up else "base"

        with th.no_grad():
            out(f"{short} text", lambda: model.get_text_emb(kw["tokens"], kw["mask"]))

            model.cache_text_emb = True
            model.del_cache()
            model.get_text_emb(kw["tokens"], kw["mask"])  # fills the cache
            out(f"{short} forward", lambda: model(x, t, **kw))
            model.cache_text_emb = False
            model.del_cache()

            # One step of the notebook's loop, at the middle timestep.
            step_t = th.tensor([len(diffusion.timestep_map) // 2] * batch)
            if up:
                def step():
                    diffusion.p_sample(model, x, step_t, clip_denoised=True, model_kwargs=kw)
            else:
                guidance_scale = 3.0

                def model_fn(x_t, ts, **kwargs):  # the notebook's guided call
                    half = x_t[: len(x_t) // 2]
                    combined = th.cat([half, half], dim=0)
                    model_out = model(combined, ts, **kwargs)
                    eps, rest = model_out[:, :3], model_out[:, 3:]
                    cond_eps, uncond_eps = th.split(eps, len(eps) // 2, dim=0)
                    half_eps = uncond_eps + guidance_scale * (cond_eps - uncond_eps)
                    eps = th.cat([half_eps, half_eps], dim=0)
                    return th.cat([eps, rest], dim=1)

                def step():
                    diffusion.p_sample(model_fn, x, step_t, clip_denoised=True, model_kwargs=kw)
            out(f"{short} step", step)
        del model
    if args.glide:
        compare(ours, ref, threads)


def glide_bench(binary, kind, repeat, threads):
    """Runs glide bench for one model; returns op (first two words) -> best s."""
    cmd = [binary, "bench", "--model", kind, "--repeat", str(repeat), "--threads", str(threads)]
    print("# " + " ".join(cmd), flush=True)
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    sys.stdout.write("".join("# " + line + "\n" for line in text.splitlines()))
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\s*(base|up) (text|forward|step)\b.*?\s(\d+)\s+([\d.]+)\s+([\d.]+)\s", line)
        if m:
            rows[f"{m[1]} {m[2]}"] = float(m[4])
    return rows


def compare(ours, ref, threads):
    print(f"\n{'op':<14}{'glide s':>10}{'pytorch s':>11}{'ratio':>8}   (best of each, {threads} threads)")
    for op in ref:
        if op in ours:
            print(f"{op:<14}{ours[op]:>10.3f}{ref[op]:>11.3f}{ours[op] / ref[op]:>8.2f}")
    need = ["base text", "base step", "up text", "up step"]
    if all(k in ours for k in need) and "base step" in ref and "up step" in ref:
        # Ours encodes the prompt once per stage; the notebook's model is not
        # built with cache_text_emb, so each of its steps runs the text side.
        mine = ours["base text"] + 100 * ours["base step"] + ours["up text"] + 27 * ours["up step"]
        theirs = 100 * ref["base step"] + 27 * ref["up step"]
        print(f"{'generation':<14}{mine:>10.1f}{theirs:>11.1f}{mine / theirs:>8.2f}"
              "   (100 guided base steps + 27 upsampler steps, from one step each)")


if __name__ == "__main__":
    main()
