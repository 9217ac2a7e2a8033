/** Building blocks shared by the extension's pages. Everything shown is text: never HTML from outside. */
import { type ComponentChild, type ComponentChildren, render } from 'preact';
import './theme.css';

export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="#1d4f91" />
      <path
        d="M16 6.5 24 9.6v6.1c0 5-3.4 8.6-8 10-4.6-1.4-8-5-8-10V9.6z"
        fill="none"
        stroke="#fff"
        stroke-width="2"
        stroke-linejoin="round"
      />
      <path
        d="m12.4 16.2 2.5 2.5 4.8-5"
        fill="none"
        stroke="#fff"
        stroke-width="2.2"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}

export function TopBar({ right = 'Assessment mode' }: { right?: string }) {
  return (
    <header class="topbar">
      <span class="brand">
        <Logo />
        Invigil
      </span>
      <span class="mode">{right}</span>
    </header>
  );
}

export function Page({ children, label }: { children: ComponentChildren; label?: string }) {
  return (
    <>
      <TopBar {...(label ? { right: label } : {})} />
      <main class="stage">
        <div class="card">{children}</div>
      </main>
    </>
  );
}

export function Emblem({ children }: { children: ComponentChildren }) {
  return (
    <div class="emblem" aria-hidden="true">
      {children}
    </div>
  );
}

/** A line drawing in the current colour, on a 24-unit grid. */
function LineIcon({
  size = 28,
  weight = 2,
  children,
}: {
  size?: number;
  weight?: number;
  children: ComponentChildren;
}) {
  return (
    <svg
      aria-hidden="true"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width={weight}
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      {children}
    </svg>
  );
}

/** Icons: 28px line drawings in the current colour. */
export const Icons = {
  pause: (
    <LineIcon>
      <circle cx="12" cy="12" r="9" />
      <path d="M10 9v6M14 9v6" />
    </LineIcon>
  ),
  gear: (
    <LineIcon>
      <circle cx="12" cy="12" r="3" />
      <path d="M12 3v2.5M12 18.5V21M3 12h2.5M18.5 12H21M5.6 5.6l1.8 1.8M16.6 16.6l1.8 1.8M5.6 18.4l1.8-1.8M16.6 7.4l1.8-1.8" />
    </LineIcon>
  ),
  person: (
    <LineIcon>
      <circle cx="12" cy="8" r="3.5" />
      <path d="M5 20c1.2-3.6 3.8-5.5 7-5.5s5.8 1.9 7 5.5" />
    </LineIcon>
  ),
  message: (
    <LineIcon>
      <path d="M4 5h16v11H9l-5 4z" />
    </LineIcon>
  ),
  home: (
    <LineIcon>
      <path d="M4 11 12 4l8 7v9h-5v-6H9v6H4z" />
    </LineIcon>
  ),
  arrowLeft: (
    <LineIcon size={18} weight={2.4}>
      <path d="M19 12H5M11 6l-6 6 6 6" />
    </LineIcon>
  ),
};

export function mount(node: ComponentChild): void {
  const root = document.getElementById('app');
  if (root) render(node, root);
}

/** Shortens a long address for display, keeping its start and end. */
export function shorten(text: string, max = 160): string {
  return text.length <= max ? text : `${text.slice(0, max - 40)}…${text.slice(-39)}`;
}
