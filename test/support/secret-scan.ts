/**
 * Finds secrets in log text: the exact values a test used, and anything shaped like a credential
 * (a Salesforce access or refresh token, a Bearer value, a PEM private key, a signed JWT, a token in
 * a URL or form body). A redacted value reads `[redacted]` and is not a finding.
 */

export interface Finding {
  what: string;
  /** The line it was found in, cut short around the match. */
  excerpt: string;
}

const PATTERNS: { what: string; re: RegExp }[] = [
  // 00D + the org id, "!", then the session part: the shape of every Salesforce access token.
  { what: 'Salesforce access token', re: /00D[a-zA-Z0-9]{12,15}![A-Za-z0-9._-]{16,}/ },
  { what: 'Salesforce refresh token', re: /5Aep[A-Za-z0-9._]{40,}/ },
  { what: 'Bearer credential', re: /Bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/!=-]{8,}/i },
  { what: 'private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----|MII[A-Za-z0-9+/]{60,}/ },
  { what: 'signed JWT', re: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/ },
  {
    what: 'credential in a URL or form',
    re: /(access_token|refresh_token|assertion|client_secret|password)=(?!\[redacted\])[^&\s"]{8,}/i,
  },
];

/** Values shorter than this are not searched verbatim: they would match by chance. */
const MIN_SECRET_LENGTH = 8;

export function findSecrets(text: string, known: readonly string[] = []): Finding[] {
  const out: Finding[] = [];
  const values = [...new Set(known)].filter((v) => v.length >= MIN_SECRET_LENGTH);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    for (const value of values) {
      const at = line.indexOf(value);
      if (at >= 0) out.push({ what: 'a secret value used by a test', excerpt: around(line, at) });
    }
    for (const { what, re } of PATTERNS) {
      const m = re.exec(line);
      if (m) out.push({ what, excerpt: around(line, m.index) });
    }
  }
  return out;
}

function around(line: string, at: number): string {
  return line.slice(Math.max(0, at - 60), at + 40);
}
