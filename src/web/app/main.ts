/// <reference lib="dom" />
import './styles.css';
import { forgetKey, storedKey } from './api';
import { showExecutionPage } from './execution-page';
import { showExecutionsPage } from './executions-page';

/** Routes by path: `/` lists executions, `/executions/{id}/view` shows one. */
function route(): void {
  const forget = document.getElementById('forget-key');
  if (forget) {
    const sync = (): void => void (forget.hidden = storedKey() === null);
    sync();
    document.addEventListener('logstream:key', sync);
    forget.addEventListener('click', () => {
      forgetKey();
      location.reload();
    });
  }
  const match = /^\/executions\/([^/]+)\/view\/?$/.exec(location.pathname);
  if (match?.[1]) showExecutionPage(decodeURIComponent(match[1]));
  else showExecutionsPage();
}

route();
