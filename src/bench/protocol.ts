/** Messages between the benchmark page and its worker. */
import type { BenchRow } from '../lib/bench/stats';

export interface BenchRequest {
  backend: string;
  /** The page's folder URL: models/ and data/ are found under it. */
  baseUrl: string;
  allowanceMs: number;
  /** Comma-separated task ids to run instead of the backend's plan (null: the plan). */
  tasks: string | null;
}

export type BenchMessage =
  | { kind: 'log'; line: string }
  | { kind: 'done'; backend: string; adapter: string; software: boolean; rows: BenchRow[] }
  | { kind: 'error'; error: string };
