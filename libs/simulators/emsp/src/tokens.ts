import type { AllowedType, OcpiObject, Token, TokenType } from './model';

export interface AuthorizationInfo {
  readonly allowed: AllowedType;
  readonly token: Token;
  readonly authorization_reference: string;
  readonly location?: OcpiObject;
}

export type AuthorizationAnswer =
  | { readonly kind: 'unknown-token' }
  | { readonly kind: 'needs-location' }
  | { readonly kind: 'answered'; readonly info: AuthorizationInfo };

/** The eMSP's own tokens: what GET tokens lists and what real-time authorization answers from. */
export class TokenBook {
  private readonly tokens = new Map<string, Token>();
  private readonly decisions = new Map<string, AllowedType>();
  private authorizations = 0;

  constructor(
    tokens: readonly Token[] = [],
    private readonly requireLocation = false,
  ) {
    for (const token of tokens) this.put(token);
  }

  put(token: Token): void {
    this.tokens.set(keyOf(token.uid, token.type), token);
  }

  get(uid: string, type: TokenType = 'RFID'): Token | undefined {
    return this.tokens.get(keyOf(uid, type));
  }

  /** Overrides the real-time answer for one token, e.g. NO_CREDIT for a valid token. */
  decide(uid: string, allowed: AllowedType, type: TokenType = 'RFID'): void {
    this.decisions.set(keyOf(uid, type), allowed);
  }

  /** mod_tokens GET: last_updated between date_from (inclusive) and date_to (exclusive), oldest first. */
  list(dateFrom?: Date, dateTo?: Date): Token[] {
    return [...this.tokens.values()]
      .filter((token) => {
        const updated = Date.parse(token.last_updated);
        return (dateFrom === undefined || updated >= dateFrom.getTime()) && (dateTo === undefined || updated < dateTo.getTime());
      })
      .sort((a, b) => Date.parse(a.last_updated) - Date.parse(b.last_updated));
  }

  authorize(uid: string, type: TokenType, location: OcpiObject | undefined): AuthorizationAnswer {
    const token = this.get(uid, type);
    if (!token) return { kind: 'unknown-token' };
    if (this.requireLocation && location === undefined) return { kind: 'needs-location' };
    const allowed = this.decisions.get(keyOf(uid, type)) ?? (token.valid ? 'ALLOWED' : 'BLOCKED');
    this.authorizations += 1;
    return {
      kind: 'answered',
      info: {
        allowed,
        token,
        authorization_reference: `AUTH-${String(this.authorizations).padStart(6, '0')}-${uid}`.slice(0, 36),
        ...(location === undefined || allowed !== 'ALLOWED' ? {} : { location }),
      },
    };
  }
}

function keyOf(uid: string, type: string): string {
  return `${type}/${uid.toLowerCase()}`;
}
