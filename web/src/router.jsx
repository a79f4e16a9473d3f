// Routes are paths under /app; the server answers index.html for all of them.
import { useEffect, useState } from "preact/hooks";

const BASE = "/app";
const subscribers = new Set();

export const path = () => location.pathname.slice(BASE.length).replace(/\/+$/, "") || "/";

/** Go to an app path ("/chat/organization/…"), keeping history. */
export function navigate(to, replace = false) {
  const url = `${BASE}${to}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  for (const fn of subscribers) fn();
}

window.addEventListener("popstate", () => {
  for (const fn of subscribers) fn();
});

export function useRoute() {
  const [current, set] = useState(path());
  useEffect(() => {
    const fn = () => set(path());
    subscribers.add(fn);
    return () => subscribers.delete(fn);
  }, []);
  return current;
}

/** A link inside the app: a real href (open in a new tab works), routed in place. */
export function Link({ to, children, ...props }) {
  const onClick = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={`${BASE}${to}`} onClick={onClick} {...props}>
      {children}
    </a>
  );
}
