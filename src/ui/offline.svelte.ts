/**
 * Offline readiness, as the page sees it: whether the service worker (src/sw/service-worker.ts) has cached the whole
 * build, and whether a newer build is waiting. Service workers run only in a secure context (https, or http on
 * localhost/127.0.0.1) and never from file://, so elsewhere the state says why offline use is unavailable.
 * The dev server has no service worker (its files change as you edit).
 */
export type OfflineStatus = 'unavailable' | 'installing' | 'ready' | 'update' | 'failed';

export const offline = $state<{ status: OfflineStatus; detail: string }>({ status: 'unavailable', detail: '' });

let waiting: ServiceWorker | null = null;

/** Why this page cannot have a service worker, or null when it can. Pure, for tests. */
export function offlineUnavailableReason(env: {
  hasServiceWorker: boolean;
  isSecureContext: boolean;
  protocol: string;
  production: boolean;
}): string | null {
  if (!env.production) return 'The development server is never cached for offline use; build the app (npm run build) for that.';
  if (env.protocol === 'file:') return 'Opened from a file: browsers allow offline caching only over http(s). Serve the folder (see the README).';
  if (!env.isSecureContext) return 'Offline use needs https or a localhost address; this address is neither, so the app needs the network.';
  if (!env.hasServiceWorker) return 'This browser has no service workers, so the app needs the network.';
  return null;
}

function track(worker: ServiceWorker | null, registration: ServiceWorkerRegistration): void {
  if (!worker) return;
  const update = () => {
    if (worker.state === 'installed' && navigator.serviceWorker.controller && registration.waiting === worker) {
      waiting = worker;
      offline.status = 'update';
      offline.detail = 'A new version of the playground is ready. Reload to use it (your work in this tab is kept in the link).';
    } else if (worker.state === 'activated' && offline.status !== 'update') {
      offline.status = 'ready';
      offline.detail = 'Every panel, model and data file is stored in this browser: the playground works with no network.';
    } else if (worker.state === 'redundant' && offline.status === 'installing') {
      offline.status = 'failed';
      offline.detail = 'Storing the app for offline use failed (storage full or the network dropped); it will retry on the next visit.';
    }
  };
  worker.addEventListener('statechange', update);
  update();
}

/** Registers the service worker next to index.html (so the app works from any sub-path) and follows its states. */
export async function registerServiceWorker(): Promise<void> {
  const reason = offlineUnavailableReason({
    hasServiceWorker: 'serviceWorker' in navigator,
    isSecureContext: window.isSecureContext,
    protocol: location.protocol,
    production: import.meta.env.PROD,
  });
  if (reason) {
    offline.status = 'unavailable';
    offline.detail = reason;
    return;
  }
  offline.status = 'installing';
  offline.detail = 'Storing the app, models and data in this browser for offline use…';
  try {
    const registration = await navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' });
    // A browser or policy that blocks service workers may answer with no registration at all.
    if (!registration) {
      offline.status = 'unavailable';
      offline.detail = 'Offline use is off: this browser blocks service workers here (a setting or a policy). The app works while online.';
      return;
    }
    track(registration.active, registration);
    track(registration.waiting, registration);
    track(registration.installing, registration);
    registration.addEventListener('updatefound', () => track(registration.installing, registration));
  } catch (e) {
    offline.status = 'failed';
    offline.detail = `Offline use could not be set up: ${(e as Error).message}`;
  }
}

/** Switches to the waiting build; the page reloads once the new worker controls it. */
export function applyUpdate(): void {
  if (!waiting) return;
  navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
  waiting.postMessage({ type: 'SKIP_WAITING' });
}
