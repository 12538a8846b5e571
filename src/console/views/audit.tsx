import type { FC } from "hono/jsx";
import type { AuditEventRecord } from "../../store/ports.js";
import { Time } from "./components.js";
import { Layout, type PageContext } from "./layout.js";

const ACTIONS: Record<string, string> = {
  "account.created": "Account created",
  "key.created": "Key created",
  "key.updated": "Key changed",
  "key.rotated": "Key rotated",
  "key.revoked": "Key revoked",
  "user.created": "Person added",
  "user.removed": "Person removed",
  "user.signed_in": "Signed in",
  "user.password_set": "Password set",
  "user.password_changed": "Password changed",
  "user.link_issued": "Sign-in link issued",
  "user.signed_out_everywhere": "Signed out everywhere",
  "passkey.added": "Passkey added",
  "passkey.removed": "Passkey removed",
};

const describe = (value: unknown): string =>
  typeof value === "string" ? value : Array.isArray(value) ? value.join(" ") : JSON.stringify(value);

export const AuditTable: FC<{
  events: AuditEventRecord[];
  actors: Record<string, string>;
  caption: string;
  showKey?: boolean;
}> = ({ events, actors, caption, showKey = true }) =>
  events.length === 0 ? (
    <div class="card empty">
      <p class="muted">No events yet.</p>
    </div>
  ) : (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            {showKey ? <th scope="col">Key</th> : null}
            <th scope="col">Details</th>
            <th scope="col">From</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr>
              <td class="nowrap">
                <Time date={event.createdAt} />
              </td>
              <td>{actors[event.actor] ?? event.actor}</td>
              <td class="nowrap">
                <strong>{ACTIONS[event.action] ?? event.action}</strong>
              </td>
              {showKey ? (
                <td>
                  {event.keyId ? (
                    <a class="mono key-ref" href={`/console/keys/${event.keyId}`} title={event.keyId}>
                      {`${event.keyId.slice(0, 14)}…`}
                    </a>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
              ) : null}
              <td class="small details">
                {Object.entries(event.details).map(([name, value]) => (
                  <div>
                    <span class="muted">{name.replace(/_/g, " ")}:</span> {describe(value)}
                  </div>
                ))}
              </td>
              <td class="mono small">{event.ip ?? <span class="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );

export const AuditPage: FC<{
  page: PageContext;
  events: AuditEventRecord[];
  actors: Record<string, string>;
  nextCursor: string | null;
  keyId?: string | undefined;
}> = ({ page, events, actors, nextCursor, keyId }) => (
  <Layout title="Audit log" page={page} nav="audit">
    <div class="page-head">
      <div>
        <h1>Audit log</h1>
        <p class="muted">
          {keyId ? (
            <>
              Events for <code>{keyId}</code>. <a href="/console/audit">Show every event</a>.
            </>
          ) : (
            "Who did what to which key, when, and from where. Newest first."
          )}
        </p>
      </div>
    </div>
    <AuditTable events={events} actors={actors} caption="Audit events, newest first" />
    {nextCursor ? (
      <div class="pager">
        <a
          class="button"
          href={`/console/audit?cursor=${encodeURIComponent(nextCursor)}${keyId ? `&key=${keyId}` : ""}`}
        >
          Older events
        </a>
      </div>
    ) : null}
  </Layout>
);
