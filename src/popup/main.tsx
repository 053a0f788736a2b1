import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';

function Popup() {
  const [status, setStatus] = useState('…');
  useEffect(() => {
    browser.runtime.sendMessage({ type: 'ping' }).then((r) => setStatus((r as { type: string }).type));
  }, []);
  return <main><h1>MeshPass</h1><p data-testid="status">{status}</p></main>;
}

render(<Popup />, document.getElementById('app')!);
