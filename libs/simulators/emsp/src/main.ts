import { Command } from 'commander';
import { registerSimulateEmspCommand } from './cli';

/** `node dist/main.js simulate emsp ...`: the eMSP simulator without the roamgate CLI around it. */
const program = new Command('roamgate-emsp-simulator');
registerSimulateEmspCommand(program);
void program.parseAsync(process.argv);
