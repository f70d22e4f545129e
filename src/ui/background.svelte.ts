/**
 * Background work in flight (the engine's background lane), for the header: what runs and in which panel. The
 * engine router adds an entry when a background call starts and removes it when the call settles, so a panel
 * cannot forget to report its job.
 */
export interface BackgroundJob {
  token: number;
  label: string;
  /** The panel id the job belongs to (a link back to it). */
  panel: string;
}

class BackgroundJobs {
  list = $state<BackgroundJob[]>([]);
  private next = 1;

  add(label: string, panel: string): number {
    const token = this.next++;
    this.list.push({ token, label, panel });
    return token;
  }

  remove(token: number): void {
    this.list = this.list.filter((j) => j.token !== token);
  }
}

export const backgroundJobs = new BackgroundJobs();
