import { runMain } from '@roamgate/runtime';
import { startStandalone } from './standalone';

runMain(() => startStandalone());
