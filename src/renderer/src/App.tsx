import { useEffect, useState } from 'react';
import { detachedView, followViewWindowGeometry } from './lib/desktop';
import { Shell } from './features/shell/Shell';
import { SignIn } from './features/signin/SignIn';
import { useLive, watchLiveness } from './stores/liveStore';
import { useSession, watchLink } from './stores/sessionStore';

export function App() {
  const status = useSession((s) => s.status);
  // Calls are refused until the link is first live, so the console is drawn (and loads its picture) only then.
  const everLive = useLive((s) => s.liveAt !== null);
  // A view in its own window (`#/view/<id>`): the same session (the opener's), one view.
  const [detached] = useState(detachedView);
  useEffect(() => (detached ? followViewWindowGeometry(detached) : undefined), [detached]);
  useEffect(() => {
    const stopLiveness = watchLiveness();
    const stop = watchLink();
    void useSession.getState().resume();
    return () => {
      stop();
      stopLiveness();
    };
  }, []);
  if (status === 'resuming' || (status === 'signedIn' && !everLive)) return <div className="loading loading--full">Connecting to Switchboard…</div>;
  if (status === 'signedOut') return <SignIn />;
  return <Shell detached={detached ?? undefined} />;
}
