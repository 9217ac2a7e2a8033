import { render } from 'preact';

function Blocked() {
  const url = decodeURIComponent(location.hash.slice(1));
  return (
    <main>
      <h1>This page is not available during your assessment</h1>
      <p id="blocked-url">{url}</p>
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<Blocked />, root);
