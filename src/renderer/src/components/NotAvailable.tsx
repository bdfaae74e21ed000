import type { ReactNode } from 'react';

/** What a view shows when the core has no such feature (yet) or refused it. */
export function NotAvailable({ what, detail, children }: { what: string; detail?: string; children?: ReactNode }) {
  return (
    <div className="not-available" role="status">
      <strong>{what} is not available</strong>
      {detail ? <p>{detail}</p> : null}
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status">
      Loading {what}…
    </div>
  );
}
