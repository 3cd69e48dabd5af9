// The app itself: React DOM and every page, most of the code. main.tsx loads it beside the first
// screen's requests, which go out before this has even been compiled.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
