/**
 * The PyTorch peer as a long-lived process (torch_peer.py --serve): the bench asks it for one timed call of a task
 * right after each of the project's own calls of the same task, so every ratio compares two runs taken back to
 * back under the same load (A/B/A/B) instead of two series taken minutes apart.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_SETTINGS } from '../../src/lib/bench/tasks';

export interface PeerMeta {
  available: boolean;
  reason?: string;
  python?: string;
  torch?: string;
  threads?: number;
  logits_max_abs_diff?: number;
  logits_match?: boolean;
}

export interface PeerServer {
  meta: PeerMeta;
  /** ms of one call of (task, batch); null when the peer has no figure (an error is logged). */
  run(task: string, batch: number): Promise<number | null>;
  close(): void;
}

/** A Python that can import torch: $PYTHON, Debian's /usr/bin/python3 (python3-torch), then python3 on PATH. */
export function findTorchPython(): { python: string } | { reason: string } {
  const candidates = [...new Set([process.env.PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c))];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return { python };
  }
  return { reason: `no Python with torch among ${candidates.join(', ')} (Debian: apt-get install -y python3-torch)` };
}

/**
 * Starts the peer on mnist-cnn's files (modelDir) and the inputs the wasm runner exported (inputs.f32, labels.i32, logits.f32 in peerDir). Resolves
 * to a server whose meta says whether it is usable; never rejects (a missing torch is a row note, not a failure).
 */
export async function startPeerServer(modelDir: string, peerDir: string, log: (line: string) => void = () => {}): Promise<PeerServer> {
  const dead = (reason: string): PeerServer => ({ meta: { available: false, reason }, run: async () => null, close: () => {} });
  const found = findTorchPython();
  if ('reason' in found) return dead(found.reason);
  const script = path.resolve(import.meta.dirname, 'torch_peer.py');
  const args = [
    script,
    '--model-dir', modelDir,
    '--inputs', path.join(peerDir, 'inputs.f32'),
    '--labels', path.join(peerDir, 'labels.i32'),
    '--logits', path.join(peerDir, 'logits.f32'),
    '--count', '256',
    '--threads', String(os.cpus().length),
    '--settings', JSON.stringify(BENCH_SETTINGS),
    '--serve',
  ];
  // Passive OpenMP waiting: on a shared, oversubscribed machine spinning threads slowed the peer 3–20× here; the
  // peer gets its best showing, not a handicap.
  const child: ChildProcessWithoutNullStreams = spawn(found.python, args, {
    env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string | null) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  child.on('close', () => {
    for (const w of waiting.splice(0)) w(null);
  });
  const next = () => new Promise<string | null>((resolve) => waiting.push(resolve));
  const first = await next();
  let meta: PeerMeta;
  try {
    meta = first ? (JSON.parse(first) as PeerMeta) : { available: false, reason: `torch_peer.py exited: ${stderr.trim().split('\n').pop()}` };
  } catch {
    meta = { available: false, reason: `torch_peer.py said: ${first}` };
  }
  if (!meta.available) {
    child.kill();
    return dead(meta.reason ?? 'not available');
  }
  if (!meta.logits_match) meta = { ...meta, reason: `logits differ by ${meta.logits_max_abs_diff} (> 1e-4): ratios withheld` };
  // One request at a time: the peer and the project never run at once.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    meta,
    run(task, batch) {
      const p = queue.then(async () => {
        if (!meta.logits_match) return null;
        child.stdin.write(`${JSON.stringify({ task, batch })}\n`);
        const line = await next();
        if (!line) return null;
        const r = JSON.parse(line) as { ms?: number; error?: string };
        if (r.error) log(`peer ${task} b${batch}: ${r.error}`);
        return typeof r.ms === 'number' ? r.ms : null;
      });
      queue = p.catch(() => undefined);
      return p;
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}
