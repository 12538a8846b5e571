import type { Child, FC } from "hono/jsx";

/** Field name → the message shown under it. */
export type FieldErrors = Record<string, string>;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number): string => String(n).padStart(2, "0");

/** "25 Nov 2026, 03:14 UTC": one unambiguous form for everyone. */
export function formatDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** "2026-11-25", for date inputs. */
export const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

/** "25 Nov 2026": for tables, with the full time in the tooltip. */
export function formatDay(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

export const Time: FC<{ date: Date | null; empty?: string; compact?: boolean }> = ({
  date,
  empty = "Never",
  compact,
}) =>
  date ? (
    compact ? (
      <time datetime={date.toISOString()} title={formatDate(date)}>
        {formatDay(date)}
      </time>
    ) : (
      <time datetime={date.toISOString()}>{formatDate(date)}</time>
    )
  ) : (
    <span class="muted">{empty}</span>
  );

export const KeyGlyph: FC = () => (
  <svg
    viewBox="0 0 24 24"
    aria-hidden="true"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
  >
    <circle cx="7.5" cy="15.5" r="4.5" />
    <path d="M10.7 12.3 20 3" />
    <path d="m16 7 3 3" />
    <path d="m13.5 9.5 2 2" />
  </svg>
);

export const WarningGlyph: FC = () => (
  <svg
    viewBox="0 0 24 24"
    aria-hidden="true"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
  >
    <path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z" />
    <path d="M12 9v4" />
    <path d="M12 17h.01" />
  </svg>
);

export const CsrfField: FC<{ token: string }> = ({ token }) => (
  <input type="hidden" name="csrf" value={token} />
);

export type KeyStatusName = "active" | "disabled" | "expired" | "revoked";

const STATUS_LABEL: Record<KeyStatusName, string> = {
  active: "Active",
  disabled: "Disabled",
  expired: "Expired",
  revoked: "Revoked",
};

export const StatusBadge: FC<{ status: KeyStatusName }> = ({ status }) => (
  <span class={`badge ${status}`}>{STATUS_LABEL[status]}</span>
);

export const Scopes: FC<{ scopes: string[] }> = ({ scopes }) => (
  <ul class="chips" aria-label="Scopes">
    {scopes.map((scope) => (
      <li class="chip">{scope}</li>
    ))}
  </ul>
);

/** The fingerprint shortened for tables; the full value is in the title and on the detail page. */
export const ShortFingerprint: FC<{ value: string }> = ({ value }) => (
  <code title={value}>{`${value.slice(0, 12)}…`}</code>
);

/** Lists every error at the top, linking to its field; focused on load so it is announced. */
export const ErrorSummary: FC<{ errors: FieldErrors; order?: string[] }> = ({ errors, order }) => {
  const names = order ? order.filter((n) => errors[n]) : Object.keys(errors);
  const rest = Object.keys(errors).filter((n) => !names.includes(n));
  const all = [...names, ...rest];
  if (all.length === 0) return null;
  return (
    <div class="error-summary" role="alert" tabindex={-1} id="error-summary" data-autofocus>
      <h2>{all.length === 1 ? "There is a problem" : `There are ${all.length} problems`}</h2>
      <ul>
        {all.map((name) =>
          name === "form" ? (
            <li>{errors[name]}</li>
          ) : (
            <li>
              <a href={`#${name}`}>{errors[name]}</a>
            </li>
          ),
        )}
      </ul>
    </div>
  );
};

interface FieldProps {
  name: string;
  label: string;
  type?: "text" | "email" | "password" | "date";
  value?: string | undefined;
  error?: string | undefined;
  hint?: Child;
  required?: boolean;
  optional?: boolean;
  autocomplete?: string;
  multiline?: boolean;
  placeholder?: string;
  spellcheck?: boolean;
  id?: string;
}

/** A labelled input with its hint and error wired to it (aria-describedby, aria-invalid). */
export const Field: FC<FieldProps> = (props) => {
  const id = props.id ?? props.name;
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  const common = {
    id,
    name: props.name,
    "aria-describedby": describedBy,
    "aria-invalid": props.error ? "true" : undefined,
    required: props.required,
    autocomplete: props.autocomplete,
    placeholder: props.placeholder,
    spellcheck: props.spellcheck,
  };
  return (
    <div class="field">
      <label for={id}>
        {props.label}
        {props.optional ? <span class="muted"> (optional)</span> : null}
      </label>
      {props.hint ? (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {props.multiline ? (
        <textarea {...common}>{props.value ?? ""}</textarea>
      ) : (
        <input type={props.type ?? "text"} value={props.value ?? ""} {...common} />
      )}
      <p class="field-error" id={errorId}>
        {props.error ?? ""}
      </p>
    </div>
  );
};

/** A short success message after a redirect (fixed texts only: nothing from the URL is echoed). */
export const Notice: FC<{ text: string | undefined }> = ({ text }) =>
  text ? (
    <div class="notice" role="status">
      {text}
    </div>
  ) : null;
