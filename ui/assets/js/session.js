// Who is signed in and what their role allows (reader < curator < reviewer < admin).

const ORDER = ["reader", "curator", "reviewer", "admin"];

export const session = {
  /** {name, role, anonymous} from /whoami, or null when the server asks for a token. */
  me: null,
  /** Whether the signed-in principal's role includes `role`. */
  can(role) {
    if (!this.me) return false;
    return ORDER.indexOf(this.me.role) >= ORDER.indexOf(role);
  },
};
