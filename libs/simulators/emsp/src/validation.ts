/** Input from the command line and from test setups, rejected with the name of the offending field. */
export class InvalidInput extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'InvalidInput';
  }
}
