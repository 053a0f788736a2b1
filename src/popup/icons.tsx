// Small inline SVG icons (no icon font: emoji glyphs are missing on some systems). Decorative: the
// buttons that hold them carry the accessible name. Size and stroke come from style.css (.ico): fewer
// attributes per icon, and a list row has four of them.
const PATHS = {
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8a7 7 0 0 1 14 0',
  key: 'M14 10a4 4 0 1 0-3.9 4H12v2h2v2h3v-3l-3.1-3.1A4 4 0 0 0 14 10zM8 10h.01',
  edit: 'M4 20h4L19 9l-4-4L4 16v4zm9-13 4 4',
  open: 'M14 4h6v6m0-6-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5',
  lock: 'M6 11h12v9H6zm3 0V8a3 3 0 0 1 6 0v3',
  popout: 'M4 4h10v4M4 4v14h4M10 10h10v10H10z',
  settings: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm7.4-3a7.4 7.4 0 0 0-.1-1.3l2-1.6-2-3.4-2.4 1a7.6 7.6 0 0 0-2.2-1.3L14.3 3h-4l-.4 2.4a7.6 7.6 0 0 0-2.2 1.3l-2.4-1-2 3.4 2 1.6a7.4 7.4 0 0 0 0 2.6l-2 1.6 2 3.4 2.4-1a7.6 7.6 0 0 0 2.2 1.3l.4 2.4h4l.4-2.4a7.6 7.6 0 0 0 2.2-1.3l2.4 1 2-3.4-2-1.6c.1-.4.1-.9.1-1.3z',
  eye: 'M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zm10 3a3 3 0 1 0 0-6 3 3 0 0 0 0 6z',
  refresh: 'M20 12a8 8 0 1 1-2.3-5.7M20 4v4h-4',
  trash: 'M4 7h16M9 7V4h6v3m-8 0 1 13h8l1-13',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg class="ico" viewBox="0 0 24 24" aria-hidden="true">
      <path d={PATHS[name]} />
    </svg>
  );
}
