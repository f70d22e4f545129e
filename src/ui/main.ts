import { mount } from 'svelte';
import App from './App.svelte';
import './theme.css';
import { registerServiceWorker } from './offline.svelte';
import { applyStoredTheme } from './theme';

// Before the first paint: a person who chose the dark (or light) theme never sees the other flash.
applyStoredTheme();

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');
export default mount(App, { target });

// After the first paint, so caching the build for offline use never delays the app's start.
void registerServiceWorker();
