import { mount } from 'svelte';
import App from './App.svelte';
import './theme.css';
import { registerServiceWorker } from './offline.svelte';
import { applyStoredTheme } from './theme';
import { lessonsPending, loadLessons } from './lessons/lesson-state.svelte';

// Before the first paint: a person who chose the dark (or light) theme never sees the other flash.
applyStoredTheme();

// A lesson link is expanded into its scene before any panel reads the address, so its lesson loads first.
if (lessonsPending()) await loadLessons();

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');
export default mount(App, { target });

// After the first paint, so caching the build for offline use never delays the app's start.
void registerServiceWorker();
