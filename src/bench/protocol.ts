/** Messages between the benchmark page and its worker. */
import type { BenchRow } from '../lib/bench/stats';

export interface BenchRequest {
  backend: string;
  /** The page's folder URL: models/ and data/ are found under it. */
  baseUrl: string;
  allowanceMs: number;
  /** Comma-separated task ids to run instead of the backend's plan (null: the plan). */
  tasks: string | null;
  /** wasm threads (`?threads=`): a positive integer, or null for one per core (where the page is isolated). */
  threads: string | null;
  /** Interleave the PyTorch peer (the page relays each request to the driver's window.__benchPeer). */
  peer: boolean;
}

/** Worker → page: run the peer once for (task, batch); page → worker: its ms (null: no figure). */
export interface PeerRequest {
  kind: 'peer';
  id: number;
  task: string;
  batch: number;
}
export interface PeerReply {
  kind: 'peer-result';
  id: number;
  ms: number | null;
}

export type BenchMessage =
  | { kind: 'log'; line: string }
  | { kind: 'done'; backend: string; adapter: string; software: boolean; rows: BenchRow[]; threads: number | null; threadNote: string | null }
  | { kind: 'error'; error: string };
