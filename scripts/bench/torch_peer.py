#!/usr/bin/env python3
"""PyTorch peer of `npm run bench`: the same mnist-cnn weights, the same attacks and training steps, timed the
same way (warm-up, then repeated runs, median).

Reads the tfjs layers model (model.json + float32 little-endian shards) into an equivalent nn.Module: conv kernels
HWIO -> OIHW, dense [in, out] -> [out, in], TensorFlow's asymmetric 'same' padding as explicit zero padding, and
a NHWC permute before Flatten (tfjs flattens channels-last). Checks that its logits match the project's on the
same images, then prints one JSON object on stdout. Usage:
  python3 torch_peer.py --model-dir DIR --inputs F32_FILE --labels I32_FILE --logits F32_FILE --count N [--threads 2]
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def same_padding(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2, out


class Nhwc(nn.Module):
    """tfjs Flatten works on NHWC tensors: permute NCHW back before flattening."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)


def activation(name):
    if name in (None, 'linear'):
        return None
    if name == 'relu':
        return nn.ReLU()
    if name == 'tanh':
        return nn.Tanh()
    if name == 'sigmoid':
        return nn.Sigmoid()
    raise ValueError(f'unsupported activation {name}')


def build(model_dir):
    with open(os.path.join(model_dir, 'model.json')) as f:
        spec = json.load(f)
    topo = spec['modelTopology']
    cfg = topo.get('model_config', topo)['config']
    layers_cfg = cfg['layers'] if isinstance(cfg, dict) else cfg
    # Weights, in manifest order, by name.
    weights = {}
    for group in spec['weightsManifest']:
        blob = b''.join(open(os.path.join(model_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            if w['dtype'] != 'float32':
                raise ValueError(f"{w['name']}: only float32 weights are supported")
            count = int(np.prod(w['shape'])) if w['shape'] else 1
            weights[w['name']] = np.frombuffer(blob, dtype='<f4', count=count, offset=offset).reshape(w['shape']).copy()
            offset += 4 * count
    shape = None  # (H, W, C) or (D,)
    modules = []
    for layer in layers_cfg:
        cls, c = layer['class_name'], layer['config']
        if shape is None:
            shape = tuple(c.get('batch_input_shape', c.get('batchInputShape'))[1:])
        name = c['name']
        if cls == 'InputLayer':
            continue
        if cls == 'Conv2D':
            h, w_, cin = shape
            k = c['kernel_size'] if isinstance(c['kernel_size'], list) else [c['kernel_size']] * 2
            s = c['strides'] if isinstance(c['strides'], list) else [c['strides']] * 2
            conv = nn.Conv2d(cin, c['filters'], tuple(k), stride=tuple(s), bias=c.get('use_bias', True))
            conv.weight.data = torch.from_numpy(weights[f'{name}/kernel'].transpose(3, 2, 0, 1).copy())
            if c.get('use_bias', True):
                conv.bias.data = torch.from_numpy(weights[f'{name}/bias'])
            if c['padding'] == 'same':
                top, bottom, oh = same_padding(h, k[0], s[0])
                left, right, ow = same_padding(w_, k[1], s[1])
                modules.append(nn.ZeroPad2d((left, right, top, bottom)))
            else:
                oh, ow = (h - k[0]) // s[0] + 1, (w_ - k[1]) // s[1] + 1
            modules.append(conv)
            shape = (oh, ow, c['filters'])
        elif cls == 'MaxPooling2D':
            h, w_, ch = shape
            p = c['pool_size'] if isinstance(c['pool_size'], list) else [c['pool_size']] * 2
            s = c.get('strides') or p
            s = s if isinstance(s, list) else [s] * 2
            if c.get('padding', 'valid') != 'valid':
                raise ValueError('only valid max-pooling is supported')
            modules.append(nn.MaxPool2d(tuple(p), tuple(s)))
            shape = ((h - p[0]) // s[0] + 1, (w_ - p[1]) // s[1] + 1, ch)
        elif cls == 'Flatten':
            modules.append(Nhwc())
            shape = (int(np.prod(shape)),)
        elif cls == 'Dense':
            lin = nn.Linear(shape[0], c['units'], bias=c.get('use_bias', True))
            lin.weight.data = torch.from_numpy(weights[f'{name}/kernel'].T.copy())
            if c.get('use_bias', True):
                lin.bias.data = torch.from_numpy(weights[f'{name}/bias'])
            modules.append(lin)
            shape = (c['units'],)
        else:
            raise ValueError(f'unsupported layer {cls}')
        act = activation(c.get('activation'))
        if act is not None:
            modules.append(act)
    return nn.Sequential(*modules)


def to_nchw(x_nhwc):
    return x_nhwc.permute(0, 3, 1, 2).contiguous()


def input_grad(model, x, y):
    """d(sum CE)/dx and the logits of the same forward pass (parameters do not require grad: input only)."""
    x = x.clone().requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits, y, reduction='sum')
    (g,) = torch.autograd.grad(loss, x)
    return g, logits.detach()


def fgsm(model, x, y, eps):
    g, _ = input_grad(model, x, y)
    return (x + eps * g.sign()).clamp(0, 1).detach()


def pgd(model, x, y, eps, alpha, steps, gen, stop_when_all_broken=True):
    """L-inf PGD from a uniform random start. Like the project's loop it stops once every example is misclassified
    at the current iterate (the project keeps the first success per example); adversarial training runs all steps."""
    delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * eps
    xa = (x + delta).clamp(0, 1)
    for _ in range(steps):
        g, logits = input_grad(model, xa, y)
        if stop_when_all_broken and bool((logits.argmax(1) != y).all()):
            break
        xa = torch.min(torch.max(xa + alpha * g.sign(), x - eps), x + eps).clamp(0, 1).detach()
    return xa


def pgd_dropping_broken_rows(model, x, y, eps, alpha, steps, gen):
    """The same L-inf PGD as pgd() with the project's bookkeeping: each example keeps its first misclassified
    iterate and leaves the working batch once broken, so later steps run on the unbroken rows only (the project's
    loop does this since session 6). The bench times it beside pgd() to give a like-for-like ratio."""
    delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * eps
    lo, hi = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    xa = torch.min(torch.max(x + delta, lo), hi)
    best = x.clone()
    rows = torch.arange(x.shape[0])
    for k in range(steps + 1):
        if k < steps:
            g, logits = input_grad(model, xa, y[rows])
        else:
            with torch.no_grad():
                logits = model(xa)
        broken = logits.argmax(1) != y[rows]
        if k > 0:
            best[rows[broken]] = xa[broken]
        if k == steps:
            best[rows[~broken]] = xa[~broken]  # the last iterate where none succeeded (the project keeps its best)
            break
        keep = ~broken if k > 0 else torch.ones_like(broken)
        if not bool(keep.any()):
            break
        rows, xa, g, lo_k, hi_k = rows[keep], xa[keep], g[keep], lo[rows[keep]], hi[rows[keep]]
        xa = torch.min(torch.max(xa + alpha * g.sign(), lo_k), hi_k).detach()
    return best


def timed(fn, budget_s, min_runs=3, max_runs=10):
    """Warm-up, then at least one timed run; more while they fit in the budget (min_runs within twice it) —
    the same rule as the project's runner (src/lib/bench/tasks.ts)."""
    fn()
    samples = []
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        fn()
        last = time.perf_counter() - t0
        samples.append(last * 1000)
        nxt = time.perf_counter() - start + last
        more = nxt <= budget_s or (len(samples) < min_runs and nxt <= 2 * budget_s)
        if len(samples) >= max_runs or not more:
            return samples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model-dir', required=True)
    ap.add_argument('--inputs', required=True)
    ap.add_argument('--labels', required=True)
    ap.add_argument('--logits', required=True)
    ap.add_argument('--count', type=int, required=True)
    ap.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--budget', type=float, default=4.0)
    ap.add_argument('--settings', required=True, help='JSON of BENCH_SETTINGS')
    ap.add_argument('--serve', action='store_true',
                    help='print one JSON line {ready, ...}, then answer each stdin line {"task", "batch"} with the ms '
                         'of one timed call (the first call of a task is preceded by an untimed warm-up): the bench '
                         'interleaves these calls with the project\'s, run by run')
    a = ap.parse_args()
    S = json.loads(a.settings)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)

    n = a.count
    x_all = to_nchw(torch.from_numpy(np.fromfile(a.inputs, dtype='<f4').reshape(n, 28, 28, 1)))
    y_all = torch.from_numpy(np.fromfile(a.labels, dtype='<i4').astype(np.int64))
    ref = np.fromfile(a.logits, dtype='<f4').reshape(n, -1)

    model = build(a.model_dir)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        logits = model(x_all).numpy()
    diff = float(np.abs(logits - ref).max())

    calls = {}  # (task, batch) -> one call of the task, in the order the batch mode runs them
    rows = []

    def add(task, batch, fn):
        calls[(task, batch)] = fn

    def record(task, batch, samples):
        med = statistics.median(samples)
        rows.append({'task': task, 'batch': batch, 'median_ms': med, 'min_ms': min(samples), 'max_ms': max(samples),
                     'images_per_s': batch * 1000 / med, 'runs': len(samples)})

    eps = S['epsilon']
    for b in S['throughputBatches']:
        x, y = x_all[:b], y_all[:b]
        add('fgsm', b, lambda x=x, y=y: fgsm(model, x, y, eps))
        alpha = 2.5 * eps / S['pgdSteps']
        add('pgd20', b, lambda x=x, y=y: pgd(model, x, y, eps, alpha, S['pgdSteps'], gen))
        add('pgd20-drop-broken', b, lambda x=x, y=y: pgd_dropping_broken_rows(model, x, y, eps, alpha, S['pgdSteps'], gen))
    x1, y1 = x_all[:1], y_all[:1]
    se = S['singleEpsilon']
    add('fgsm-single', 1, lambda: fgsm(model, x1, y1, se))
    add('pgd40-single', 1, lambda: pgd(model, x1, y1, se, 2.5 * se / S['singlePgdSteps'], S['singlePgdSteps'], gen))

    # Training steps on a copy: the attack on the current weights, then one Adam step on the adversarial batch.
    tb = S['trainBatch']
    te = S['trainEpsilon']
    for task, steps, alpha in (('train-fgsm-rs', 1, 1.25 * te), ('train-pgd7', S['trainPgdSteps'], 2.5 * te / S['trainPgdSteps'])):
        student = build(a.model_dir)
        opt = torch.optim.Adam(student.parameters(), lr=1e-4)
        xb, yb = x_all[:tb], y_all[:tb]

        def step(student=student, opt=opt, xb=xb, yb=yb, alpha=alpha, steps=steps):
            for p in student.parameters():
                p.requires_grad_(False)
            xa = pgd(student, xb, yb, te, alpha, steps, gen, stop_when_all_broken=False)
            for p in student.parameters():
                p.requires_grad_(True)
            opt.zero_grad()
            loss = F.cross_entropy(student(xa), yb)
            loss.backward()
            opt.step()
            return float(loss)

        add(task, tb, step)

    meta = {
        'available': True,
        'python': sys.executable,
        'python_version': platform.python_version(),
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'logits_max_abs_diff': diff,
        'logits_match': diff <= 1e-4,
    }
    if a.serve:
        print(json.dumps({'ready': True, **meta}), flush=True)
        warm = set()
        for line in sys.stdin:
            try:
                req = json.loads(line)
                key = (req['task'], int(req['batch']))
                fn = calls.get(key)
                if fn is None:
                    print(json.dumps({'error': f'no task {key}'}), flush=True)
                    continue
                if key not in warm:
                    fn()
                    warm.add(key)
                t0 = time.perf_counter()
                fn()
                print(json.dumps({'ms': (time.perf_counter() - t0) * 1000}), flush=True)
            except Exception as err:  # a bad request must not end the session
                print(json.dumps({'error': str(err)}), flush=True)
        return
    for (task, batch), fn in calls.items():
        record(task, batch, timed(fn, a.budget))
    print(json.dumps({**meta, 'rows': rows}))


if __name__ == '__main__':
    main()
