import type { FC } from "hono/jsx";
import { AuthLayout, Layout, type PageContext } from "./layout.js";

/** 403, 404, 429, 500: one plain page, inside the console frame when signed in. */
export const MessagePage: FC<{
  page: PageContext;
  title: string;
  message: string;
  action?: { href: string; label: string };
}> = ({ page, title, message, action }) => {
  const body = (
    <>
      <h1 id="message-heading" tabindex={-1} data-autofocus>
        {title}
      </h1>
      <p class="lead">{message}</p>
      {action ? (
        <a class="button" href={action.href}>
          {action.label}
        </a>
      ) : null}
    </>
  );
  return page.session ? (
    <Layout title={title} page={page} narrow>
      <div class="card">{body}</div>
    </Layout>
  ) : (
    <AuthLayout title={title} page={page}>
      {body}
    </AuthLayout>
  );
};
