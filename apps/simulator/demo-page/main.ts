import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('demo launcher: the page has no #app element to mount into');
mount(App, { target });
