import { render } from 'preact';

render(<main><h1>MeshPass settings</h1></main>, document.getElementById('app')!);
