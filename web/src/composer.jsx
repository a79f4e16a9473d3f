// The composer ("Message"): Enter sends through the client's outbox (kept in
// localStorage: a message typed while the server restarts is sent once it is back, with
// the same client_msg_id, so it is stored and shown once); Shift+Enter is a new line;
// `@` opens the people to mention.
import { useRef, useState } from "preact/hooks";
import { app, bump, nameOf } from "./state.js";
import { t } from "./i18n.js";
import { Dot } from "./presence.jsx";

function candidates(query) {
  const q = query.toLowerCase();
  return [...app.members.values()]
    .filter((p) => p.id !== app.me.id)
    .filter((p) => `${p.prenom} ${p.nom} ${p.email}`.toLowerCase().includes(q))
    .slice(0, 6);
}

export function Composer({ channel, replyTo, onCancelReply }) {
  const [text, setText] = useState("");
  const [mention, setMention] = useState(null); // { start, query, index }
  const area = useRef(null);
  const list = mention ? candidates(mention.query) : [];
  const open = list.length > 0;

  const send = () => {
    const content = text.trim();
    if (!content) return;
    app.client.send(channel, content, replyTo?.id ?? null);
    app.client.typing.stop(channel);
    setText("");
    setMention(null);
    onCancelReply();
    bump();
  };

  const pick = (person) => {
    const el = area.current;
    const caret = el.selectionStart;
    const before = text.slice(0, mention.start);
    const inserted = `@${person.email} `;
    const next = before + inserted + text.slice(caret);
    setText(next);
    setMention(null);
    requestAnimationFrame(() => {
      el.focus();
      el.selectionStart = el.selectionEnd = before.length + inserted.length;
    });
  };

  const onInput = (event) => {
    const value = event.currentTarget.value;
    setText(value);
    const caret = event.currentTarget.selectionStart;
    const match = /(^|\s)@([^\s@]*)$/.exec(value.slice(0, caret));
    setMention(match ? { start: caret - match[2].length - 1, query: match[2], index: 0 } : null);
    if (value) app.client.typing.keystroke(channel);
    else app.client.typing.stop(channel);
  };

  const onKeyDown = (event) => {
    if (open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setMention({ ...mention, index: (mention.index + step + list.length) % list.length });
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pick(list[Math.min(mention.index, list.length - 1)]);
        return;
      }
      if (event.key === "Escape") {
        setMention(null);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <div class="composer">
      {replyTo && (
        <p class="replying">
          {t("replyingTo", nameOf(replyTo.sender_id))}{" "}
          <button type="button" class="small" onClick={onCancelReply}>
            {t("cancel")}
          </button>
        </p>
      )}
      {open && (
        <ul class="mentions" role="listbox" id="mention-list" aria-label={t("mentionList")}>
          {list.map((p, i) => (
            <li
              key={p.id}
              id={`mention-${p.id}`}
              role="option"
              aria-selected={i === mention.index ? "true" : "false"}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(p);
              }}
            >
              <Dot userId={p.id} /> {p.prenom} {p.nom} <span class="muted">{p.email}</span>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <label for="composer" class="sr-only">
          {t("message")}
        </label>
        <textarea
          id="composer"
          ref={area}
          rows={2}
          value={text}
          onInput={onInput}
          onKeyDown={onKeyDown}
          aria-autocomplete="list"
          aria-controls={open ? "mention-list" : undefined}
          aria-activedescendant={open ? `mention-${list[Math.min(mention.index, list.length - 1)].id}` : undefined}
        />
        <button type="submit" class="primary">
          {t("send")}
        </button>
      </form>
    </div>
  );
}
