// Staff sign-in for the console: OpenID Connect Authorization Code + PKCE (S256) as a public client.
//
// Tokens live in this page's memory only: never in localStorage or sessionStorage, so a reload or a closed
// tab signs the operator out and a script reading web storage finds nothing. Only the PKCE verifier, state
// and nonce of a sign-in in progress wait in sessionStorage across the redirect to the provider, and are
// removed the moment the page is back. The access token is renewed with the refresh token before it expires
// (the provider may rotate the refresh token: the newest one is kept). Sign-out ends the provider's session
// too (RP-initiated logout). Without a provider (development) the page takes a `make token` token instead.

const PENDING = "kentongan.signin";  // sessionStorage, only while the browser is at the provider
const RETRY_MS = 10_000;

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const randomString = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const sha256 = (text) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));

function claimsOf(jwt) {
  const part = jwt.split(".")[1] ?? "";
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

// `onToken(token)` is called with every new access token (null when the session ends).
export function oidcSession({ issuer, clientId, onToken }) {
  const redirectUri = `${location.origin}/console`;
  let provider = null;
  let tokens = null;
  let renewTimer = null;

  async function discover() {
    if (!provider) {
      const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
      if (!response.ok) throw new Error(`discovery: HTTP ${response.status}`);
      provider = await response.json();
    }
    return provider;
  }

  async function tokenRequest(form) {
    const { token_endpoint: endpoint } = await discover();
    const response = await fetch(endpoint, {
      method: "POST", body: new URLSearchParams({ client_id: clientId, ...form }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.error || `HTTP ${response.status}`), { refused: true });
    return body;
  }

  function accept(body) {
    tokens = { access: body.access_token, id: body.id_token ?? tokens?.id,
      refresh: body.refresh_token ?? tokens?.refresh };
    scheduleRenewal(Number(body.expires_in) || 300);
    onToken(tokens.access);
  }

  // Renew well before expiry: a quarter of the lifetime early, at least a minute for longer-lived tokens.
  function scheduleRenewal(lifetimeS, expiresAt = Date.now() + lifetimeS * 1000) {
    clearTimeout(renewTimer);
    const inS = lifetimeS > 240 ? lifetimeS - 60 : lifetimeS * 0.75;
    renewTimer = setTimeout(() => renew(expiresAt), inS * 1000);
  }

  async function renew(expiresAt) {
    if (!tokens?.refresh) return end();
    try {
      accept(await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh }));
    } catch (error) {
      // Refused: the session is over (revoked, or idle too long at the provider). Unreachable: try again
      // while the current token lasts.
      const left = expiresAt - Date.now();
      if (error.refused || left < RETRY_MS) return end();
      clearTimeout(renewTimer);
      renewTimer = setTimeout(() => renew(expiresAt), RETRY_MS);
    }
  }

  function end() {
    clearTimeout(renewTimer);
    tokens = null;
    onToken(null);
  }

  return {
    // Off to the provider's sign-in page; the page comes back to `resume`.
    async signIn({ again = false } = {}) {
      const { authorization_endpoint: endpoint } = await discover();
      const pending = { state: randomString(), verifier: randomString(), nonce: randomString() };
      sessionStorage.setItem(PENDING, JSON.stringify(pending));
      const query = new URLSearchParams({
        response_type: "code", client_id: clientId, redirect_uri: redirectUri, scope: "openid profile",
        state: pending.state, nonce: pending.nonce, code_challenge: b64url(await sha256(pending.verifier)),
        code_challenge_method: "S256",
      });
      if (again) query.set("prompt", "login");  // unlocking a locked console: the person proves it again
      location.assign(`${endpoint}?${query}`);
    },

    // Back from the provider: exchange the code for tokens. True when signed in.
    async resume() {
      const params = new URLSearchParams(location.search);
      const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
      sessionStorage.removeItem(PENDING);
      if (!params.has("code") && !params.has("error")) return false;
      history.replaceState(null, "", location.pathname);  // the code never stays in the address bar
      if (!pending || params.get("state") !== pending.state || !params.has("code")) {
        throw new Error(params.get("error_description") || params.get("error") || "sign-in state mismatch");
      }
      const body = await tokenRequest({ grant_type: "authorization_code", code: params.get("code"),
        redirect_uri: redirectUri, code_verifier: pending.verifier });
      if (body.id_token && claimsOf(body.id_token).nonce !== pending.nonce) throw new Error("nonce mismatch");
      accept(body);
      return true;
    },

    // Forget the tokens here and end the session at the provider, which sends the browser back.
    async signOut() {
      const idToken = tokens?.id;
      end();
      const { end_session_endpoint: endpoint } = await discover();
      if (!endpoint) return;
      const query = new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: redirectUri });
      if (idToken) query.set("id_token_hint", idToken);
      location.assign(`${endpoint}?${query}`);
    },

    forget: end,
  };
}

// Shared Command Center workstations: after `afterMs` without keyboard, mouse or touch input the console
// locks (`onLock`); the live queue and alarm sounds go on underneath, acting needs signing in again.
export function idleLock(afterMs, onLock) {
  let last = Date.now();
  let locked = false;
  const touch = () => { if (!locked) last = Date.now(); };
  for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
    document.addEventListener(type, touch, { capture: true, passive: true });
  }
  setInterval(() => {
    if (!locked && Date.now() - last >= afterMs) { locked = true; onLock(); }
  }, 1000);
  return {
    get locked() { return locked; },
    reset() { locked = false; last = Date.now(); },
  };
}
