#!/usr/bin/env python3
"""Independent check of a robust-accuracy figure (issue 17): rebuilds a shipped model in PyTorch from its tfjs
weights (torch_peer.build), runs its own L-inf PGD with the same epsilon, steps, step size and restarts on the same
test images, and compares its robust accuracy with the project's figure for that command (from the model's
evals.json, which `npm run cards` fills). Agreement means |difference| <= 1 point.

Semantics matched to the project's loop: a uniform random start in the eps-cube (a fresh one per restart); after
each step the iterate is clipped to [0, 1] and projected; an example counts as broken if any iterate (after a step)
is misclassified; restarts attack only the examples still unbroken. Random draws differ (torch vs the project's
generator), so figures differ by sampling noise, not by definition.

  npx tsx scripts/bench/dump-test-images.ts --model mnist-cnn-robust --n 1000 --out .cache/torch-check/mnist
  /usr/bin/python3 scripts/bench/torch_pgd_check.py --model mnist-cnn-robust --data .cache/torch-check/mnist \
      --n 1000 --eps 0.3 --steps 50 --step-size 0.01 --restarts 10 [--threads 2] [--seed 0]
Debian's python3-torch installs for /usr/bin/python3. Prints one JSON object; saved as models/<id>/torch-check.json,
`npm run cards` puts it on the card (while the weights' SHA-256 still matches).
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import build, to_nchw  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def pgd_broken(model, x, y, eps, alpha, steps, gen):
    """Per example: True if any PGD iterate (after a step) is misclassified."""
    broken = torch.zeros(len(y), dtype=torch.bool, device=x.device)
    xa = (x + (torch.rand(x.shape, generator=gen, device=x.device) * 2 - 1) * eps).clamp(0, 1)
    lo, hi = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    for _ in range(steps):
        xa = xa.clone().requires_grad_(True)
        loss = F.cross_entropy(model(xa), y, reduction='sum')
        (g,) = torch.autograd.grad(loss, xa)
        xa = torch.min(torch.max(xa.detach() + alpha * g.sign(), lo), hi)
        with torch.no_grad():
            broken |= model(xa).argmax(1) != y
        if bool(broken.all()):
            break
    return broken


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--data', required=True, help='folder with inputs.f32 and labels.i32 (dump-test-images.ts)')
    ap.add_argument('--n', type=int, required=True)
    ap.add_argument('--eps', type=float, required=True)
    ap.add_argument('--steps', type=int, required=True)
    ap.add_argument('--step-size', type=float, required=True)
    ap.add_argument('--restarts', type=int, required=True)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=250)
    ap.add_argument('--device', default='cpu', help="torch device, e.g. cuda (the same float32 arithmetic, faster)")
    ap.add_argument('--model-dir', help='the model folder (default: models/<model>)')
    ap.add_argument('--project-json', help="the project's figure from this file (the --json output of the same npm run eval command) instead of the model's evals.json")
    a = ap.parse_args()
    if a.project_json and not os.path.exists(a.project_json):
        sys.exit(f'--project-json {a.project_json}: no such file (write the npm run eval --json output there first)')
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    model_dir = a.model_dir or os.path.join(ROOT, 'models', a.model)
    model = build(model_dir).to(dev)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x_all = np.fromfile(os.path.join(a.data, 'inputs.f32'), dtype='<f4')
    if x_all.size < a.n * 784:
        sys.exit(f'{a.data}/inputs.f32 holds fewer than {a.n} images: dump them with dump-test-images.ts --n {a.n}')
    x_all = to_nchw(torch.from_numpy(x_all[: a.n * 784].reshape(a.n, 28, 28, 1).copy()))
    y_all = torch.from_numpy(np.fromfile(os.path.join(a.data, 'labels.i32'), dtype='<i4')[: a.n].astype(np.int64))
    x_all, y_all = x_all.to(dev), y_all.to(dev)

    started = time.time()
    robust = 0
    clean = 0
    for s in range(0, a.n, a.batch):
        x, y = x_all[s:s + a.batch], y_all[s:s + a.batch]
        with torch.no_grad():
            broken = model(x).argmax(1) != y
        clean += int((~broken).sum())
        for _ in range(a.restarts):
            rows = (~broken).nonzero().flatten()
            if len(rows) == 0:
                break
            broken[rows] |= pgd_broken(model, x[rows], y[rows], a.eps, a.step_size, a.steps, gen)
        robust += int((~broken).sum())
        print(f'{min(s + a.batch, a.n)}/{a.n} robust so far {robust}/{min(s + a.batch, a.n)} ({time.time() - started:.0f} s)', file=sys.stderr)

    command = (f'npm run eval -- --model {a.model} --attack pgd --eps {a.eps:g} --steps {a.steps} '
               f'--step-size {a.step_size:g} --restarts {a.restarts} --n {a.n} --seed 0 --json')
    project = None
    evals = os.path.join(model_dir, 'evals.json')
    if a.project_json:
        hit = json.load(open(a.project_json))
        p = hit['params']
        same = (hit['model'] == a.model and hit['attack'] == 'pgd' and hit['n'] == a.n and p.get('steps') == a.steps
                and abs(p.get('stepSize', -1) - a.step_size) < 1e-12 and p.get('restarts') == a.restarts
                and abs(hit['points'][0]['eps'] - a.eps) < 1e-12 and p.get('seed') == 0)
        if not same:
            sys.exit(f'{a.project_json} is not the output of {command}')
        project = hit['points'][0]['robust_accuracy']
    elif os.path.exists(evals):
        hit = json.load(open(evals))['results'].get(command)
        if hit:
            project = hit['points'][0]['robust_accuracy']
    torch_acc = robust / a.n
    out = {
        'model': a.model,
        'weightsSha256': hashlib.sha256(open(os.path.join(model_dir, 'weights.bin'), 'rb').read()).hexdigest(),
        'n': a.n, 'eps': a.eps, 'steps': a.steps, 'stepSize': a.step_size, 'restarts': a.restarts,
        'torch': torch.__version__, 'device': a.device, 'torch_clean_accuracy': clean / a.n, 'torch_robust_accuracy': torch_acc,
        'project_command': command, 'project_robust_accuracy': project,
        'difference_points': None if project is None else round(100 * (torch_acc - project), 2),
        'agree_within_1_point': None if project is None else abs(torch_acc - project) <= 0.01,
        'seconds': round(time.time() - started, 1),
    }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
