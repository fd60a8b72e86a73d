/** `{ key: value }` when there is a value, `{}` otherwise: optional OCPP fields are left out, never sent as null. */
export function present<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function acceptedIf(yes: boolean): 'Accepted' | 'Rejected' {
  return yes ? 'Accepted' : 'Rejected';
}
