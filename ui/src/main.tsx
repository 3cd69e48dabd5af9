// A small entry: it starts the first screen's requests (boot.ts) and then loads the app, so that
// the browser asks the API while it is still fetching and compiling React and the pages.
import './boot';
import './styles.css';

void import('./start');
