import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

// Browser-test builds answer IPC from the test page; the branch is removed from real builds.
if (import.meta.env.MODE === 'browser-test') await import('./lib/ipc/browser-test-mock');

const target = document.getElementById('app');
if (target) mount(App, { target });
