import { mount } from 'svelte';
import App from './App.svelte';
import './theme.css';
import { registerServiceWorker } from './offline.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');
export default mount(App, { target });

// After the first paint, so caching the build for offline use never delays the app's start.
void registerServiceWorker();
