/**
 * The count of unacknowledged critical alerts where an operator looks when the
 * console is in a background tab: the document title and the favicon.
 */
const BASE_TITLE = 'Switchboard';
let shown = -1;

function faviconLink(): HTMLLinkElement {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  return link;
}

/** A 32 px icon: a calm dot when all is well, a red disc with the count when not. */
export function drawFavicon(count: number): string {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const g = canvas.getContext('2d');
  if (!g) return '';
  g.beginPath();
  g.arc(16, 16, count > 0 ? 15 : 9, 0, Math.PI * 2);
  g.fillStyle = count > 0 ? '#f85149' : '#3fb950';
  g.fill();
  if (count > 0) {
    g.fillStyle = '#ffffff';
    g.font = 'bold 20px sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(count > 9 ? '9+' : String(count), 16, 17);
  }
  return canvas.toDataURL('image/png');
}

export function showAlertCount(count: number): void {
  if (count === shown) return;
  shown = count;
  document.title = count > 0 ? `(${count}) CRITICAL · ${BASE_TITLE}` : BASE_TITLE;
  const href = drawFavicon(count);
  const link = faviconLink();
  if (href) link.href = href;
  link.dataset.count = String(count);
}
